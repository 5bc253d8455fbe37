import FanSyncSQLite
import Foundation

// The questions `fansync report` asks beyond `stats`: people by month and by first product,
// and the latest imports with the rows they rejected.

/// One finished import and the issues it recorded (rejected, warned or unattributed rows).
public struct ImportSummary: Sendable {
    public var file: String
    public var mapping: String
    public var finishedAt: Int64?
    public var read = 0
    public var accepted = 0
    public var rejected = 0
    public var warned = 0
    public var unattributed = 0
    public var peopleNew = 0
    public var peopleUpdated = 0
    /// The first issues, in file order (values are never part of it: a report shows where and why).
    public var issues: [(disposition: String, line: Int, column: String?, reason: String)] = []
}

/// What the report draws beyond `stats`' figures, from one pass over payments and one over people.
public struct ReportAggregates: Sendable {
    /// Net revenue per month (yyyy-MM, oldest first) and charge currency, and the payments counted.
    public var revenueByMonth: [Stats.Group] = []
    /// Succeeded payments without a date: in the revenue, in no month.
    public var undated: [Stats.Revenue] = []
    /// Net revenue per product (or description) and charge currency; `people` is the payments counted.
    public var revenueByProduct: [Stats.Group] = []
    /// Customers (lead or more) by the month they were first seen, oldest first.
    public var newCustomers: [(month: String, count: Int)] = []
    /// People by the product of their first purchase or enrollment, with what they spent in their
    /// settlement currency (`stats`' first-source attribution, by product).
    public var firstProducts: [Stats.Group] = []
}

extension Store {
    /// The report's charts and attribution for `store`; `since`/`until` bound payments by their
    /// date and people by when they were first seen, exactly as `stats` does, so the bars add up
    /// to `stats`' revenue. Payments are grouped by day in SQL (an integer, cheap to group by) and
    /// the days folded into calendar months here.
    public func reportAggregates(store: String, since: Int64?, until: Int64?) throws -> ReportAggregates {
        // The two passes run at once, the people one on a second connection (each is a scan of a
        // large table; on two cores this halves the wait). Each reads its own snapshot: an import
        // committing in between would show in one pass and not the other, as with two commands.
        final class Outcome: @unchecked Sendable { var result: Result<ReportAggregates, Error>? }
        let path = db.path, other = Outcome(), done = DispatchSemaphore(value: 0)
        let thread = Thread {
            other.result = Result {
                try Self.peopleAggregates(Database(path: path), store: store, since: since, until: until)
            }
            done.signal()
        }
        thread.start()
        let revenue = Result { try Self.revenueAggregates(db, store: store, since: since, until: until) }
        done.wait()  // before anything returns, an error here included: never leave the other connection reading
        var result = try revenue.get()
        let people = try other.result?.get() ?? ReportAggregates()
        result.newCustomers = people.newCustomers
        result.firstProducts = people.firstProducts
        return result
    }

    static func revenueAggregates(
        _ db: Database, store: String, since: Int64?, until: Int64?
    ) throws -> ReportAggregates {
        var result = ReportAggregates()
        let (payments, paymentValues) = Queries.revenueInPeriod(store: store, since: since, until: until)
        var months: [String: [String: Stats.Revenue]] = [:], products: [String: [String: Stats.Revenue]] = [:]
        var undated: [String: Stats.Revenue] = [:]
        let rows = try db.prepare(
            """
            SELECT created_at / 86400, coalesce(product, description, '(none)'), currency, amount - coalesce(amount_refunded, 0)
            FROM payments WHERE \(payments)
            """)
        try rows.bind(paymentValues)
        for row in try SwiftGroupBy.rows(rows, integers: [0], texts: [1, 2], sum: 3) {
            let product = row[1].string ?? "(none)", currency = row[2].string ?? ""
            let net = row[3].int ?? 0, count = Int(row[4].int ?? 0)
            if let day = row[0].int {
                let month = String(UTCTime.iso8601(day * 86400).prefix(7))
                months[month, default: [:]][currency, default: Stats.Revenue(currency: currency, net: 0, payments: 0)]
                    .net += net
                months[month]?[currency]?.payments += count
            } else {
                undated[currency, default: Stats.Revenue(currency: currency, net: 0, payments: 0)].net += net
                undated[currency]?.payments += count
            }
            products[product, default: [:]][currency, default: Stats.Revenue(currency: currency, net: 0, payments: 0)]
                .net += net
            products[product]?[currency]?.payments += count
        }
        func groups(_ table: [String: [String: Stats.Revenue]]) -> [Stats.Group] {
            table.map { key, revenue in
                let sorted = revenue.values.sorted { $0.currency < $1.currency }
                return Stats.Group(key: key, people: sorted.reduce(0) { $0 + $1.payments }, revenue: sorted)
            }
        }
        result.revenueByMonth = groups(months).sorted { $0.key < $1.key }
        result.undated = undated.values.sorted { $0.currency < $1.currency }
        result.revenueByProduct = groups(products).sorted { ($1.people, $0.key) < ($0.people, $1.key) }
        return result
    }

