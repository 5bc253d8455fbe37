#!/usr/bin/env python3
"""Fills a fansync store with N synthetic people (and their users and payments rows)
so query speed can be measured without a long import. Deterministic (fixed seed).

    python3 bench/people.py STORE.db --people 1000000

The schema must exist (run any fansync command on the file first).
"""
import argparse
import random
import sqlite3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    db = sqlite3.connect(args.db)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA journal_mode = OFF")
    types = [("user", 0), ("lead", 1), ("paying", 2), ("subscription", 3)]
    sources = ["activecampaign.contacts", "stripe.payments", "clerk.users", "app.enrollments"]
    daws = ["Ableton Live", "FL Studio", "Logic Pro", None]
    people, users, payments = [], [], []
    for i in range(args.people):
        email = f"person{i}@example.com"
        type_name, rank = types[rng.choice([0, 1, 1, 1, 2, 2, 3])]
        purchases = 0 if rank < 2 else rng.randint(1, 4)
        net = rng.randint(500, 90000) if purchases else None
        first = 1_600_000_000 + rng.randint(0, 100_000_000)
        last = first + rng.randint(0, 30_000_000)
        tags = '["ableton","newsletter"]' if i % 3 == 0 else '["newsletter"]'
        registered = rank == 0 or i % 4 == 0
        # What the person adds to the kept stats (StatsShare.encoded): registered, then the
        # succeeded payments below by charge and by settlement currency (both USD here).
        paid = (net or 0) // purchases * purchases if purchases else 0
        share = ("r\x1e" if registered else "") + (
            f"c\x1fUSD\x1f{paid}\x1f{purchases}\x1es\x1fUSD\x1f{paid}\x1f{purchases}\x1e" if purchases else "")
        people.append((email, email, f"Person {i}", "Person", str(i), type_name, rank, None, purchases,
                       first if purchases else None, last if purchases else None, int(purchases >= 2),
                       "USD" if purchases else None, net, rng.choice(sources), None, first, last,
                       ",".join(sources[:2]), tags, (net or 0) // 1000, rng.choice(daws), "House", "Beginner", "",
                       "", int(registered), share, f"hash{i}"))
        if registered:
            users.append((f"user_{i}", email, first, last))
        for p in range(purchases):
            payments.append((f"ch_{i}_{p}", email, (net or 0) // purchases, first + p * 86400))
        if len(people) >= 50_000:
            flush(db, people, users, payments)
    flush(db, people, users, payments)
    db.commit()


def flush(db, people, users, payments):
    db.executemany("""INSERT INTO people (store, email, email_display, name, first_name, last_name, type, type_rank,
        status, purchases, first_purchase_at, last_purchase_at, is_repeat, settlement_currency, settlement_net,
        first_source, first_product, first_seen_at, last_activity_at, sources, tags, score, daw, genre, level, goals,
        image_url, registered, stats_share, content_hash) VALUES ('default', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
        ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", people)
    db.executemany("""INSERT INTO users (store, source, source_id, email, email_display, created_at, last_active_at,
        rank, seen_at, version, content_hash, file, line, import_id)
        VALUES ('default', 'clerk.users', ?, ?, ?, ?, ?, 0, ?, 0, 'x', 'bench', 1, 1)""",
        [(u[0], u[1], u[1], u[2], u[3], u[3]) for u in users])
    db.executemany("""INSERT INTO payments (store, source, source_id, email, email_display, amount, amount_refunded,
        currency, converted_amount, converted_amount_refunded, converted_currency, status, description, created_at,
        rank, seen_at, version, content_hash, file, line, import_id)
        VALUES ('default', 'stripe.payments', ?, ?, ?, ?, 0, 'USD', ?, 0, 'USD', 'succeeded', 'Course', ?, 2, ?, 0,
        'x', 'bench', 1, 1)""", [(p[0], p[1], p[1], p[2], p[2], p[3], p[3]) for p in payments])
    people.clear(); users.clear(); payments.clear()


if __name__ == "__main__":
    main()
