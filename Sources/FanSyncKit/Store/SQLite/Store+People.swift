import FanSyncSQLite
import Foundation

// The people questions: listings, the names a filter can use, every person for an export,
// every address for explain's near collisions.

extension Store {
    /// Customers matching `filter`, one page, with the exact total.
    public func customers(matching filter: PeopleFilter, sort: PeopleSort, limit: Int?, offset: Int) throws -> Listing {
        try Queries(db: db).customers(filter, sort: sort, limit: limit, offset: offset)
    }

    /// Fans matching `filter`, one page, with the exact total.
    public func fans(matching filter: PeopleFilter, sort: PeopleSort, limit: Int?, offset: Int) throws -> Listing {
        try Queries(db: db).fans(filter, sort: sort, limit: limit, offset: offset)
    }

    /// The columns of a customers listing.
    public static var customerColumns: [ListingColumn] { Queries.customerColumns }
    /// The columns of a fans listing.
    public static var fanColumns: [ListingColumn] { Queries.fanColumns }

    /// Customers matching `filter`, handed to `body` one row at a time (any number of rows in
    /// little memory); returns the exact total of matches.
    @discardableResult
    public func customers(
        matching filter: PeopleFilter, sort: PeopleSort, limit: Int?, offset: Int,
        each body: (any ListingRow) throws -> Void
    ) throws -> Int {
        try Queries(db: db).customers(filter, sort: sort, limit: limit, offset: offset, each: body)
    }

    /// Fans matching `filter`, one row at a time; returns the exact total of matches.
    @discardableResult
    public func fans(
        matching filter: PeopleFilter, sort: PeopleSort, limit: Int?, offset: Int,
        each body: (any ListingRow) throws -> Void
    ) throws -> Int {
        try Queries(db: db).fans(filter, sort: sort, limit: limit, offset: offset, each: body)
    }

    /// What a filter can name: the stores that hold people, and (only when asked: each reads
    /// a whole table) the sources that landed facts in `store` and the subscription statuses
    /// its people have; nil when not asked.
    public func knownNames(
        store: String, sources: Bool, statuses: Bool
    ) throws -> (
        stores: [String], sources: [String]?, statuses: [String]?
    ) {
        try Queries(db: db).known(store: store, sources: sources, statuses: statuses)
    }

    /// Every person of `store` (only customers when `customersOnly`), in email order, one at a time.
    public func forEachPerson(in store: String, customersOnly: Bool, _ body: (PersonRecord) throws -> Void) throws {
        let condition = customersOnly ? "AND type_rank >= 1" : ""
        let statement = try db.prepare("SELECT * FROM people WHERE store = ? \(condition) ORDER BY email")
        try statement.bind([.text(store)])
        defer { statement.reset() }
        let reader = PersonRowReader(statement)
        while try statement.step() { try body(reader.person()) }
    }

    /// The address of every person in `store` but `email`, in no particular order.
    public func forEachEmail(in store: String, except email: String, _ body: (String) throws -> Void) throws {
        let statement = try db.prepare("SELECT email FROM people WHERE store = ? AND email <> ?")
        try statement.bind([.text(store), .text(email)])
        defer { statement.reset() }
        while try statement.step() {
            if let other = statement.text(0) { try body(other) }
        }
    }
}

/// Reads a `people` row (`SELECT *`, or `p.*` with more columns) as a ``PersonRecord``;
/// columns are found by name once, not per row.
struct PersonRowReader {
    let statement: Statement
    private let store, email, emailDisplay, name, firstName, lastName, phone, type, typeRank, status, purchases,
        firstPurchaseAt, lastPurchaseAt, isRepeat, currency, totalSpent, otherTotals, totals, settlementCurrency,
        settlementNet, firstSource, firstProduct, firstSeenAt, lastActivityAt, sources, tags, score, daw, genre, level,
        goals, imageURL, contentHash: Int32

