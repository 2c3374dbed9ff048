#!/usr/bin/env bash
# Back up the portal: the PostgreSQL database (pg_dump, custom format) and the upload folder.
#   DATABASE_URL=postgresql://... UPLOAD_FOLDER=/srv/portal/uploads bash scripts/backup.sh /backups/2027-05-31
set -euo pipefail
target="${1:?usage: backup.sh TARGET_DIRECTORY}"
: "${DATABASE_URL:?set DATABASE_URL}" "${UPLOAD_FOLDER:?set UPLOAD_FOLDER}"
url="${DATABASE_URL/postgresql+psycopg:/postgresql:}"
mkdir -p "$target"
pg_dump --format=custom --no-owner --file="$target/portal.dump" "$url"
tar -czf "$target/uploads.tar.gz" -C "$UPLOAD_FOLDER" .
echo "backup written to $target: $(du -sh "$target" | cut -f1)"
