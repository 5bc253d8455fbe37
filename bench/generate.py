#!/usr/bin/env python3
"""Writes synthetic ActiveCampaign-contacts-like and Stripe-payments-like exports.

Deterministic (fixed seed), so every run measures the same bytes. Fields with
commas and quotes are quoted the way the real exports quote them.

    python3 bench/generate.py --rows 1000000 --out bench/data
"""
import argparse
import csv
import os
import random

FIRST = ["Ana", "Bo", "Chen", "Dara", "Élodie", "Farid", "Grace", "Hiro", "Ines", "José", "Kai", "Lena"]
LAST = ["Smith", "O'Neil", "García", "Nguyen", "Müller", "Kowalski", "Tanaka", "Okafor", "Rossi", "Dubois"]
TAGS = ["ableton", "fl studio", "logic", "newsletter", "webinar 2024", "course: mixing", "vip", "beginner"]
DAWS = ["Ableton Live", "FL Studio", "Logic Pro", "Pro Tools", "Bitwig", "Reaper", ""]
GENRES = ["House", "Techno", "Hip-Hop", "Lo-fi", "Drum & Bass", "Pop", ""]
LEVELS = ["Beginner", "Intermediate", "Advanced", ""]
GOALS = ["Finish tracks", "Mix better, faster", "Sign to a label", "Learn \"sound design\"", ""]
PRODUCTS = ["Mixing Masterclass", "Drum Sample Pack Vol. 2", "Monthly Membership", "Sound Design 101, Part 1"]
CURRENCIES = [("usd", 2), ("eur", 2), ("gbp", 2), ("jpy", 0)]
STATUSES = ["Paid"] * 8 + ["Failed", "Refunded"]


def contacts(path, rows, rng):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(["Contact ID", "Email", "First Name", "Last Name", "Phone", "Tags",
                         "Date Created", "Date Updated", "DAW", "Genre", "Level", "Goals"])
        for i in range(rows):
            tags = ", ".join(rng.sample(TAGS, rng.randint(0, 3)))
            writer.writerow([
                str(100000 + i),
                f"{'  ' if i % 97 == 0 else ''}User{i}@Example.com",
                rng.choice(FIRST), rng.choice(LAST),
                f"+1 (555) {rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                tags,
                f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00",
                f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00",
                rng.choice(DAWS), rng.choice(GENRES), rng.choice(LEVELS), rng.choice(GOALS),
            ])


def payments(path, rows, rng, people):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(["id", "Created date (UTC)", "Amount", "Amount Refunded", "Currency", "Captured",
                         "Converted Amount", "Converted Amount Refunded", "Converted Currency", "Description",
                         "Fee", "Status", "Customer ID", "Customer Description", "Customer Email", "PaymentIntent ID"])
        for i in range(rows):
            person = rng.randrange(people)
            currency, exponent = rng.choice(CURRENCIES)
            minor = rng.randint(500, 50000) if exponent == 2 else rng.randint(500, 20000)
            amount = f"{minor / 100:.2f}" if exponent == 2 else str(minor)
            status = rng.choice(STATUSES)
            refunded = amount if status == "Refunded" else ("0.00" if exponent == 2 else "0")
            converted = f"{minor / 100 * 1.08:.2f}" if exponent == 2 else f"{minor * 0.0067:.2f}"
            writer.writerow([
                f"ch_{i:024d}",
                f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
                amount, refunded, currency, "true", converted, "0.00", "usd",
                rng.choice(PRODUCTS), "1.23", status,
                f"cus_{person:014d}", f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                f"user{person}@example.com", f"pi_{i:024d}",
            ])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", default="bench/data")
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    contacts(os.path.join(args.out, "contacts.csv"), args.rows, rng)
    payments(os.path.join(args.out, "payments.csv"), args.rows, rng, max(1, args.rows))


if __name__ == "__main__":
    main()
