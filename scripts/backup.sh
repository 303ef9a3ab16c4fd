#!/usr/bin/env bash
# Back up the whole database as a gzipped SQL dump in BACKUP_DIR, named aihm-<UTC time>.sql.gz,
# and keep only the newest BACKUP_KEEP dumps (default 14).
#
# It connects with DATABASE_PRIVILEGED_URL, the owner role: that role has BYPASSRLS, so the dump
# holds every company's rows. The runtime role (DATABASE_URL) would see no tenant rows through
# row-level security, and pg_dump refuses to dump tables whose rows it cannot all read.
# The dump keeps the tables' owner, the runtime role's grants and the row-level security policies.
#
# Restore into an EMPTY database created by scripts/pg_roles.sh (both roles must exist):
#   gunzip -c var/backups/aihm-YYYYMMDDTHHMMSSZ.sql.gz | psql -v ON_ERROR_STOP=1 "$DATABASE_PRIVILEGED_URL"
set -euo pipefail
umask 077
export LC_ALL=C

: "${DATABASE_PRIVILEGED_URL:?set DATABASE_PRIVILEGED_URL to the owner role URL}"
BACKUP_DIR=${BACKUP_DIR:-var/backups}
BACKUP_KEEP=${BACKUP_KEEP:-14}
if ! [[ "$BACKUP_KEEP" =~ ^[1-9][0-9]*$ ]]; then
  echo "BACKUP_KEEP must be a whole number of dumps, at least 1 (got '$BACKUP_KEEP')" >&2
  exit 2
fi

mkdir -p "$BACKUP_DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
final="$BACKUP_DIR/aihm-$stamp.sql.gz"
partial="$BACKUP_DIR/.aihm-$stamp.sql.gz.partial"
trap 'rm -f -- "$partial"' EXIT

# Written under a hidden temporary name and renamed only once complete and readable, so a failed
# or interrupted run never leaves a file that looks like a backup.
pg_dump --dbname="$DATABASE_PRIVILEGED_URL" --format=plain --quote-all-identifiers | gzip -6 >"$partial"
gzip -t "$partial"
mv -f -- "$partial" "$final"

# Rotation: the names sort by time; only files named like our dumps are ever removed.
shopt -s nullglob
dumps=()
for path in "$BACKUP_DIR"/aihm-*.sql.gz; do
  if [[ "$(basename "$path")" =~ ^aihm-[0-9]{8}T[0-9]{6}Z\.sql\.gz$ ]]; then
    dumps+=("$path")
  fi
done
excess=$((${#dumps[@]} - BACKUP_KEEP))
for ((i = 0; i < excess; i++)); do
  rm -f -- "${dumps[i]}"
done

echo "Backup written: $final ($(du -h "$final" | cut -f1)); keeping the newest $BACKUP_KEEP."
