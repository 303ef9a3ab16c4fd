#!/usr/bin/env bash
# Create AIHM's two PostgreSQL roles and its database, as a superuser (idempotent):
#   $OWNER  owns the tables and runs migrations; BYPASSRLS for staff tools and sweepers.
#   $APP    what the application runs as: no superuser, no BYPASSRLS, no DDL.
# Usage: PGHOST=127.0.0.1 PGUSER=postgres scripts/pg_roles.sh [db] [owner] [app] [owner-password] [app-password]
set -euo pipefail
DB=${1:-aihm}; OWNER=${2:-aihm}; APP=${3:-aihm_app}; OWNER_PASSWORD=${4:-}; APP_PASSWORD=${5:-}
psql -v ON_ERROR_STOP=1 -q -d postgres \
  -v db="$DB" -v owner="$OWNER" -v app="$APP" -v owner_pw="$OWNER_PASSWORD" -v app_pw="$APP_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('ALTER ROLE %I NOSUPERUSER CREATEDB BYPASSRLS NOCREATEROLE', :'owner') \gexec
SELECT format('ALTER ROLE %I NOSUPERUSER NOCREATEDB NOBYPASSRLS NOCREATEROLE', :'app') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'owner', :'owner_pw') WHERE :'owner_pw' <> '' \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app', :'app_pw') WHERE :'app_pw' <> '' \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
