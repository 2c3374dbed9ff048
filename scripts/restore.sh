#!/usr/bin/env bash
# Restore a backup made by backup.sh into the database and upload folder given (both are replaced).
#   DATABASE_URL=postgresql://... UPLOAD_FOLDER=/srv/portal/uploads bash scripts/restore.sh /backups/2027-05-31
set -euo pipefail
source_dir="${1:?usage: restore.sh BACKUP_DIRECTORY}"
: "${DATABASE_URL:?set DATABASE_URL}" "${UPLOAD_FOLDER:?set UPLOAD_FOLDER}"
url="${DATABASE_URL/postgresql+psycopg:/postgresql:}"
pg_restore --clean --if-exists --no-owner --exit-on-error --dbname="$url" "$source_dir/portal.dump"
mkdir -p "$UPLOAD_FOLDER"
tar -xzf "$source_dir/uploads.tar.gz" -C "$UPLOAD_FOLDER"
echo "restored $source_dir"
