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
            other.result = Result { try Self.peopleAggregates(Database(path: path), store: store, since: since, until: until) }
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

    static func revenueAggregates(_ db: Database, store: String, since: Int64?, until: Int64?) throws -> ReportAggregates {
        var result = ReportAggregates()
        var payments = "store = ? AND status = 'succeeded' AND email IS NOT NULL"
        var paymentValues: [SQLValue] = [.text(store)]
        if let since { payments += " AND created_at >= ?"; paymentValues.append(.integer(since)) }
        if let until { payments += " AND created_at < ?"; paymentValues.append(.integer(until)) }
        var months: [String: [String: Stats.Revenue]] = [:], products: [String: [String: Stats.Revenue]] = [:]
        var undated: [String: Stats.Revenue] = [:]
        for row in try db.prepare("""
            SELECT created_at / 86400, coalesce(product, description, '(none)'), currency,
                   sum(amount - coalesce(amount_refunded, 0)), count(*)
            FROM payments WHERE \(payments) GROUP BY 1, 2, 3
            """).rows(paymentValues) {
            let product = row[1].string ?? "(none)", currency = row[2].string ?? ""
            let net = row[3].int ?? 0, count = Int(row[4].int ?? 0)
            if let day = row[0].int {
                let month = String(UTCTime.iso8601(day * 86400).prefix(7))
                months[month, default: [:]][currency, default: Stats.Revenue(currency: currency, net: 0, payments: 0)].net += net
                months[month]?[currency]?.payments += count
            } else {
                undated[currency, default: Stats.Revenue(currency: currency, net: 0, payments: 0)].net += net
                undated[currency]?.payments += count
            }
            products[product, default: [:]][currency, default: Stats.Revenue(currency: currency, net: 0, payments: 0)].net += net
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

    static func peopleAggregates(_ db: Database, store: String, since: Int64?, until: Int64?) throws -> ReportAggregates {
        var result = ReportAggregates()

        var people = "store = ?"
        var peopleValues: [SQLValue] = [.text(store)]
        if let since { people += " AND +first_seen_at >= ?"; peopleValues.append(.integer(since)) }
        if let until { people += " AND +first_seen_at < ?"; peopleValues.append(.integer(until)) }
        var newCustomers: [String: Int] = [:]
        var firstProducts: [String: (people: Int, revenue: [String: Int64])] = [:]
        for row in try db.prepare("""
            SELECT first_seen_at / 86400, type_rank >= 1, first_product, settlement_currency, count(*), sum(settlement_net)
            FROM people WHERE \(people) GROUP BY 1, 2, 3, 4
            """).rows(peopleValues) {
            let count = Int(row[4].int ?? 0)
            if row[1].int == 1, let day = row[0].int {
                newCustomers[String(UTCTime.iso8601(day * 86400).prefix(7)), default: 0] += count
            }
            if let product = row[2].string {
                firstProducts[product, default: (0, [:])].people += count
                if let currency = row[3].string { firstProducts[product]?.revenue[currency, default: 0] += row[5].int ?? 0 }
            }
        }
        result.newCustomers = newCustomers.map { (month: $0.key, count: $0.value) }.sorted { $0.month < $1.month }
        result.firstProducts = firstProducts.map { key, value in
            Stats.Group(key: key, people: value.people, revenue: value.revenue.map {
                Stats.Revenue(currency: $0.key, net: $0.value, payments: 0)
            }.sorted { $0.currency < $1.currency })
        }.sorted { ($1.people, $0.key) < ($0.people, $1.key) }
        return result
    }

    /// The latest finished imports into `store`, newest first, each with its first `issueLimit` issues.
    public func latestImports(store: String, limit: Int, issueLimit: Int) throws -> [ImportSummary] {
        let issues = try db.prepare("""
            SELECT disposition, line, column_name, reason FROM rejects WHERE import_id = ? ORDER BY line LIMIT ?
            """)
        return try db.prepare("""
            SELECT id, file, mapping, finished_at, rows_read, rows_accepted, rows_rejected, rows_warned,
                   rows_unattributed, people_new, people_updated
            FROM imports WHERE store = ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT ?
            """).rows([.text(store), .integer(Int64(limit))]).map { row in
                var summary = ImportSummary(file: row[1].string ?? "", mapping: row[2].string ?? "", finishedAt: row[3].int)
                summary.read = Int(row[4].int ?? 0)
                summary.accepted = Int(row[5].int ?? 0)
                summary.rejected = Int(row[6].int ?? 0)
                summary.warned = Int(row[7].int ?? 0)
                summary.unattributed = Int(row[8].int ?? 0)
                summary.peopleNew = Int(row[9].int ?? 0)
                summary.peopleUpdated = Int(row[10].int ?? 0)
                summary.issues = try issues.rows([row[0], .integer(Int64(issueLimit))]).map {
                    (disposition: $0[0].string ?? "rejected", line: Int($0[1].int ?? 0), column: $0[2].string,
                     reason: $0[3].string ?? "")
                }
                return summary
            }
    }
}
