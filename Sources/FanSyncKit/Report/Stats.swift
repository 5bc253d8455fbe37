import FanSyncSQLite
import Foundation

/// The store at a glance: `fansync stats`.
public struct Stats: Sendable {
    public struct Revenue: Sendable, Equatable {
        public var currency: String
        public var net: Int64
        public var payments: Int
    }

    public struct Group: Sendable, Equatable {
        public var key: String
        public var people: Int
        public var revenue: [Revenue]
    }

    public var customers = 0
    /// Customers who bought at least once (whatever their type now).
    public var buyers = 0
    public var paying = 0
    public var subscribers = 0
    public var leads = 0
    public var registeredUsers = 0
    public var fansOnly = 0
    public var repeatCustomers = 0
    public var newThisMonth = 0
    /// Net revenue per charge currency, from succeeded payments in the period.
    public var revenue: [Revenue] = []
    /// Net revenue per settlement currency.
    public var settlement: [Revenue] = []
    /// Average net spent per paying customer, in the main settlement currency.
    public var averageLifetimeValue: Revenue?
    /// Registered users (people with an account) who became paying customers, and how many there are.
    public var registeredConverted = 0
    public var firstSource: [Group] = []
    public var groups: [Group] = []

    public var repeatShare: Double { buyers == 0 ? 0 : Double(repeatCustomers) / Double(buyers) }
    public var conversion: Double { registeredUsers == 0 ? 0 : Double(registeredConverted) / Double(registeredUsers) }
}

public enum StatsGrouping: String, Sendable, CaseIterable {
    case month, source, product
}

