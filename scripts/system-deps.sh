#!/usr/bin/env bash
# Install the system packages peacemap needs, with apt, only when missing.
#   scripts/system-deps.sh           PostgreSQL server + PostGIS, npm (make run)
#   scripts/system-deps.sh --test    … plus Chromium for the browser tests (make test)
# Set PEACEMAP_DATABASE_URL to use an existing PostGIS server: then no local
# PostgreSQL is needed.
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

missing=()
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "${PEACEMAP_DATABASE_URL:-}" ] || [ "$want_test" = 1 ]; then
  bindir=$(pg_bindir || true)
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    missing+=(postgresql)
  fi
fi

# npm fetches the map's Leaflet assets (frontend/install_assets.sh).
if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

if [ "$want_test" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  missing+=(chromium)
fi

run_apt() {
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "peacemap: missing system packages: $*" >&2
      echo "          install them as root: apt-get update && apt-get install -y $*" >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "peacemap: missing system packages: $* (no apt-get here: install PostgreSQL with PostGIS and Chromium with your package manager)" >&2
    exit 1
  fi
  echo "peacemap: installing $* with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ ${#missing[@]} -gt 0 ]; then
  run_apt "${missing[@]}"
fi

# PostGIS must match the server's major version.
if [ -z "${PEACEMAP_DATABASE_URL:-}" ] || [ "$want_test" = 1 ]; then
  bindir=$(pg_bindir)
  major=$(basename "$(dirname "$bindir")")
  if [ ! -f "/usr/share/postgresql/$major/extension/postgis.control" ]; then
    run_apt "postgresql-$major-postgis-3"
  fi
fi
