"""Python's csv module iterating every row of a file: the comparison point."""
import csv
import sys

rows = 0
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    for _ in csv.reader(handle):
        rows += 1
print(rows)
