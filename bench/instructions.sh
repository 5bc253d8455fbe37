#!/usr/bin/env bash
# Instructions per row of the reader alone and of reader + mapping, counted by
# valgrind (callgrind) on the first 20,000 rows of each synthetic file: unlike
# wall time, a count that a shared, noisy machine does not disturb. Startup is
# included in both, so the difference is the mapping's own cost.
# Usage: bench/instructions.sh DATA BIN  (prints nothing when valgrind is missing)
set -euo pipefail
DATA=$1 BIN=$2
command -v valgrind >/dev/null && command -v objcopy >/dev/null || exit 0
rows=20000
# valgrind 3.19 cannot read the DWARF 5 Swift emits: count on a copy without debug info.
objcopy --strip-debug "$BIN" "$DATA/fansync-nodebug"
count() {
  FANSYNC_HOME="$PWD" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$DATA/fansync-nodebug" "$@" 2>&1 >/dev/null \
    | awk '/Collected/ { print $4 }'
}
for name in contacts payments; do
  head -n $((rows + 1)) "$DATA/$name.csv" > "$DATA/$name-$rows.csv"
  reader=$(count inspect --limit 0 "$DATA/$name-$rows.csv")
  mapped=$(count map --quiet --phones keep --rejects "$DATA/rejects" "$DATA/$name-$rows.csv")
  awk -v n="$name" -v r="$reader" -v m="$mapped" -v rows=$rows 'BEGIN{
    printf "  %s: reader %.0f, reader + mapping %.0f instructions a row (mapping adds %.0f%%, phones kept)\n",
           n, r / rows, m / rows, (m / r - 1) * 100 }'
done
