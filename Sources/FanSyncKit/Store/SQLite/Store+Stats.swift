import FanSyncSQLite
import Foundation

// The store at a glance: counts and revenue, and the tally every import keeps of them.

extension Store {
    /// Counts and revenue for `store`; `since`/`until` bound payments and new people (seconds,
    /// inclusive/exclusive). Without bounds or grouping the kept tally answers (see
    /// ``StatsTally``), unless `useSummary` is false; a store that has none (one written before
    /// the tally was kept) has it summed from its people once, then kept.
    public func stats(
        store: String, since: Int64?, until: Int64?, by grouping: StatsGrouping?, asOf: Int64,
        useSummary: Bool = true
    ) throws -> Stats {
        if useSummary, since == nil, until == nil, grouping == nil,
            try Queries(db: db).keptTally(store: store) == nil, try peopleCount(store: store) > 0
        {
            // Kept when the store can be written now; otherwise answered live, as before.
            _ = try? db.transaction { try Queries(db: db).sumTally(store: store) }
        }
        return try Queries(db: db).stats(
            store: store, since: since, until: until, by: grouping, asOf: asOf,
            useSummary: useSummary)
    }
}

extension Queries {
    func stats(
        store: String, since: Int64?, until: Int64?, by grouping: StatsGrouping?, asOf: Int64,
        useSummary: Bool = true
    ) throws -> Stats {
        // The unbounded figures are kept by every import; what is not a sum over people is counted.
        if useSummary, since == nil, until == nil, grouping == nil, let tally = try keptTally(store: store) {
            return tally.stats(
                unattributed: try unattributed(store: store), newThisMonth: try newThisMonth(store: store, asOf: asOf))
        }
        var stats = Stats()
        let (people, peopleValues) = Self.peopleInPeriod(store: store, since: since, until: until, alias: "p.")
        // One pass over people for the counts; registered users are found from the users table.
        let counts =
            try db.prepare(
                """
                SELECT sum(p.type_rank >= 1), sum(p.type_rank = 2), sum(p.type_rank = 3), sum(p.type_rank = 1),
                       sum(p.type_rank = 0), sum(p.purchases >= 2), sum(p.purchases >= 1)
                FROM people p WHERE \(people)
                """
            ).rows(peopleValues).first ?? []
        func count(_ index: Int) -> Int { index < counts.count ? Int(counts[index].int ?? 0) : 0 }
        stats.customers = count(0)
        stats.paying = count(1)
        stats.subscribers = count(2)
        stats.leads = count(3)
        stats.fansOnly = count(4)
        stats.repeatCustomers = count(5)
        stats.buyers = count(6)
        let registered =
            try db.prepare(
                """
                SELECT count(*), sum(p.purchases >= 1) FROM people p
                WHERE \(people) AND p.email IN (SELECT u.email FROM users u WHERE u.store = ?)
                """
            ).rows(peopleValues + [.text(store)]).first ?? []
        stats.registeredUsers = Int(registered.first?.int ?? 0)
        stats.registeredConverted = Int(registered.dropFirst().first?.int ?? 0)
        stats.newThisMonth = try newThisMonth(store: store, asOf: asOf)
        stats.unattributed = try unattributed(store: store)

        // Unattributed payments (no email yet) count no money anywhere.
        let (payments, paymentValues) = Self.revenueInPeriod(store: store, since: since, until: until)
        // Refunds without a converted figure are prorated, as in the people totals.
        let convertedNet = """
            converted_amount - coalesce(converted_amount_refunded,
              CASE WHEN amount > 0 THEN converted_amount * (CASE WHEN coalesce(amount_refunded, 0) < amount
                THEN coalesce(amount_refunded, 0) ELSE amount END) / amount ELSE 0 END)
            """
        var revenue: [String: Stats.Revenue] = [:], settlement: [String: Stats.Revenue] = [:]
        for row in try db.prepare(
            """
            SELECT currency, converted_currency, sum(amount - coalesce(amount_refunded, 0)), sum(\(convertedNet)), count(*)
            FROM payments WHERE \(payments) GROUP BY currency, converted_currency
            """
        ).rows(paymentValues) {
            let code = row[0].string ?? "", count = Int(row[4].int ?? 0)
            revenue[code, default: Stats.Revenue(currency: code, net: 0, payments: 0)].net += row[2].int ?? 0
            revenue[code]?.payments += count
            if let converted = row[1].string {
                settlement[converted, default: Stats.Revenue(currency: converted, net: 0, payments: 0)].net +=
                    row[3].int ?? 0
                settlement[converted]?.payments += count
            }
        }
        stats.revenue = revenue.values.sorted { $0.currency < $1.currency }
        stats.settlement = settlement.values.sorted { $0.currency < $1.currency }
        if let main = stats.settlement.max(by: { $0.net < $1.net }), stats.buyers > 0 {
            let total = try db.prepare(
                """
                SELECT sum(settlement_net), count(*) FROM people p WHERE \(people) AND p.purchases >= 1 AND p.settlement_currency = ?
                """
            ).rows(peopleValues + [.text(main.currency)]).first
            let sum = total?[0].int ?? 0, buyers = max(1, total?[1].int ?? 1)
            stats.averageLifetimeValue = Stats.Revenue(
                currency: main.currency, net: sum / buyers, payments: Int(buyers))
        }
        // Grouped here, not by SQL's GROUP BY: a handful of groups over every person, where
        // SQLite sorted all of them first (1.3 s of a million people instead of ~0.5 s).
        let bySource = try db.prepare(
            "SELECT p.first_source, p.settlement_currency, p.settlement_net FROM people p WHERE \(people)")
        try bySource.bind(peopleValues)
        stats.firstSource = Stats.firstSourceGroups(
            try SwiftGroupBy.rows(bySource, integers: [], texts: [0, 1], sum: 2).map {
                (source: $0[0].string ?? "", currency: $0[1].string, net: $0[2].int ?? 0, people: Int($0[3].int ?? 0))
            })
        switch grouping {
        case .month?:
            stats.groups = try db.prepare(
                """
                SELECT substr(datetime(created_at, 'unixepoch'), 1, 7) AS month, currency,
                       sum(amount - coalesce(amount_refunded, 0)), count(*), count(DISTINCT email)
                FROM payments WHERE \(payments) GROUP BY month, currency ORDER BY month, currency
                """
            ).rows(paymentValues).reduce(into: [Stats.Group]()) { groups, row in
                Self.fold(
                    &groups, key: row[0].string ?? "", currency: row[1].string ?? "", net: row[2].int ?? 0,
                    payments: row[3].int ?? 0, people: row[4].int ?? 0)
            }
        case .source?:
            stats.groups = try db.prepare(
                """
                SELECT source, currency, sum(amount - coalesce(amount_refunded, 0)), count(*), count(DISTINCT email)
                FROM payments WHERE \(payments) GROUP BY source, currency ORDER BY source, currency
                """
            ).rows(paymentValues).reduce(into: [Stats.Group]()) { groups, row in
                Self.fold(
                    &groups, key: row[0].string ?? "", currency: row[1].string ?? "", net: row[2].int ?? 0,
                    payments: row[3].int ?? 0, people: row[4].int ?? 0)
            }
        case .product?:
            stats.groups = try db.prepare(
                """
                SELECT coalesce(product, description, '(none)') AS item, currency, sum(amount - coalesce(amount_refunded, 0)),
                       count(*), count(DISTINCT email)
                FROM payments WHERE \(payments) GROUP BY item, currency ORDER BY item, currency
                """
            ).rows(paymentValues).reduce(into: [Stats.Group]()) { groups, row in
                Self.fold(
                    &groups, key: row[0].string ?? "", currency: row[1].string ?? "", net: row[2].int ?? 0,
                    payments: row[3].int ?? 0, people: row[4].int ?? 0)
            }
        case nil:
            break
        }
        return stats
    }

