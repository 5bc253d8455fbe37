#!/usr/bin/env python3
"""Writes bench/generate.py's payments with charge ids like Stripe's.

    python3 bench/stripe_ids.py IN_CSV OUT_CSV [--seed N]

The generator numbers its charges in file order (`ch_000…0001`), so they reach the ledger's key
index in key order, always at its end. Stripe's ids (`ch_3Mq…`: "ch_3" and 23 letters and digits)
follow no order, and a real export's rows come in random key order. Each row here is its input
row, byte for byte, with its id (the first column) so replaced; deterministic for a seed.
"""
import argparse
import random
import string

ALPHABET = string.ascii_letters + string.digits

parser = argparse.ArgumentParser()
parser.add_argument("input")
parser.add_argument("output")
parser.add_argument("--seed", type=int, default=20260101)
args = parser.parse_args()
rng = random.Random(args.seed)
with open(args.input, encoding="utf-8", newline="") as source, \
        open(args.output, "w", encoding="utf-8", newline="") as out:
    out.write(source.readline())
    for line in source:
        out.write("ch_3" + "".join(rng.choices(ALPHABET, k=23)) + line[line.index(","):])