extension Queries {
    /// Counts and revenue for `store`; `since`/`until` bound payments and new people (seconds, inclusive/exclusive).
    public func stats(store: String, since: Int64?, until: Int64?, by grouping: StatsGrouping?, asOf: Int64) throws -> Stats {
        var stats = Stats()
        var people = "p.store = ?"
        var peopleValues: [SQLValue] = [.text(store)]
        if let since { people += " AND p.first_seen_at >= ?"; peopleValues.append(.integer(since)) }
        if let until { people += " AND p.first_seen_at < ?"; peopleValues.append(.integer(until)) }
        let counts = try db.prepare("""
            SELECT
              sum(p.type_rank >= 1), sum(p.type_rank = 2), sum(p.type_rank = 3), sum(p.type_rank = 1),
              sum(EXISTS (SELECT 1 FROM users u WHERE u.store = p.store AND u.email = p.email)),
              sum(p.type_rank = 0), sum(p.purchases >= 2),
              sum(p.purchases >= 1 AND EXISTS (SELECT 1 FROM users u WHERE u.store = p.store AND u.email = p.email)),
              sum(p.purchases >= 1)
            FROM people p WHERE \(people)
            """).rows(peopleValues).first ?? []
        func count(_ index: Int) -> Int { index < counts.count ? Int(counts[index].int ?? 0) : 0 }
        stats.customers = count(0)
        stats.paying = count(1)
        stats.buyers = count(8)
        stats.subscribers = count(2)
        stats.leads = count(3)
        stats.registeredUsers = count(4)
        stats.fansOnly = count(5)
        stats.repeatCustomers = count(6)
        stats.registeredConverted = count(7)

        // New this month: first seen in the calendar month of `asOf` (UTC).
        let iso = UTCTime.iso8601(asOf)
        let monthStart = UTCTime.parse(String(iso.prefix(7)) + "-01") ?? asOf
        stats.newThisMonth = Int(try db.prepare("SELECT count(*) FROM people WHERE store = ? AND first_seen_at >= ?")
            .rows([.text(store), .integer(monthStart)]).first?.first?.int ?? 0)

        var payments = "store = ? AND status = 'succeeded'"
        var paymentValues: [SQLValue] = [.text(store)]
        if let since { payments += " AND created_at >= ?"; paymentValues.append(.integer(since)) }
        if let until { payments += " AND created_at < ?"; paymentValues.append(.integer(until)) }
        stats.revenue = try db.prepare("""
            SELECT currency, sum(amount - coalesce(amount_refunded, 0)), count(*) FROM payments
            WHERE \(payments) GROUP BY currency ORDER BY currency
            """).rows(paymentValues).map { Stats.Revenue(currency: $0[0].string ?? "", net: $0[1].int ?? 0, payments: Int($0[2].int ?? 0)) }
        // Refunds without a converted figure are prorated, as in the people totals.
        let convertedNet = """
            converted_amount - coalesce(converted_amount_refunded,
              CASE WHEN amount > 0 THEN converted_amount * min(coalesce(amount_refunded, 0), amount) / amount ELSE 0 END)
            """
        stats.settlement = try db.prepare("""
            SELECT converted_currency, sum(\(convertedNet)), count(*) FROM payments
            WHERE \(payments) AND converted_currency IS NOT NULL GROUP BY converted_currency ORDER BY converted_currency
            """).rows(paymentValues).map { Stats.Revenue(currency: $0[0].string ?? "", net: $0[1].int ?? 0, payments: Int($0[2].int ?? 0)) }
        if let main = stats.settlement.max(by: { $0.net < $1.net }), stats.buyers > 0 {
            let total = try db.prepare("""
                SELECT sum(settlement_net), count(*) FROM people p WHERE \(people) AND p.purchases >= 1 AND p.settlement_currency = ?
                """).rows(peopleValues + [.text(main.currency)]).first
            let sum = total?[0].int ?? 0, buyers = max(1, total?[1].int ?? 1)
            stats.averageLifetimeValue = Stats.Revenue(currency: main.currency, net: sum / buyers, payments: Int(buyers))
        }
        stats.firstSource = try db.prepare("""
            SELECT p.first_source, count(*), sum(p.settlement_net), p.settlement_currency FROM people p WHERE \(people)
            GROUP BY p.first_source, p.settlement_currency ORDER BY count(*) DESC, p.first_source
            """).rows(peopleValues).reduce(into: [Stats.Group]()) { groups, row in
                let key = row[0].string ?? ""
                let revenue = row[3].string.map { [Stats.Revenue(currency: $0, net: row[2].int ?? 0, payments: 0)] } ?? []
                if let index = groups.firstIndex(where: { $0.key == key }) {
                    groups[index].people += Int(row[1].int ?? 0)
                    groups[index].revenue += revenue
                } else {
                    groups.append(Stats.Group(key: key, people: Int(row[1].int ?? 0), revenue: revenue))
                }
            }
            .sorted { ($1.people, $0.key) < ($0.people, $1.key) }
        switch grouping {
        case .month?:
            stats.groups = try db.prepare("""
                SELECT substr(datetime(created_at, 'unixepoch'), 1, 7) AS month, currency,
                       sum(amount - coalesce(amount_refunded, 0)), count(*), count(DISTINCT email)
                FROM payments WHERE \(payments) GROUP BY month, currency ORDER BY month, currency
                """).rows(paymentValues).reduce(into: [Stats.Group]()) { groups, row in
                    Self.fold(&groups, key: row[0].string ?? "", currency: row[1].string ?? "", net: row[2].int ?? 0,
                              payments: row[3].int ?? 0, people: row[4].int ?? 0)
                }
        case .source?:
            stats.groups = try db.prepare("""
                SELECT source, currency, sum(amount - coalesce(amount_refunded, 0)), count(*), count(DISTINCT email)
                FROM payments WHERE \(payments) GROUP BY source, currency ORDER BY source, currency
                """).rows(paymentValues).reduce(into: [Stats.Group]()) { groups, row in
                    Self.fold(&groups, key: row[0].string ?? "", currency: row[1].string ?? "", net: row[2].int ?? 0,
                              payments: row[3].int ?? 0, people: row[4].int ?? 0)
                }
        case .product?:
            stats.groups = try db.prepare("""
                SELECT coalesce(product, description, '(none)') AS item, currency, sum(amount - coalesce(amount_refunded, 0)),
                       count(*), count(DISTINCT email)
                FROM payments WHERE \(payments) GROUP BY item, currency ORDER BY item, currency
                """).rows(paymentValues).reduce(into: [Stats.Group]()) { groups, row in
                    Self.fold(&groups, key: row[0].string ?? "", currency: row[1].string ?? "", net: row[2].int ?? 0,
                              payments: row[3].int ?? 0, people: row[4].int ?? 0)
                }
        case nil:
            break
        }
        return stats
    }

    static func fold(_ groups: inout [Stats.Group], key: String, currency: String, net: Int64, payments: Int64, people: Int64) {
        let revenue = Stats.Revenue(currency: currency, net: net, payments: Int(payments))
        if let index = groups.firstIndex(where: { $0.key == key }) {
            groups[index].revenue.append(revenue)
            groups[index].people += Int(people)
        } else {
            groups.append(Stats.Group(key: key, people: Int(people), revenue: [revenue]))
        }
    }
}