    /// The people a period covers: first seen in it (`alias` is the table's, e.g. `p.`). One
    /// definition for `stats` and the report, so their figures cannot drift apart.
    static func peopleInPeriod(store: String, since: Int64?, until: Int64?, alias: String = "") -> (String, [SQLValue])
    {
        var sql = "\(alias)store = ?"
        var values: [SQLValue] = [.text(store)]
        // `+` keeps the planner off the first-seen index: a period is usually a large share of
        // the store, and walking an index over most of a table is slower than scanning it.
        if let since { sql += " AND +\(alias)first_seen_at >= ?"; values.append(.integer(since)) }
        if let until { sql += " AND +\(alias)first_seen_at < ?"; values.append(.integer(until)) }
        return (sql, values)
    }

    /// The payments that count as revenue in a period: succeeded, with an address (unattributed
    /// payments count no money anywhere), dated in it.
    static func revenueInPeriod(store: String, since: Int64?, until: Int64?) -> (String, [SQLValue]) {
        // `+`: revenue reads most of the payments, so a scan in table order. Left to itself the
        // planner walked the (store, email) index and fetched each row at random (4.7 s for a
        // million payments instead of 1.5 s).
        var sql = "+store = ? AND status = 'succeeded' AND +email IS NOT NULL"
        var values: [SQLValue] = [.text(store)]
        if let since { sql += " AND created_at >= ?"; values.append(.integer(since)) }
        if let until { sql += " AND created_at < ?"; values.append(.integer(until)) }
        return (sql, values)
    }

