#!/usr/bin/env bash
# The keyed-ledger floor: what SQLite alone takes to write both synthetic files
# into fansync's ledger tables (the keys, indexes and trigger the store needs to
# stay idempotent and merge by email), with no parsing, mapping or people at all.
# The rows are staged with sqlite3's .import first (not timed), then copied in one
# INSERT … SELECT per file, in one transaction, with fansync's page cache size, the
# way bulk loaders do it (and fansync does for big files): the email and import
# indexes dropped first and built after, in one sort each.
# Prints the seconds. Usage: bench/ledger_floor.sh DATA BIN
set -euo pipefail
source "$(dirname "$0")/payments_sql.sh"
DATA=$1 BIN=$2
db="$DATA/ledger-floor.db"
rm -f "$db" "$db-wal" "$db-shm"
# An empty store (fansync's own schema): importing a file of just a header creates it.
head -1 "$DATA/contacts.csv" > "$DATA/.header.csv"
"$BIN" import --quiet --db "$db" --rejects "$DATA/rejects" "$DATA/.header.csv" >/dev/null
sqlite3 "$db" ".mode csv" ".import $DATA/contacts.csv raw_contacts" ".import $DATA/payments.csv raw_payments" 2>/dev/null
start=$EPOCHREALTIME
sqlite3 "$db" "PRAGMA cache_size = -32768" "BEGIN" \
  "DROP INDEX contacts_email" "DROP INDEX contacts_import" "DROP INDEX payments_email" "DROP INDEX payments_import" "
INSERT INTO contacts (store, source, source_id, email, email_display, first_name, last_name, phone, phone_status, tags,
  created_at, updated_at, daw, genre, level, goals, rank, seen_at, version, content_hash, file, line, import_id)
SELECT 'default', 'activecampaign.contacts', \"Contact ID\", lower(trim(Email)), trim(Email), \"First Name\", \"Last Name\",
  Phone, 'unchecked', Tags, 1700000000, 1700000000, DAW, Genre, Level, Goals, 1, 1700000000, 1700000000,
  printf('%032x', rowid), 'contacts.csv', rowid + 1, 1 FROM raw_contacts;" "
$(payments_insert raw_payments payments.csv 2)
ON CONFLICT (store, source, source_id) DO NOTHING;" \
  "CREATE INDEX contacts_email ON contacts (store, email)" "CREATE INDEX contacts_import ON contacts (import_id)" \
  "CREATE INDEX payments_email ON payments (store, email)" "CREATE INDEX payments_import ON payments (import_id)" "COMMIT"
awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.3f\n", b - a}'
rm -f "$db" "$db-wal" "$db-shm"
