#!/bin/sh
# Container entrypoint. With AIHM_MIGRATE=1 (the web container) it applies the migrations first,
# as the owner role (DATABASE_PRIVILEGED_URL), retrying while the database starts; then it runs
# the command (gunicorn, celery ...).
set -eu

if [ "${AIHM_MIGRATE:-0}" = 1 ]; then
  attempt=1
  until python manage.py migrate --noinput; do
    if [ "$attempt" -ge "${AIHM_MIGRATE_ATTEMPTS:-10}" ]; then
      echo "entrypoint: migrations failed $attempt times; giving up" >&2
      exit 1
    fi
    echo "entrypoint: migrations failed (database not ready?); retrying in 3 s" >&2
    attempt=$((attempt + 1))
    sleep 3
  done
fi

exec "$@"