    /// People first seen in the calendar month of `asOf` (UTC).
    func newThisMonth(store: String, asOf: Int64) throws -> Int {
        let iso = UTCTime.iso8601(asOf)
        let monthStart = UTCTime.parse(String(iso.prefix(7)) + "-01") ?? asOf
        return Int(
            try db.prepare("SELECT count(*) FROM people WHERE store = ? AND first_seen_at >= ?")
                .rows([.text(store), .integer(monthStart)]).first?.first?.int ?? 0)
    }

    /// Payments and subscriptions of `store` that belong to nobody yet (each behind a partial index).
    func unattributed(store: String) throws -> Int {
        Int(
            try db.prepare(
                """
                SELECT (SELECT count(*) FROM payments WHERE store = ?1 AND email IS NULL)
                  + (SELECT count(*) FROM subscriptions WHERE store = ?1 AND email IS NULL)
                """
            ).rows([.text(store)]).first?.first?.int ?? 0)
    }

    /// The tally kept for `store`, if there is one.
    func keptTally(store: String) throws -> StatsTally? {
        guard
            let json = try db.prepare("SELECT stats FROM summaries WHERE store = ?").rows([.text(store)]).first?.first?
                .string
        else { return nil }
        return try? JSONDecoder().decode(StatsTally.self, from: Data(json.utf8))
    }

    /// Keeps `tally` for `store`.
    func keep(_ tally: StatsTally, store: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(tally), as: UTF8.self)
        try db.prepare(
            """
            INSERT INTO summaries (store, computed_at, stats) VALUES (?, ?, ?)
            ON CONFLICT (store) DO UPDATE SET computed_at = excluded.computed_at, stats = excluded.stats
            """
        ).run([.text(store), .integer(Int64(Date().timeIntervalSince1970)), .text(json)])
    }

    /// Sums the shares of `store`'s people into its tally and keeps it: for a store kept before
    /// tallies were (its people rows carry their shares since migration 9). Does nothing when a
    /// row has no share.
    func sumTally(store: String) throws {
        var tally = StatsTally()
        let rows = try db.prepare(
            """
            SELECT type_rank, purchases, first_source, settlement_currency, settlement_net, stats_share
            FROM people WHERE store = ?
            """)
        try rows.bind([.text(store)])
        while try rows.step() {
            guard
                let share = StatsShare(
                    typeRank: rows.int(0), purchases: rows.int(1), firstSource: rows.text(2),
                    settlementCurrency: rows.text(3), settlementNet: rows.int(4), encoded: rows.text(5))
            else { return }
            tally.add(share)
        }
        try keep(tally, store: store)
    }

    static func fold(
        _ groups: inout [Stats.Group], key: String, currency: String, net: Int64, payments: Int64, people: Int64
    ) {
        let revenue = Stats.Revenue(currency: currency, net: net, payments: Int(payments))
        if let index = groups.firstIndex(where: { $0.key == key }) {
            groups[index].revenue.append(revenue)
            groups[index].people += Int(people)
        } else {
            groups.append(Stats.Group(key: key, people: Int(people), revenue: [revenue]))
        }
    }
}
