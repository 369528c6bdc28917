# Marquee task runner. `just --list` shows every recipe.
set dotenv-load := false
set positional-arguments := true

uv := env_var_or_default("UV", "uv")

# Show the recipes
default:
    @just --list

# Install the locked environment (Python deps, embedded servers, dev tools)
install:
    {{uv}} sync --frozen

# Run the whole stack (embedded MongoDB-wire server + Redis unless URLs are set, migrations, seed, API, worker, beat)
dev *args: install
    {{uv}} run --frozen marquee dev "$@"

# Run the whole test suite against real embedded servers (pytest options pass through)
test *args: install
    {{uv}} run --frozen pytest "$@"

# Format the code
fmt: install
    {{uv}} run --frozen ruff format .
    {{uv}} run --frozen ruff check --fix --quiet .

# Lint: ruff, mypy, import-linter contracts, OpenAPI drift
lint: install
    {{uv}} run --frozen ruff format --check .
    {{uv}} run --frozen ruff check .
    {{uv}} run --frozen mypy
    {{uv}} run --frozen lint-imports
    {{uv}} run --frozen marquee openapi --check

# Apply database migrations (--down / --status / --target NAME)
migrate *args: install
    {{uv}} run --frozen marquee migrate "$@"

# Load the demo catalog and accounts (idempotent)
seed *args: install
    {{uv}} run --frozen marquee seed "$@"

# Run a Celery worker (extra args go to celery)
worker *args: install
    {{uv}} run --frozen python -m workers worker "$@"

# Run Celery beat
beat *args: install
    {{uv}} run --frozen python -m workers beat "$@"

# Back up the database and object storage (--output DIR; default $MARQUEE_DATA_DIR/backups/marquee-<UTC time>)
backup *args: install
    {{uv}} run --frozen marquee backup "$@"

# Restore a backup directory (DIR [--drop]); refuses a non-empty database unless --drop
restore *args: install
    {{uv}} run --frozen marquee restore "$@"

# Regenerate openapi/openapi.json from the app
openapi: install
    {{uv}} run --frozen marquee openapi

# Run the benchmarks (writes bench/results/<timestamp>.json)
bench *args: install
    {{uv}} run --frozen python -m bench "$@"