    init(_ statement: Statement) {
        self.statement = statement
        var columns: [String: Int32] = [:]
        for index in 0..<statement.columnCount { columns[statement.columnName(index)] = index }
        func at(_ name: String) -> Int32 { columns[name] ?? -1 }
        store = at("store"); email = at("email"); emailDisplay = at("email_display"); name = at("name")
        firstName = at("first_name"); lastName = at("last_name"); phone = at("phone"); type = at("type")
        typeRank = at("type_rank"); status = at("status"); purchases = at("purchases")
        firstPurchaseAt = at("first_purchase_at"); lastPurchaseAt = at("last_purchase_at"); isRepeat = at("is_repeat")
        currency = at("currency"); totalSpent = at("total_spent"); otherTotals = at("other_totals");
        totals = at("totals")
        settlementCurrency = at("settlement_currency"); settlementNet = at("settlement_net")
        firstSource = at("first_source"); firstProduct = at("first_product"); firstSeenAt = at("first_seen_at")
        lastActivityAt = at("last_activity_at"); sources = at("sources"); tags = at("tags"); score = at("score")
        daw = at("daw"); genre = at("genre"); level = at("level"); goals = at("goals"); imageURL = at("image_url")
        contentHash = at("content_hash")
    }

    /// The person in the statement's current row.
    func person() -> PersonRecord {
        func text(_ index: Int32) -> String? { index < 0 ? nil : statement.text(index) }
        func int(_ index: Int32) -> Int64? { index < 0 ? nil : statement.int(index) }
        return PersonRecord(
            store: text(store) ?? "", email: text(email) ?? "", emailDisplay: text(emailDisplay) ?? "",
            name: text(name), firstName: text(firstName), lastName: text(lastName), phone: text(phone),
            type: text(type) ?? "", typeRank: int(typeRank) ?? 0, status: text(status), purchases: int(purchases) ?? 0,
            firstPurchaseAt: int(firstPurchaseAt), lastPurchaseAt: int(lastPurchaseAt),
            isRepeat: (int(isRepeat) ?? 0) != 0,
            currency: text(currency), totalSpent: int(totalSpent), otherTotals: text(otherTotals), totals: text(totals),
            settlementCurrency: text(settlementCurrency), settlementNet: int(settlementNet),
            firstSource: text(firstSource) ?? "", firstProduct: text(firstProduct), firstSeenAt: int(firstSeenAt),
            lastActivityAt: int(lastActivityAt), sources: text(sources) ?? "", tags: JSONText.strings(text(tags)),
            score: int(score) ?? 0, daw: text(daw), genre: text(genre), level: text(level), goals: text(goals),
            imageURL: text(imageURL), contentHash: text(contentHash) ?? "")
    }
}

/// The SQLite statements behind the people questions (listings, stats), over one connection.
/// The rest of the code asks ``Store``.
struct Queries {
    let db: Database

