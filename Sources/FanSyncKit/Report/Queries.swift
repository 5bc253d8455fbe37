import FanSyncSQLite
import Foundation

/// Filters shared by `customers` and `fans`.
public struct PeopleFilter: Sendable {
    public var store = "default"
    public var types: [PersonType] = []
    public var status: String?
    public var tag: String?
    public var source: String?
    /// In major units of each person's settlement currency.
    public var minSpent: Decimal?
    public var daw: String?
    public var genre: String?
    public var level: String?
    public var segment: Segment?
    /// "Now", for segments that look back in time.
    public var asOf: Int64 = Int64(Date().timeIntervalSince1970)

    public init(store: String = "default") { self.store = store }
}

/// Named groups of fans. Each definition is documented in README.md and `fansync fans --help`.
public enum Segment: String, Sendable, CaseIterable {
    /// Has an account (a Clerk user row) and no purchase.
    case registeredNotPurchased = "registered-not-purchased"
    /// No purchase, but active in the last 90 days and either enrolled in a course or carrying 2+ tags.
    case engagedNotPurchased = "engaged-not-purchased"
    /// Spent at least 100 (settlement currency; --min-spent changes it) and no activity for 90 days.
    case highValueLowEngagement = "high-value-low-engagement"
    /// Two or more purchases.
    case repeatBuyers = "repeat"
    /// Bought before, last purchase over 180 days ago, no live subscription.
    case lapsed

    public var definition: String {
        switch self {
        case .registeredNotPurchased:
            return "has an account (a registered user row) and has bought nothing (no succeeded payment, no paid enrollment)"
        case .engagedNotPurchased:
            return "has bought nothing, active in the last 90 days, and enrolled in a course or carrying two or more tags"
        case .highValueLowEngagement:
            return "spent at least 100 in the settlement currency (or --min-spent) and no activity in the last 90 days"
        case .repeatBuyers: return "two or more purchases"
        case .lapsed: return "bought before, last purchase over 180 days ago, and no live subscription"
        }
    }
}

public enum PeopleSort: String, Sendable, CaseIterable {
    case totalSpent = "total-spent"
    case lastActivity = "last-activity"
    case firstPurchase = "first-purchase"
    case name
    case score
}

/// The questions creators ask, as queries over the store.
public struct Queries {
    public let db: Database

    public init(db: Database) { self.db = db }

    static let day: Int64 = 86_400

    /// `settlement_net >= amount` with the amount scaled by each row's currency exponent.
    static func minorScale(column: String) -> String {
        var cases = ""
        for (code, exponent) in Currency.specialExponents.sorted(by: { $0.key < $1.key }) {
            var scale = 1
            for _ in 0..<exponent { scale *= 10 }
            cases += " WHEN '\(code)' THEN \(scale)"
        }
        return "(CASE \(column)\(cases) ELSE 100 END)"
    }

    /// The WHERE clause for `filter`. `forSorting` writes the customers-only test
    /// as `+p.type_rank` so the planner walks the sort's index instead of the type's.
    func whereClause(_ filter: PeopleFilter, customersOnly: Bool, forSorting: Bool = false) -> (String, [SQLValue]) {
        var conditions = ["p.store = ?"]
        var values: [SQLValue] = [.text(filter.store)]
        if customersOnly { conditions.append(forSorting ? "+p.type_rank >= 1" : "p.type_rank >= 1") }
        if !filter.types.isEmpty {
            conditions.append("p.type_rank IN (" + filter.types.map { String($0.rawValue) }.joined(separator: ",") + ")")
        }
        if let status = filter.status { conditions.append("p.status = ?"); values.append(.text(status)) }
        if let tag = filter.tag {
            conditions.append("EXISTS (SELECT 1 FROM json_each(p.tags) WHERE lower(json_each.value) = lower(?))")
            values.append(.text(tag))
        }
        if let source = filter.source {
            conditions.append("(',' || p.sources || ',') LIKE ?")
            values.append(.text("%," + source + ",%"))
        }
        for (column, value) in [("daw", filter.daw), ("genre", filter.genre), ("level", filter.level)] {
            if let value { conditions.append("lower(p.\(column)) = lower(?)"); values.append(.text(value)) }
        }
        let minSpent = filter.minSpent ?? (filter.segment == .highValueLowEngagement ? 100 : nil)
        if let minSpent {
            conditions.append("p.settlement_net >= CAST(? * \(Self.minorScale(column: "p.settlement_currency")) AS INTEGER)")
            values.append(.real(NSDecimalNumber(decimal: minSpent).doubleValue))
        }
        switch filter.segment {
        case .registeredNotPurchased?:
            // Driven from the users table: an IN list probes people by primary key.
            conditions.append("p.type_rank < 2 AND p.email IN (SELECT u.email FROM users u WHERE u.store = ?)")
            values.append(.text(filter.store))
        case .engagedNotPurchased?:
            conditions.append("""
                p.type_rank < 2 AND p.last_activity_at >= ? AND (json_array_length(p.tags) >= 2
                  OR EXISTS (SELECT 1 FROM enrollments e WHERE e.store = p.store AND e.email = p.email))
                """)
            values.append(.integer(filter.asOf - 90 * Self.day))
        case .highValueLowEngagement?:
            conditions.append("(p.last_activity_at IS NULL OR p.last_activity_at < ?)")
            values.append(.integer(filter.asOf - 90 * Self.day))
        case .repeatBuyers?:
            conditions.append("p.purchases >= 2")
        case .lapsed?:
            conditions.append("""
                p.purchases >= 1 AND p.last_purchase_at < ? AND p.type_rank < 3
                """)
            values.append(.integer(filter.asOf - 180 * Self.day))
        case nil:
            break
        }
        return (conditions.joined(separator: " AND "), values)
    }

