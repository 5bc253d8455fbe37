import FanSyncSQLite
import Foundation
import Testing

@testable import FanSyncKit

/// `fansync report`: the page's figures are `stats`' figures, its charts hold their data, and it
/// needs nothing from the network.
@Suite struct HTMLReportPage {
    static func sampleStore() throws -> Store {
        let folder = try temporaryDirectory()
        let store = try Store(path: folder + "/s.db")
        let importer = Importer(store: store, storeName: "default", library: builtInLibrary)
        for file in [
            "activecampaign/contacts.csv", "stripe/unified_payments.csv", "stripe/payments_2023.csv",
            "stripe/customers.csv", "stripe/subscriptions.csv", "clerk/users.csv", "app/enrollments.csv",
        ] {
            var options = MapOptions()
            options.rejectsDirectory = nil
            _ = try importer.importFile(repositoryRoot + "/samples/" + file, options: options)
        }
        return store
    }

    /// Every `data-stat` of the page and its `data-value`.
    static func stats(in html: String) -> [String: String] {
        var found: [String: String] = [:]
        let pattern = try? NSRegularExpression(pattern: #"data-stat="([^"]+)" data-value="([^"]*)""#)
        let range = NSRange(html.startIndex..., in: html)
        for match in pattern?.matches(in: html, range: range) ?? [] {
            if let key = Range(match.range(at: 1), in: html), let value = Range(match.range(at: 2), in: html) {
                found[String(html[key])] = String(html[value])
            }
        }
        return found
    }

    @Test("the cards carry the figures stats gives for the same store")
    func cardsAreTheStats() throws {
        let store = try Self.sampleStore()
        let asOf = UTCTime.parse("2025-02-15") ?? 0
        let data = try ReportData.gather(from: store, options: ReportOptions(store: "default", asOf: asOf))
        let html = HTMLReport.render(data, generatedAt: asOf)
        let stats = try store.stats(store: "default", since: nil, until: nil, by: nil, asOf: asOf)
        let cards = Self.stats(in: html)
        #expect(cards["customers"] == String(stats.customers))
        #expect(cards["subscribers"] == String(stats.subscribers))
        #expect(cards["paying"] == String(stats.paying))
        #expect(cards["leads"] == String(stats.leads))
        #expect(cards["repeat_customers"] == String(stats.repeatCustomers))
        #expect(cards["new_this_month"] == String(stats.newThisMonth))
        #expect(cards["registered_not_bought"] == String(stats.registeredUsers - stats.registeredConverted))
        #expect(cards["fans"] == String(try store.fanCount(store: "default")))
        for revenue in stats.revenue {
            #expect(cards["revenue." + revenue.currency] == Money.decimal(revenue.net, currency: revenue.currency))
        }
        for revenue in stats.settlement {
            #expect(cards["settlement." + revenue.currency] == Money.decimal(revenue.net, currency: revenue.currency))
        }
        #expect(stats.customers > 0 && !stats.revenue.isEmpty)
        // Yen without decimals, dinar with three, grouped.
        #expect(html.contains("¥4,700"))
        #expect(html.contains("KWD 12.500"))
    }

    @Test("every chart has a bar per month, gaps included, each with its value")
    func chartsHoldTheirData() throws {
        let store = try Self.sampleStore()
        let asOf = UTCTime.parse("2025-02-15") ?? 0
        let data = try ReportData.gather(from: store, options: ReportOptions(store: "default", asOf: asOf))
        let html = HTMLReport.render(data, generatedAt: asOf)
        let months = HTMLReport.months(
            from: data.aggregates.revenueByMonth.first?.key, to: data.aggregates.revenueByMonth.last?.key)
        #expect(months.count >= data.aggregates.revenueByMonth.count)
        for revenue in data.stats.revenue {
            let chart = try #require(html.range(of: "id=\"revenue-\(revenue.currency)\""))
            let end = try #require(html.range(of: "</figure>", range: chart.upperBound..<html.endIndex))
            let section = String(html[chart.upperBound..<end.lowerBound])
            #expect(section.components(separatedBy: "data-label=").count - 1 == months.count)
            // The bars add up to the currency's revenue.
            let values = section.components(separatedBy: "data-value=\"").dropFirst().compactMap {
                $0.split(separator: "\"").first
            }
            let sum = values.compactMap { Decimal(string: String($0)) }.reduce(Decimal(0), +)
            #expect(sum == Decimal(string: Money.decimal(revenue.net, currency: revenue.currency)))
        }
        #expect(html.contains("id=\"new-customers-chart\""))
        #expect(html.contains("data-stage=\"subscription\" data-value=\"\(data.stats.subscribers)\""))
        #expect(html.contains("id=\"first-source\""))
        #expect(html.contains("id=\"person-1\""))
    }

    @Test("the page is self-contained and escapes what the sources wrote")
    func selfContainedAndEscaped() throws {
        let store = try Self.sampleStore()
        var data = try ReportData.gather(from: store, options: ReportOptions(store: "default", asOf: 0))
        data.top[0]["name"] = .text("<script>alert(1)</script>")
        let html = HTMLReport.render(data, generatedAt: 0)
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        for reference in ["src=", "http://", "https://", "@import", "<link", "url("] {
            #expect(!html.contains(reference), "\(reference)")
        }
    }

    @Test("an empty store gives a page that says so")
    func emptyStore() throws {
        let folder = try temporaryDirectory()
        let store = try Store(path: folder + "/empty.db")
        let data = try ReportData.gather(from: store, options: ReportOptions(store: "default", asOf: 0))
        let html = HTMLReport.render(data, generatedAt: 0)
        #expect(Self.stats(in: html)["customers"] == "0")
        #expect(html.contains("No succeeded payments in this period."))
        #expect(html.contains("No customers yet."))
        #expect(html.hasSuffix("</html>\n"))
    }

    @Test("axes end on round numbers; months run without gaps")
    func axesAndMonths() {
        #expect(HTMLReport.niceCeiling(4700) == 6000)
        #expect(HTMLReport.niceCeiling(100) == 100)
        #expect(HTMLReport.niceCeiling(0) == 4)
        #expect(HTMLReport.months(from: "2024-11", to: "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"])
        #expect(HTMLReport.months(from: nil, to: nil).isEmpty)
        #expect(HTMLReport.short(1500) == "1.5k")
        #expect(HTMLReport.short(2_000_000) == "2M")
    }
}

/// The report's GROUP BY in Swift gives what SQLite's GROUP BY gives, NULLs and many texts included.
@Suite struct SwiftGroupByLaw {
    @Test("grouping in Swift equals SQLite's GROUP BY")
    func sameGroupsAsSQLite() throws {
        let folder = try temporaryDirectory()
        let db = try Database(path: folder + "/g.db")
        try db.execute("CREATE TABLE t (d INTEGER, flag INTEGER, name TEXT, code TEXT, amount INTEGER)")
        let insert = try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)")
        var generator = SystemRandomNumberGenerator()
        for index in 0..<5000 {
            // Past 32 names: the dictionary path.
            let name: SQLValue =
                index % 7 == 0 ? .null : .text("product \(Int.random(in: 0..<60, using: &generator))")
            let code: SQLValue = index % 11 == 0 ? .null : .text(["USD", "EUR", "JPY"][index % 3])
            let day: SQLValue = index % 13 == 0 ? .null : .integer(Int64.random(in: 19_000..<19_030, using: &generator))
            try insert.run([
                day, .integer(Int64(index % 2)), name, code, .integer(Int64.random(in: -500..<5000, using: &generator)),
            ])
        }
        func canonical(_ rows: [[SQLValue]]) -> [String] { rows.map { "\($0)" }.sorted() }
        let raw = try db.prepare("SELECT d, flag, name, code, amount FROM t")
        let ours = try SwiftGroupBy.rows(raw, integers: [0, 1], texts: [2, 3], sum: 4)
        let sqlite = try db.prepare("SELECT d, flag, name, code, sum(amount), count(*) FROM t GROUP BY 1, 2, 3, 4")
            .rows()
        #expect(canonical(ours) == canonical(sqlite))
        #expect(ours.count > 100)
        let one = try SwiftGroupBy.rows(
            try db.prepare("SELECT d, name, code, amount FROM t"), integers: [0], texts: [1, 2], sum: 3)
        let theirs = try db.prepare("SELECT d, name, code, sum(amount), count(*) FROM t GROUP BY 1, 2, 3").rows()
        #expect(canonical(one) == canonical(theirs))
    }
}
