#!/usr/bin/env bash
# The daily floor: what SQLite alone takes to bring a daily file of new payments into a
# backfilled store, in the store's own shape: the rows upserted into the payments ledger (its
# key, indexes and triggers), the row of each person they name rewritten (totals, purchases,
# content hash), in one transaction committed the way fansync commits (WAL, synchronous=NORMAL,
# fansync's page cache). No parsing, mapping, merging or attribution: a lower bound for
# `fansync import` of the same file into the same store.
# The rows are staged with sqlite3's .import first (not timed). Prints the seconds.
# Usage: bench/daily_floor.sh STORE DAILY_CSV   (STORE is changed: pass a copy)
set -euo pipefail
source "$(dirname "$0")/payments_sql.sh"
db=$1 daily=$2
sqlite3 "$db" ".mode csv" ".import $daily temp_daily" 2>/dev/null
start=$EPOCHREALTIME
sqlite3 "$db" "PRAGMA synchronous = NORMAL" "PRAGMA cache_size = -32768" "BEGIN IMMEDIATE" "
$(payments_insert temp_daily daily.csv 999999)
ON CONFLICT (store, source, source_id) DO UPDATE SET amount = excluded.amount
  WHERE excluded.content_hash <> payments.content_hash;" "
UPDATE people SET purchases = purchases + 1, settlement_net = coalesce(settlement_net, 0) + 1,
  content_hash = printf('%032x', random())
WHERE store = 'default' AND email IN (SELECT lower(trim(\"Customer Email\")) FROM temp_daily);" "COMMIT"
awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.3f\n", b - a}'
