#!/bin/bash
# Runs once, when the PostgreSQL volume is first initialised (docker-entrypoint-initdb.d), as the
# superuser: creates the owner role, the runtime role and the database with scripts/pg_roles.sh
# (mounted at /aihm/pg_roles.sh), so that Docker and a bare-metal install share one definition.
#   owner   (AIHM_DB_OWNER, default aihm):      owns the tables, runs migrations, BYPASSRLS
#   runtime (AIHM_DB_APP_USER, default aihm_app): what the app runs as, no BYPASSRLS, no DDL
set -euo pipefail
: "${AIHM_DB_OWNER_PASSWORD:?set AIHM_DB_OWNER_PASSWORD}"
: "${AIHM_DB_APP_PASSWORD:?set AIHM_DB_APP_PASSWORD}"
export PGUSER="${POSTGRES_USER:-postgres}"
bash /aihm/pg_roles.sh "${AIHM_DB_NAME:-aihm}" "${AIHM_DB_OWNER:-aihm}" "${AIHM_DB_APP_USER:-aihm_app}" \
  "$AIHM_DB_OWNER_PASSWORD" "$AIHM_DB_APP_PASSWORD"
