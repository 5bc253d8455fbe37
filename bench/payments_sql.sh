# Sourced by the floor scripts: the SQL that copies staged rows of a Stripe payments export
# (sqlite3's .import of the CSV into table $1) into fansync's payments ledger, as file $2 under
# import id $3 (an INSERT … SELECT, to be followed by its ON CONFLICT clause).
payments_insert() {
  local staged=$1 file=$2 import_id=$3
  cat <<SQL
INSERT INTO payments (store, source, source_id, email, email_display, customer_id, name, amount, amount_refunded, currency,
  converted_amount, converted_amount_refunded, converted_currency, status, description, created_at, rank, seen_at, version,
  content_hash, file, line, import_id)
SELECT 'default', 'stripe.payments', id, lower(trim("Customer Email")), trim("Customer Email"), "Customer ID",
  "Customer Description", CAST(Amount * 100 AS INTEGER), CAST("Amount Refunded" * 100 AS INTEGER), upper(Currency),
  CAST("Converted Amount" * 100 AS INTEGER), CAST("Converted Amount Refunded" * 100 AS INTEGER),
  upper("Converted Currency"), lower(Status), Description, 1700000000, 2, 1700000000, 2, printf('%032x', rowid),
  '$file', rowid + 1, $import_id FROM $staged WHERE true
SQL
}
