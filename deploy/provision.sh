#!/usr/bin/env bash
# Provision, upgrade or roll back Marquee on a Linux host with systemd. Idempotent: every step
# checks before it acts, so the same command installs a fresh host and upgrades a running one.
#
#   sudo deploy/provision.sh                      # install / upgrade to this checkout's commit
#   sudo deploy/provision.sh --ref v1.4.0         # install / upgrade / roll back to a git ref
#   sudo deploy/provision.sh --repo https://git.example.com/marquee.git --ref v1.4.0
#
# Steps: system packages, the `marquee` user, directories, the code in /opt/marquee (git), the
# locked virtualenv (uv sync --frozen --no-dev), /etc/marquee/marquee.env from the template with
# generated secrets, the systemd units, a backup before an upgrade, migrations, then
# (re)start and a health check. See deploy/README.md for the whole runbook.
set -euo pipefail

APP_USER=marquee
APP_DIR=/opt/marquee
DATA_DIR=/var/lib/marquee
CONF_DIR=/etc/marquee
ENV_FILE=$CONF_DIR/marquee.env
UNIT_DIR=/etc/systemd/system
PYTHON_VERSION=3.11
UV_VERSION=${UV_VERSION:-0.13.8}
SERVICES=(marquee-api.service marquee-worker.service marquee-beat.service)

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=""
REF=""
START=1
BACKUP=1

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'
Options:
  --repo URL|PATH   where to fetch the code from (default: the repository holding this script)
  --ref REF         commit, tag or branch to deploy (default: that repository's HEAD commit)
  --no-backup       skip the backup taken before upgrading a running installation
  --no-start        install and migrate, but do not (re)start the services
EOF
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --repo) REPO=$2; shift 2 ;;
    --ref) REF=$2; shift 2 ;;
    --no-backup) BACKUP=0; shift ;;
    --no-start) START=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'provision: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (sudo $0)"
command -v systemctl >/dev/null || die "systemd is required"

# The checkout may belong to the operator, not root: trust it for these commands only.
git_() { git -c safe.directory='*' "$@"; }
if [[ -z $REPO ]]; then
  REPO=$(git_ -C "$SCRIPT_DIR/.." rev-parse --show-toplevel 2>/dev/null) \
    || die "--repo is required when this script is not inside a git checkout"
fi
if [[ -z $REF ]]; then
  REF=$(git_ -C "$REPO" rev-parse HEAD 2>/dev/null) || die "--ref is required for a remote --repo"
fi

