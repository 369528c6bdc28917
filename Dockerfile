# syntax=docker/dockerfile:1.7
# Marquee: one image for the API (default command), the Celery worker and beat, and the CLI.
#
#   docker build -t marquee .
#   docker run --init --env-file marquee.env -p 8000:8000 marquee                 # API (granian)
#   docker run --init --env-file marquee.env marquee python -m workers worker     # worker
#   docker run --init --env-file marquee.env marquee python -m workers beat       # beat
#   docker run --init --env-file marquee.env marquee marquee migrate               # migrations
#
# Stage "build" resolves uv.lock into a virtualenv (no dev dependencies, the project installed as
# a wheel); stage "runtime" copies only that virtualenv onto a slim Python: no uv, no compilers,
# no source tree, no .env (see .dockerignore). Configuration and secrets come from the
# environment at run time, never from the image.

ARG PYTHON_VERSION=3.11
ARG UV_VERSION=0.13.8

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# ---------------------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ARG PYTHON_VERSION
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=python${PYTHON_VERSION} \
    UV_PROJECT_ENVIRONMENT=/opt/marquee/.venv
WORKDIR /src

# Dependencies first: this layer is reused while only the code changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-dev --no-install-project

# Then the project itself, as a regular (non-editable) install into the same virtualenv.
COPY . /src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable \
 && /opt/marquee/.venv/bin/python -c "import app.factory, workers.celery_app, migrations.runner"

# ---------------------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
ARG MARQUEE_UID=10001
LABEL org.opencontainers.image.title="marquee" \
      org.opencontainers.image.description="Marquee movie-platform backend: API, Celery worker and beat" \
      org.opencontainers.image.source="https://github.com/marquee/marquee"

RUN groupadd --system --gid "${MARQUEE_UID}" marquee \
 && useradd --system --uid "${MARQUEE_UID}" --gid marquee --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin marquee \
 && install -d -o marquee -g marquee -m 0750 /data

COPY --from=build /opt/marquee/.venv /opt/marquee/.venv

ENV PATH=/opt/marquee/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production \
    LOG_FORMAT=json \
    API_HOST=0.0.0.0 \
    API_PORT=8000 \
    MARQUEE_DATA_DIR=/data \
    PROMETHEUS_MULTIPROC_DIR=/tmp/marquee-metrics

WORKDIR /opt/marquee
USER marquee:marquee
EXPOSE 8000
STOPSIGNAL SIGTERM

# Liveness of the API process; worker and beat containers override it (docker-compose.yml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]

# SIGTERM: granian stops accepting, finishes in-flight requests, then workers exit
# (killed after --workers-kill-timeout).
CMD ["granian", "--interface", "asgi", "--factory", "--host", "0.0.0.0", "--port", "8000", \
     "--workers", "2", "--workers-kill-timeout", "20", "--no-access-log", "app.factory:create_app"]