    init(db: Database) { self.db = db }

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
    /// as `+p.type_rank` so the planner walks the sort's index (when the order has one)
    /// instead of scanning and sorting.
    func whereClause(_ filter: PeopleFilter, customersOnly: Bool, forSorting: Bool = false) -> (String, [SQLValue]) {
        var conditions = ["p.store = ?"]
        var values: [SQLValue] = [.text(filter.store)]
        if customersOnly { conditions.append(forSorting ? "+p.type_rank >= 1" : "p.type_rank >= 1") }
        if !filter.types.isEmpty {
            conditions.append(
                "p.type_rank IN (" + filter.types.map { String($0.rawValue) }.joined(separator: ",") + ")")
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
            conditions.append(
                "p.settlement_net >= CAST(? * \(Self.minorScale(column: "p.settlement_currency")) AS INTEGER)")
            values.append(.real(NSDecimalNumber(decimal: minSpent).doubleValue))
        }
        switch filter.segment {
        case .registeredNotPurchased?:
            // Exactly the terms of the index `people_registered` (migration 11), which the planner
            // then walks: in score order for the default sort, its entries alone for the count.
            conditions.append("p.registered = 1 AND p.type_rank < 2")
        case .engagedNotPurchased?:
            conditions.append(
                """
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
            conditions.append(
                """
                p.purchases >= 1 AND p.last_purchase_at < ? AND p.type_rank < 3
                """)
            values.append(.integer(filter.asOf - 180 * Self.day))
        case nil:
            break
        }
        return (conditions.joined(separator: " AND "), values)
    }

    /// The ORDER BY for `sort`. Unless `byIndex`, its first term is written as an expression
    /// (`+column`), which no index serves: the planner then scans and sorts instead of walking
    /// the sort's index (it walks it whenever it can, however few rows match).
    static func orderBy(_ sort: PeopleSort, byIndex: Bool = true) -> String {
        let plus = byIndex ? "" : "+"
        switch sort {
        // The settlement figure is the one comparable across currencies; people without one
        // (never paid, or paid in several settlement currencies) follow, by their own total.
        case .totalSpent: return "\(plus)p.settlement_net DESC NULLS LAST, p.total_spent DESC NULLS LAST, p.email"
        case .lastActivity: return "\(plus)p.last_activity_at DESC NULLS LAST, p.email"
        case .firstPurchase: return "\(plus)p.first_purchase_at ASC NULLS LAST, p.email"
        case .name: return "coalesce(p.name, p.email) COLLATE NOCASE, p.email"
        case .score: return "\(plus)p.score DESC, p.email"
        }
    }

    static let customerColumns: [ListingColumn] = [
        .init("email"), .init("name"), .init("type"), .init("status"),
        .init("total_spent", .money(currencyColumn: "currency")), .init("currency"),
        .init("other_totals", in: .text), .init("total_spent_minor", .integer, in: .json),
        .init("totals", .json, in: .json),
        .init("settlement_total", .money(currencyColumn: "settlement_currency"), in: .json),
        .init("settlement_currency", in: .json),
        .init("purchases", .integer), .init("first_purchase_at", .timestamp), .init("last_purchase_at", .timestamp),
        .init("repeat", .bool), .init("first_source"), .init("last_activity_at", .timestamp),
    ]

    static let fanColumns: [ListingColumn] = [
        .init("email"), .init("name"), .init("type"), .init("tags", .tags), .init("score", .integer),
        .init("daw"), .init("genre"), .init("level"), .init("source"), .init("last_activity_at", .timestamp),
    ]

    static let customerSelect = """
        p.email_display AS email, p.name, p.type, p.status, p.total_spent, p.currency, p.other_totals,
        p.total_spent AS total_spent_minor, p.totals, p.settlement_net AS settlement_total, p.settlement_currency,
        p.purchases, p.first_purchase_at, p.last_purchase_at,
        p.is_repeat AS "repeat", p.first_source, p.last_activity_at
        """
    static let fanSelect = """
        p.email_display AS email, p.name, p.type, p.tags, p.score, p.daw, p.genre, p.level,
        p.first_source AS source, p.last_activity_at
        """

    func customers(_ filter: PeopleFilter, sort: PeopleSort, limit: Int?, offset: Int) throws -> Listing {
        var rows: [[String: ListingValue]] = []
        let total = try customers(filter, sort: sort, limit: limit, offset: offset) {
            rows.append(($0 as? NamedRow)?.values ?? [:])
        }
        return Listing(columns: Self.customerColumns, rows: rows, total: total)
    }

    func fans(_ filter: PeopleFilter, sort: PeopleSort, limit: Int?, offset: Int) throws -> Listing {
        var rows: [[String: ListingValue]] = []
        let total = try fans(filter, sort: sort, limit: limit, offset: offset) {
            rows.append(($0 as? NamedRow)?.values ?? [:])
        }
        return Listing(columns: Self.fanColumns, rows: rows, total: total)
    }

    func customers(
        _ filter: PeopleFilter, sort: PeopleSort, limit: Int?, offset: Int,
        each body: (any ListingRow) throws -> Void
    ) throws -> Int {
        try people(
            filter, customersOnly: true, sort: sort, limit: limit, offset: offset, select: Self.customerSelect,
            each: body)
    }

    func fans(
        _ filter: PeopleFilter, sort: PeopleSort, limit: Int?, offset: Int,
        each body: (any ListingRow) throws -> Void
    ) throws -> Int {
        try people(
            filter, customersOnly: false, sort: sort, limit: limit, offset: offset, select: Self.fanSelect, each: body)
    }

    /// How many people `filter` matches, from the store's kept stats, when it names nothing but
    /// the store and types (counting them is a pass over people: 0.2 s of a million); nil
    /// otherwise, or when no stats are kept.
    func keptCount(_ filter: PeopleFilter, customersOnly: Bool) throws -> Int64? {
        guard filter.status == nil, filter.tag == nil, filter.source == nil, filter.minSpent == nil,
            filter.daw == nil, filter.genre == nil, filter.level == nil, filter.segment == nil,
            let tally = try keptTally(store: filter.store)
        else { return nil }
        var count = 0
        for type in Set(filter.types.isEmpty ? PersonType.allCases : filter.types)
        where !customersOnly || type >= .lead {
            switch type {
            case .user: count += tally.fansOnly
            case .lead: count += tally.leads
            case .paying: count += tally.paying
            case .subscription: count += tally.subscribers
            }
        }
        return Int64(count)
    }

    /// Streams the matching people to `body` and returns how many match in all.
    func people(
        _ filter: PeopleFilter, customersOnly: Bool, sort: PeopleSort, limit: Int?, offset: Int, select: String,
        each body: (any ListingRow) throws -> Void
    ) throws -> Int {
        let (conditions, values) = whereClause(filter, customersOnly: customersOnly)
        let total =
            try keptCount(filter, customersOnly: customersOnly)
            ?? db.prepare("SELECT count(*) FROM people p WHERE \(conditions)").rows(values).first?.first?.int ?? 0
        if total == 0 { return 0 }
        // Walking the sort's index reads about (limit + offset) × people / total rows, each at a
        // random page (some 4.5 µs); scanning and sorting reads every row in order (some 0.5 µs
        // each). So the walk is for matches that are not rare, and for whole listings (which
        // stream in the index's order, memory flat). A source matching 5 customers of a million
        // walked the whole index in 4.9 s; scanning takes 0.5 s. (Both the WHERE and the ORDER BY
        // are written for the choice: the planner walks an index in the sort's order whenever it can.)
        let walk = limit.map { Int64($0) + Int64(offset) <= total / 10 } ?? true
        let (sorted, sortedValues) = whereClause(filter, customersOnly: customersOnly, forSorting: walk)
        var sql = "SELECT \(select) FROM people p WHERE \(sorted) ORDER BY \(Self.orderBy(sort, byIndex: walk))"
        var bindings = sortedValues
        if let limit {
            sql += " LIMIT ? OFFSET ?"
            bindings += [.integer(Int64(limit)), .integer(Int64(offset))]
        } else if offset > 0 {
            sql += " LIMIT -1 OFFSET ?"
            bindings.append(.integer(Int64(offset)))
        }
        let statement = try db.prepare(sql)
        if !bindings.isEmpty { try statement.bind(bindings) }
        defer { statement.reset() }
        let names = (0..<statement.columnCount).map { ($0, statement.columnName($0)) }
        while try statement.step() {
            var row = NamedRow(values: [String: ListingValue](minimumCapacity: names.count))
            for (index, name) in names { row.values[name] = ListingValue(statement.value(index)) }
            try body(row)
        }
        return Int(total)
    }

    func known(
        store: String, sources: Bool, statuses: Bool
    ) throws -> (
        stores: [String], sources: [String]?, statuses: [String]?
    ) {
        func strings(_ sql: String, _ values: [SQLValue] = []) throws -> [String] {
            try db.prepare(sql).rows(values).compactMap { $0.first?.string }
        }
        let stores = try strings("SELECT DISTINCT store FROM people ORDER BY store")
        let known =
            try sources
            ? strings(
                RecordKind.allCases.map { "SELECT source FROM \($0.table) WHERE store = ?1" }
                    .joined(separator: " UNION ") + " ORDER BY 1", [.text(store)]) : nil
        let seen =
            try statuses
            ? strings(
                "SELECT DISTINCT status FROM people WHERE store = ? AND status IS NOT NULL ORDER BY 1",
                [.text(store)]) : nil
        return (stores, known, seen)
    }

    /// Runs `sql` and returns each row keyed by column name.
    func named(_ sql: String, _ values: [SQLValue] = []) throws -> [[String: ListingValue]] {
        let statement = try db.prepare(sql)
        if !values.isEmpty { try statement.bind(values) }
        defer { statement.reset() }
        let names = (0..<statement.columnCount).map { ($0, statement.columnName($0)) }
        var rows: [[String: ListingValue]] = []
        while try statement.step() {
            var row = [String: ListingValue](minimumCapacity: names.count)
            for (index, name) in names { row[name] = ListingValue(statement.value(index)) }
            rows.append(row)
        }
        return rows
    }
}

/// One row of a listing, cells by column name.
struct NamedRow: ListingRow {
    var values: [String: ListingValue]
    func value(_ column: String) -> ListingValue { values[column] ?? .null }
}

extension ListingValue {
    init(_ value: SQLValue) {
        switch value {
        case .null: self = .null
        case .integer(let number): self = .integer(number)
        case .real(let number): self = .real(number)
        case .text(let text): self = .text(text)
        }
    }
}
