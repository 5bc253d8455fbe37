#!/usr/bin/env bash
# Instructions per row of the reader alone and of reader + mapping, counted by
# valgrind (callgrind): unlike wall time, a count that a shared, noisy machine does
# not disturb. Each is counted on the first 10,000 and the first 30,000 rows of a
# synthetic file, and the difference is divided by 20,000, so start-up (loading the
# mappings, the runtime) is left out and what remains is the cost of one more row,
# summed over every thread.
# Usage: bench/instructions.sh DATA BIN  (prints nothing when valgrind is missing)
set -euo pipefail
DATA=$1 BIN=$2
command -v valgrind >/dev/null && command -v objcopy >/dev/null || exit 0
small=10000 large=30000
# valgrind 3.19 cannot read the DWARF 5 Swift emits: count on a copy without debug info.
objcopy --strip-debug "$BIN" "$DATA/fansync-nodebug"
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$DATA/fansync-nodebug" "$@" 2>&1 >/dev/null \
    | awk '/Collected/ { print $4 }'
}
for name in contacts payments; do
  for rows in $small $large; do head -n $((rows + 1)) "$DATA/$name.csv" > "$DATA/$name-$rows.csv"; done
  reader=$(( $(count inspect --limit 0 "$DATA/$name-$large.csv") - $(count inspect --limit 0 "$DATA/$name-$small.csv") ))
  mapped=$(( $(count map --quiet --phones keep --rejects "$DATA/rejects" "$DATA/$name-$large.csv") \
           - $(count map --quiet --phones keep --rejects "$DATA/rejects" "$DATA/$name-$small.csv") ))
  awk -v n="$name" -v r="$reader" -v m="$mapped" -v rows=$((large - small)) 'BEGIN{
    printf "  %s: reader %.0f, reader + mapping %.0f instructions a row: mapping %.0f (phones kept)\n",
           n, r / rows, m / rows, (m - r) / rows }'
  rm -f "$DATA/$name-$small.csv" "$DATA/$name-$large.csv"
done