    static func peopleAggregates(_ db: Database, store: String, since: Int64?, until: Int64?) throws -> ReportAggregates
    {
        var result = ReportAggregates()

        let (people, peopleValues) = Queries.peopleInPeriod(store: store, since: since, until: until)
        var newCustomers: [String: Int] = [:]
        var firstProducts: [String: (people: Int, revenue: [String: Int64])] = [:]
        let rows = try db.prepare(
            """
            SELECT first_seen_at / 86400, type_rank >= 1, first_product, settlement_currency, settlement_net
            FROM people WHERE \(people)
            """)
        try rows.bind(peopleValues)
        for row in try SwiftGroupBy.rows(rows, integers: [0, 1], texts: [2, 3], sum: 4) {
            let count = Int(row[5].int ?? 0)
            if row[1].int == 1, let day = row[0].int {
                newCustomers[String(UTCTime.iso8601(day * 86400).prefix(7)), default: 0] += count
            }
            if let product = row[2].string {
                firstProducts[product, default: (0, [:])].people += count
                if let currency = row[3].string {
                    firstProducts[product]?.revenue[currency, default: 0] += row[4].int ?? 0
                }
            }
        }
        result.newCustomers = newCustomers.map { (month: $0.key, count: $0.value) }.sorted { $0.month < $1.month }
        result.firstProducts = firstProducts.map { key, value in
            Stats.Group(
                key: key, people: value.people,
                revenue: value.revenue.map {
                    Stats.Revenue(currency: $0.key, net: $0.value, payments: 0)
                }.sorted { $0.currency < $1.currency })
        }.sorted { ($1.people, $0.key) < ($0.people, $1.key) }
        return result
    }

    /// The latest finished imports into `store`, newest first, each with its first `issueLimit` issues.
    public func latestImports(store: String, limit: Int, issueLimit: Int) throws -> [ImportSummary] {
        let issues = try db.prepare(
            """
            SELECT disposition, line, column_name, reason FROM rejects WHERE import_id = ? ORDER BY line LIMIT ?
            """)
        return try db.prepare(
            """
            SELECT id, file, mapping, finished_at, rows_read, rows_accepted, rows_rejected, rows_warned,
                   rows_unattributed, people_new, people_updated
            FROM imports WHERE store = ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT ?
            """
        ).rows([.text(store), .integer(Int64(limit))]).map { row in
            var summary = ImportSummary(file: row[1].string ?? "", mapping: row[2].string ?? "", finishedAt: row[3].int)
            summary.read = Int(row[4].int ?? 0)
            summary.accepted = Int(row[5].int ?? 0)
            summary.rejected = Int(row[6].int ?? 0)
            summary.warned = Int(row[7].int ?? 0)
            summary.unattributed = Int(row[8].int ?? 0)
            summary.peopleNew = Int(row[9].int ?? 0)
            summary.peopleUpdated = Int(row[10].int ?? 0)
            summary.issues = try issues.rows([row[0], .integer(Int64(issueLimit))]).map {
                (
                    disposition: $0[0].string ?? "rejected", line: Int($0[1].int ?? 0), column: $0[2].string,
                    reason: $0[3].string ?? ""
                )
            }
            return summary
        }
    }
}

/// GROUP BY done in Swift over a statement's raw rows: SQLite sorts every row to group them
/// (1.3–1.6 s for a million rows here), while a dictionary of the few groups a report needs costs
/// a fraction of that. Texts are numbered as met and compared as bytes, so a row makes no String.
enum SwiftGroupBy {
    struct Key: Hashable {
        var first: Int64?, second: Int64?
        var text: Int, otherText: Int
    }

    /// Rows of (each of `integers`, each of `texts`, the sum of `sum`, the count), one per group,
    /// in no particular order; at most two integer and two text columns.
    static func rows(_ statement: Statement, integers: [Int32], texts: [Int32], sum: Int32) throws -> [[SQLValue]] {
        precondition(
            integers.count <= 2 && texts.count <= 2, "SwiftGroupBy groups by at most two integers and two texts")
        defer { statement.reset() }
        var names = texts.map { TextNumbers(column: $0) }
        var groups: [Key: (sum: Int64, count: Int)] = [:]
        while try statement.step() {
            var key = Key(first: nil, second: nil, text: -1, otherText: -1)
            if integers.count > 0 { key.first = statement.int(integers[0]) }
            if integers.count > 1 { key.second = statement.int(integers[1]) }
            if names.count > 0 { key.text = names[0].number(in: statement) }
            if names.count > 1 { key.otherText = names[1].number(in: statement) }
            let value = statement.int(sum) ?? 0
            if let known = groups[key] {
                groups[key] = (known.sum &+ value, known.count + 1)
            } else {
                groups[key] = (value, 1)
            }
        }
        return groups.map { key, total in
            var row: [SQLValue] = []
            let ints = [key.first, key.second].prefix(integers.count)
            for value in ints { row.append(value.map(SQLValue.integer) ?? .null) }
            for (index, number) in [key.text, key.otherText].prefix(texts.count).enumerated() {
                row.append(names[index].value(number))
            }
            row.append(.integer(total.sum))
            row.append(.integer(Int64(total.count)))
            return row
        }
    }

    /// The distinct texts of one column, numbered as met (-1: NULL).
    struct TextNumbers {
        let column: Int32
        var names: [String] = []
        var numbers: [String: Int] = [:]
        var last = -1

        init(column: Int32) { self.column = column }

        mutating func number(in statement: Statement) -> Int {
            if last >= 0, statement.textEquals(column, names[last]) { return last }
            if names.count <= 32 {
                for (index, name) in names.enumerated() where statement.textEquals(column, name) {
                    last = index
                    return index
                }
            }
            guard let text = statement.text(column) else { return -1 }
            if let known = numbers[text] {
                last = known
                return known
            }
            names.append(text)
            numbers[text] = names.count - 1
            last = names.count - 1
            return last
        }

        func value(_ number: Int) -> SQLValue { number < 0 ? .null : .text(names[number]) }
    }
}