    static func orderBy(_ sort: PeopleSort) -> String {
        switch sort {
        // The settlement figure is the one comparable across currencies; people without one
        // (never paid, or paid in several settlement currencies) follow, by their own total.
        case .totalSpent: return "p.settlement_net DESC NULLS LAST, p.total_spent DESC NULLS LAST, p.email"
        case .lastActivity: return "p.last_activity_at DESC NULLS LAST, p.email"
        case .firstPurchase: return "p.first_purchase_at ASC NULLS LAST, p.email"
        case .name: return "coalesce(p.name, p.email) COLLATE NOCASE, p.email"
        case .score: return "p.score DESC, p.email"
        }
    }

    public static let customerColumns: [ListingColumn] = [
        .init("email"), .init("name"), .init("type"), .init("status"),
        .init("total_spent", .money(currencyColumn: "currency")), .init("currency"),
        .init("other_totals", in: .text), .init("total_spent_minor", .integer, in: .json), .init("totals", .json, in: .json),
        .init("settlement_total", .money(currencyColumn: "settlement_currency"), in: .json),
        .init("settlement_currency", in: .json),
        .init("purchases", .integer), .init("first_purchase_at", .timestamp), .init("last_purchase_at", .timestamp),
        .init("repeat", .bool), .init("first_source"), .init("last_activity_at", .timestamp),
    ]

    public static let fanColumns: [ListingColumn] = [
        .init("email"), .init("name"), .init("type"), .init("tags", .tags), .init("score", .integer),
        .init("daw"), .init("genre"), .init("level"), .init("source"), .init("last_activity_at", .timestamp),
    ]

    /// Customers matching `filter`, one page, with the exact total.
    public func customers(_ filter: PeopleFilter, sort: PeopleSort, limit: Int?, offset: Int) throws -> Listing {
        try people(filter, customersOnly: true, sort: sort, limit: limit, offset: offset, select: """
            p.email_display AS email, p.name, p.type, p.status, p.total_spent, p.currency, p.other_totals,
            p.total_spent AS total_spent_minor, p.totals, p.settlement_net AS settlement_total, p.settlement_currency,
            p.purchases, p.first_purchase_at, p.last_purchase_at,
            p.is_repeat AS "repeat", p.first_source, p.last_activity_at
            """, columns: Self.customerColumns)
    }

    /// Fans matching `filter`, one page, with the exact total.
    public func fans(_ filter: PeopleFilter, sort: PeopleSort, limit: Int?, offset: Int) throws -> Listing {
        try people(filter, customersOnly: false, sort: sort, limit: limit, offset: offset, select: """
            p.email_display AS email, p.name, p.type, p.tags, p.score, p.daw, p.genre, p.level,
            p.first_source AS source, p.last_activity_at
            """, columns: Self.fanColumns)
    }

    func people(_ filter: PeopleFilter, customersOnly: Bool, sort: PeopleSort, limit: Int?, offset: Int, select: String,
                columns: [ListingColumn]) throws -> Listing {
        let (conditions, values) = whereClause(filter, customersOnly: customersOnly)
        let total = try db.prepare("SELECT count(*) FROM people p WHERE \(conditions)").rows(values).first?.first?.int ?? 0
        let (sorted, sortedValues) = whereClause(filter, customersOnly: customersOnly, forSorting: true)
        var sql = "SELECT \(select) FROM people p WHERE \(sorted) ORDER BY \(Self.orderBy(sort))"
        var bindings = sortedValues
        if let limit {
            sql += " LIMIT ? OFFSET ?"
            bindings += [.integer(Int64(limit)), .integer(Int64(offset))]
        } else if offset > 0 {
            sql += " LIMIT -1 OFFSET ?"
            bindings.append(.integer(Int64(offset)))
        }
        return Listing(columns: columns, rows: try named(sql, bindings), total: Int(total))
    }

    /// The stores in the database, the sources (mappings) that landed facts in `store`, and the
    /// subscription statuses its people have: what a filter can name.
    public func known(store: String) throws -> (stores: [String], sources: [String], statuses: [String]) {
        func strings(_ sql: String, _ values: [SQLValue] = []) throws -> [String] {
            try db.prepare(sql).rows(values).compactMap { $0.first?.string }
        }
        let stores = try strings("SELECT DISTINCT store FROM people ORDER BY store")
        let sources = try strings(RecordKind.allCases.map { "SELECT source FROM \($0.table) WHERE store = ?1" }
            .joined(separator: " UNION ") + " ORDER BY 1", [.text(store)])
        let statuses = try strings("SELECT DISTINCT status FROM people WHERE store = ? AND status IS NOT NULL ORDER BY 1",
                                   [.text(store)])
        return (stores, sources, statuses)
    }

    /// Runs `sql` and returns each row keyed by column name.
    public func named(_ sql: String, _ values: [SQLValue] = []) throws -> [[String: SQLValue]] {
        let statement = try db.prepare(sql)
        let names = (0..<statement.columnCount).map(statement.columnName)
        return try statement.rows(values).map { Dictionary(uniqueKeysWithValues: zip(names, $0)) }
    }
}
