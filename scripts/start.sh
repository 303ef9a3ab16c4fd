#!/usr/bin/env bash
# Command one: from a fresh clone, install what AIHM needs, prepare the database and the demo
# data, then run the web server, a Celery worker and beat together (Ctrl-C stops them cleanly).
#
# With no variables it runs on the embedded defaults: SQLite and a filesystem broker under var/,
# local media, console email, the offline AI and telephony. Set DATABASE_URL (and
# DATABASE_PRIVILEGED_URL), REDIS_URL, S3_* ... to use real services (see .env.example).
# PORT (default 8000) and HOST (default 127.0.0.1) choose where the server listens;
# SEED_PASSWORD chooses the demo accounts' password.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh

ensure_venv run,speech
compile_messages
# The simulated candidate speaks (py-nanotts) at phone quality (sox).
apt_install sox

export PORT=${PORT:-8000}
export FRONTEND_URL=${FRONTEND_URL:-http://127.0.0.1:$PORT}

.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed
# The bundled Whisper model, assembled once from its two packages and checked.
.venv/bin/python manage.py whisper_model >/dev/null
if [ "${ENVIRONMENT:-development}" = production ]; then
  # Only production serves collected files; elsewhere WhiteNoise serves static/ directly.
  .venv/bin/python manage.py collectstatic --noinput --verbosity 0
fi

echo
echo "AIHM is starting at http://127.0.0.1:$PORT/  (staff admin: http://127.0.0.1:$PORT/admin/)"
echo "API docs (development only): http://127.0.0.1:$PORT/api/v1/docs/  (schema: /api/v1/schema/)"
echo "Sign in with one of the demo logins above. Press Ctrl-C to stop."
echo
exec .venv/bin/python manage.py run