# --- system packages --------------------------------------------------------------------------
missing=()
for tool in git curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [[ ${#missing[@]} -gt 0 ]]; then
  command -v apt-get >/dev/null || die "install ${missing[*]} first"
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ca-certificates "${missing[@]}"
fi
if ! command -v uv >/dev/null; then
  log "installing uv $UV_VERSION into /usr/local/bin"
  curl -LsSf "https://astral.sh/uv/$UV_VERSION/install.sh" | env UV_INSTALL_DIR=/usr/local/bin UV_NO_MODIFY_PATH=1 sh
fi

# --- user and directories ---------------------------------------------------------------------
if ! id -u "$APP_USER" >/dev/null 2>&1; then
  log "creating system user $APP_USER"
  useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$APP_USER"
fi
install -d -o root -g root -m 0755 "$APP_DIR"
install -d -o root -g "$APP_USER" -m 0750 "$CONF_DIR"
install -d -o "$APP_USER" -g "$APP_USER" -m 0750 "$DATA_DIR" "$DATA_DIR/backups"
install -d -o root -g root -m 0755 /opt/uv /var/cache/uv

# --- backup before touching a running installation --------------------------------------------
if [[ $BACKUP -eq 1 ]] && systemctl is-active --quiet marquee-api.service; then
  log "backing up before the upgrade (marquee-backup.service)"
  systemctl start marquee-backup.service \
    || die "the pre-upgrade backup failed (journalctl -u marquee-backup); re-run with --no-backup to skip it"
fi

# --- code -------------------------------------------------------------------------------------
if [[ $(realpath -m "$REPO") == "$APP_DIR" ]]; then
  log "deploying the checkout in place ($APP_DIR)"
else
  # A local checkout owned by another user is read through an upload-pack that trusts it.
  upload_pack=git-upload-pack
  [[ -d $REPO ]] && upload_pack="git -c safe.directory='*' upload-pack"
  if [[ ! -d $APP_DIR/.git ]]; then
    log "cloning $REPO into $APP_DIR"
    git_ clone --quiet --no-checkout --upload-pack "$upload_pack" "$REPO" "$APP_DIR"
  fi
  git -C "$APP_DIR" remote set-url origin "$REPO"
  git -C "$APP_DIR" config remote.origin.uploadpack "$upload_pack"
  git -C "$APP_DIR" fetch --quiet --tags --force origin
fi
previous=""
if [[ -f $DATA_DIR/releases.log ]]; then
  previous=$(tail -n 1 "$DATA_DIR/releases.log" | cut -d' ' -f3)
fi
target=$(git -C "$APP_DIR" rev-parse --verify --quiet "origin/$REF^{commit}" \
  || git -C "$APP_DIR" rev-parse --verify --quiet "$REF^{commit}") \
  || die "unknown ref $REF in $REPO"
if [[ $(realpath -m "$REPO") != "$APP_DIR" ]]; then
  log "checking out $target (deployed before: ${previous:-none})"
  git -C "$APP_DIR" checkout --quiet --force --detach "$target"
  git -C "$APP_DIR" clean --quiet -fdx --exclude=.venv
elif [[ $(git -C "$APP_DIR" rev-parse HEAD) != "$target" ]]; then
  git -C "$APP_DIR" checkout --quiet --detach "$target"
fi
if [[ ${previous:-} != "$target" ]]; then
  printf '%s %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${previous:-none}" "$target" >>"$DATA_DIR/releases.log"
fi

# --- virtualenv (locked, no dev dependencies; Python under /opt/uv, not in root's home) ------
log "syncing the virtualenv from uv.lock"
(
  cd "$APP_DIR"
  UV_PYTHON_INSTALL_DIR=/opt/uv/python UV_CACHE_DIR=/var/cache/uv UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT="$APP_DIR/.venv" \
    uv sync --frozen --no-dev --python "$PYTHON_VERSION" --quiet
  .venv/bin/python -m compileall -q app modules workers migrations seed
)

# --- configuration ----------------------------------------------------------------------------
if [[ ! -f $ENV_FILE ]]; then
  log "writing $ENV_FILE from deploy/marquee.env.example (with generated secrets)"
  secret() { "$APP_DIR/.venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(48))'; }
  (
    umask 077
    sed -e "s|^JWT_SECRET=$|JWT_SECRET=$(secret)|" \
        -e "s|^SEED_ADMIN_PASSWORD=$|SEED_ADMIN_PASSWORD=$(secret)|" \
        "$APP_DIR/deploy/marquee.env.example" >"$ENV_FILE"
  )
fi
chown root:"$APP_USER" "$ENV_FILE"
chmod 0640 "$ENV_FILE"

# --- systemd units and the operator's `marquee` command ---------------------------------------
log "installing the systemd units"
install -m 0644 "$APP_DIR"/deploy/systemd/*.service "$APP_DIR"/deploy/systemd/*.timer "$UNIT_DIR/"
install -m 0755 "$APP_DIR/deploy/marquee-cli" /usr/local/sbin/marquee
systemctl daemon-reload

for required in MONGODB_URL REDIS_URL; do
  if ! grep -Eq "^${required}=.+" "$ENV_FILE"; then
    echo
    echo "Set $required (and review the rest) in $ENV_FILE, then run this script again." >&2
    exit 3
  fi
done

# --- migrations -------------------------------------------------------------------------------
log "applying migrations (marquee-migrate.service)"
systemctl start marquee-migrate.service || die "migrations failed: journalctl -u marquee-migrate -n 50"

if [[ $START -eq 0 ]]; then
  log "installed $target; services not started (--no-start)"
  exit 0
fi

# --- start / restart --------------------------------------------------------------------------
log "starting ${SERVICES[*]} and the backup timer"
systemctl enable --quiet "${SERVICES[@]}" marquee-backup.timer
systemctl restart "${SERVICES[@]}"
systemctl start marquee-backup.timer

port=$(sed -n 's/^API_PORT=\([0-9]\+\)$/\1/p' "$ENV_FILE" | tail -n 1)
for _ in $(seq 1 30); do
  if curl -fsS "http://127.0.0.1:${port:-8000}/healthz" >/dev/null 2>&1; then
    log "Marquee $target is up: http://127.0.0.1:${port:-8000}/healthz"
    exit 0
  fi
  sleep 1
done
die "the API did not answer /healthz within 30 s: journalctl -u marquee-api -n 50"
