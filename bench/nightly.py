#!/usr/bin/env python3
"""Writes "the next night's full export" of bench/generate.py's two files.

    python3 bench/nightly.py IN_DIR OUT_DIR [--seed N]

Each output file is its input, row for row (unchanged rows byte for byte), except that
- about 1% of the rows changed: contacts renamed or with a tag added or removed (and a newer
  Date Updated); payments refunded (Paid -> Refunded, or Partially refunded by half, with
  Amount Refunded and Converted Amount Refunded to match);
- 1% new rows at the end, under new ids: contacts with new addresses and some with addresses
  already known (ActiveCampaign with a second contact for someone); payments by new people and,
  mostly, by people already in the export (a repeat purchase: their email and Customer ID).
Deterministic for a seed, and streaming: only a small sample of rows to copy from is kept.
"""
import argparse
import csv
import os
import random
from decimal import ROUND_DOWN, Decimal

NIGHT = "2026-01-01"
SAMPLE = 10_000
NEW_FIRST = ["Noor", "Mateo", "Yuki", "Amara", "Sven", "Lucía"]
NEW_LAST = ["Lindqvist", "Adeyemi", "Fernández", "Kim", "Novak", "Haddad"]
NEW_TAGS = ["black friday 2025", "course: mastering", "newsletter", "vip"]


class Sample:
    """Reservoir sampling: a uniform sample of the rows seen, of bounded size."""

    def __init__(self, rng):
        self.rng, self.rows, self.seen = rng, [], 0

    def offer(self, row):
        self.seen += 1
        if len(self.rows) < SAMPLE:
            self.rows.append(row)
        else:
            slot = self.rng.randrange(self.seen)
            if slot < SAMPLE:
                self.rows[slot] = row

    def pick(self):
        return list(self.rng.choice(self.rows))


def night_time(rng, seconds=True):
    return f"{NIGHT} {rng.randint(0, 5):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59) if seconds else 0:02d}"


def half(value):
    """Half an amount, written with as many decimals as the amount (rounded down)."""
    decimals = len(value.split(".", 1)[1]) if "." in value else 0
    return str((Decimal(value) / 2).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN))


def contacts(source, target, rng):
    with open(source, newline="", encoding="utf-8") as inp, open(target, "w", newline="", encoding="utf-8") as out:
        rows, writer = csv.reader(inp), csv.writer(out, quoting=csv.QUOTE_MINIMAL)
        header = next(rows)
        writer.writerow(header)
        col = {name: header.index(name) for name in header}
        sample, changed, count, top_id = Sample(rng), 0, 0, 0
        for row in rows:
            count += 1
            top_id = max(top_id, int(row[col["Contact ID"]]))
            if rng.random() < 0.01:
                changed += 1
                row = list(row)
                if rng.random() < 0.5:
                    row[col["Last Name"]] = rng.choice(NEW_LAST)
                    row[col["First Name"]] = rng.choice(NEW_FIRST)
                else:
                    tags = [tag.strip() for tag in row[col["Tags"]].split(",") if tag.strip()]
                    if tags and rng.random() < 0.5:
                        tags.pop(rng.randrange(len(tags)))
                    else:
                        tags.append(rng.choice([tag for tag in NEW_TAGS if tag not in tags] or ["vip 2026"]))
                    row[col["Tags"]] = ", ".join(tags)
                row[col["Date Updated"]] = night_time(rng, seconds=False)
            sample.offer(row)
            writer.writerow(row)
        new = max(1, count // 100)
        for k in range(new):
            row = sample.pick()
            row[col["Contact ID"]] = str(top_id + 1 + k)
            if rng.random() < 0.7:
                row[col["Email"]] = f"New{k}.Night@Example.net"
                row[col["First Name"]], row[col["Last Name"]] = rng.choice(NEW_FIRST), rng.choice(NEW_LAST)
            row[col["Date Created"]] = row[col["Date Updated"]] = night_time(rng, seconds=False)
            writer.writerow(row)
    return count, new, changed


def payments(source, target, rng):
    with open(source, newline="", encoding="utf-8") as inp, open(target, "w", newline="", encoding="utf-8") as out:
        rows, writer = csv.reader(inp), csv.writer(out, quoting=csv.QUOTE_MINIMAL)
        header = next(rows)
        writer.writerow(header)
        col = {name: header.index(name) for name in header}
        sample, changed, count, owed = Sample(rng), 0, 0, 0
        for row in rows:
            count += 1
            if rng.random() < 0.01:
                owed += 1  # a refund for the next payment that can take one
            if owed and row[col["Status"]] == "Paid":
                owed -= 1
                changed += 1
                row = list(row)
                amount, converted = row[col["Amount"]], row[col["Converted Amount"]]
                if rng.random() < 2 / 3:
                    row[col["Status"]] = "Refunded"
                    row[col["Amount Refunded"]], row[col["Converted Amount Refunded"]] = amount, converted
                else:
                    row[col["Status"]] = "Partially refunded"
                    row[col["Amount Refunded"]], row[col["Converted Amount Refunded"]] = half(amount), half(converted)
            sample.offer(row)
            writer.writerow(row)
        new = max(1, count // 100)
        for k in range(new):
            row = sample.pick()
            row[col["id"]] = f"ch_N{k:023d}"
            if "PaymentIntent ID" in col:
                row[col["PaymentIntent ID"]] = f"pi_N{k:023d}"
            if rng.random() < 0.3:  # someone new (one of the night's new contacts, or a guest)
                row[col["Customer Email"]] = f"new{k}.night@example.net"
                row[col["Customer ID"]] = f"cus_N{k:013d}"
            row[col["Created date (UTC)"]] = night_time(rng)
            writer.writerow(row)
    return count, new, changed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    rng = random.Random(args.seed)
    for name, job in (("contacts", contacts), ("payments", payments)):
        count, new, changed = job(os.path.join(args.input, f"{name}.csv"), os.path.join(args.output, f"{name}.csv"), rng)
        print(f"{name}.csv: {count} rows, {changed} changed, {new} new")


if __name__ == "__main__":
    main()
