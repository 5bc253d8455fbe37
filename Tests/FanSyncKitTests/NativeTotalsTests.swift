import FanSyncSQLite
import Foundation
import Testing

@testable import FanSyncKit

private func payment(_ id: String, _ currency: String, _ amount: Int64, at: Int64, refunded: Int64 = 0) -> Evidence {
    var item = Evidence(
        kind: .payment, source: "stripe.payments", sourceID: id, file: "p.csv", line: 2, peak: .paying,
        seenAt: at)
    item.status = "succeeded"
    item.currency = currency
    item.amount = amount
    item.amountRefunded = refunded
    item.createdAt = at
    item.convertedAmount = amount * 2
    item.convertedCurrency = "USD"
    return item
}

@Suite struct NativeTotals {
    @Test("one currency: the total is that currency's net, whatever it settled in")
    func oneCurrency() {
        let person = PersonMerge.merge(
            store: "s", email: "a@x.com",
            evidence: [
                payment("ch_1", "EUR", 10_000, at: 100), payment("ch_2", "EUR", 5_000, at: 200, refunded: 1_000),
            ])
        #expect(person.primaryCurrency == "EUR")
        #expect(person.primaryTotal?.net == 14_000)
        #expect(person.otherTotals.isEmpty)
        #expect(person.settlementTotal?.currency == "USD")
        #expect(person.settlementTotal?.net == 28_000)
    }

    @Test("several currencies: the one with most purchases, ties to the latest purchase's, in any order")
    func severalCurrencies() {
        let most = [
            payment("ch_1", "GBP", 500, at: 300), payment("ch_2", "EUR", 1_200, at: 100),
            payment("ch_3", "EUR", 100, at: 200),
        ]
        for order in [most, most.reversed(), [most[1], most[0], most[2]]] {
            let person = PersonMerge.merge(store: "s", email: "a@x.com", evidence: order)
            #expect(person.primaryCurrency == "EUR")
            #expect(person.otherTotals.map(\.currency) == ["GBP"])
        }
        let tie = [payment("ch_1", "GBP", 500, at: 300), payment("ch_2", "EUR", 1_200, at: 100)]
        for order in [tie, tie.reversed()] {
            #expect(PersonMerge.merge(store: "s", email: "a@x.com", evidence: order).primaryCurrency == "GBP")
        }
        // Same time: the tie still has one answer.
        let sameTime = [payment("ch_a", "GBP", 500, at: 300), payment("ch_b", "EUR", 1_200, at: 300)]
        #expect(
            PersonMerge.merge(store: "s", email: "a@x.com", evidence: sameTime).primaryCurrency
                == PersonMerge.merge(store: "s", email: "a@x.com", evidence: sameTime.reversed()).primaryCurrency)
    }

    @Test("listings, export and JSON carry the native total, the others and the settlement figure")
    func listingsCarryEveryCurrency() throws {
        let store = try freshStore()
        let header =
            "id,Created date (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Amount Refunded,"
            + "Converted Currency,Status,Customer Email,Customer ID,Description"
        let rows = [
            "ch_1,2024-01-01 10:00,100.00,0.00,eur,108.57,0.00,usd,Paid,mia@example.com,cus_1,Pack",
            "ch_2,2024-02-01 10:00,20.00,0.00,eur,21.70,0.00,usd,Paid,mia@example.com,cus_1,Pack",
            "ch_3,2024-03-01 10:00,1200,0,jpy,8.00,0.00,usd,Paid,mia@example.com,cus_1,Pack",
        ]
        let file = try writeFile(([header] + rows).joined(separator: "\n") + "\n", name: "payments.csv")
        let reports = try importAll([file], into: store)
        #expect(reports.first?.file.rejected == 0, "\(reports.first?.file.issues ?? [])")
        let row = try customer(store, "mia@example.com")
        #expect(row["currency"] == .text("EUR"))
        #expect(row["total_spent"] == .integer(12_000))
        #expect(row["other_totals"] == .text("JPY 1200"))
        #expect(row["settlement_currency"] == .text("USD"))
        #expect(row["settlement_net"] == .integer(13_827))

        var csv = "", json = ""
        try Exporter.export(.customers, store: "default", from: store, format: .csv, formatter: ValueFormatter()) {
            csv += $0
        }
        try Exporter.export(.customers, store: "default", from: store, format: .ndjson, formatter: ValueFormatter()) {
            json += $0
        }
        #expect(csv.contains("Total Spent,Currency,Other Totals,Settlement Total,Settlement Currency"))
        #expect(csv.contains("120.00,EUR,JPY 1200,138.27,USD"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["total_spent"] as? String == "120.00")
        #expect(object["total_spent_minor"] as? Int == 12_000)
        #expect(object["other_totals"] == nil)  // JSON gives them structured instead
        let totals = try #require(object["totals"] as? [[String: Any]])
        #expect(totals.map { $0["currency"] as? String } == ["EUR", "JPY"])
        #expect(totals.map { $0["total_spent_minor"] as? Int } == [12_000, 1_200])
    }
}

@Suite struct OneNamePerPerson {
    @Test("the newest row that names a person gives first, last and full name together")
    func newestNamingRowWins() {
        var contact = Evidence(
            kind: .contact, source: "ac", sourceID: "1", file: "c.csv", line: 2, peak: .lead, seenAt: 200)
        contact.firstName = "Ana"
        contact.lastName = "Silva-Costa"
        var customer = Evidence(
            kind: .stripeCustomer, source: "stripe", sourceID: "cus_1", file: "s.csv", line: 2,
            peak: .lead, seenAt: 100)
        customer.name = "Ana Silva"
        let person = PersonMerge.merge(store: "s", email: "a@x.com", evidence: [customer, contact])
        #expect(person.name == "Ana Silva-Costa")
        #expect(person.firstName == "Ana" && person.lastName == "Silva-Costa")
        // The full name newest: split into first word and the rest.
        customer.seenAt = 300
        let newer = PersonMerge.merge(store: "s", email: "a@x.com", evidence: [contact, customer])
        #expect(newer.name == "Ana Silva")
        #expect(newer.firstName == "Ana" && newer.lastName == "Silva")
    }

    @Test("every sample person: the listing's name, the export's first and last name and the payload agree")
    func listingExportAndPayloadAgree() throws {
        let store = try freshStore()
        try importAll(allSamples, into: store)
        let listed = try store.customers(matching: PeopleFilter(store: "default"), sort: .name, limit: nil, offset: 0)
        var exported: [String: [String: Any]] = [:]
        try Exporter.export(.customers, store: "default", from: store, format: .ndjson, formatter: ValueFormatter()) {
            line in
            if let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let email = object["email"] as? String
            {
                exported[email] = object
            }
        }
        #expect(listed.rows.count == exported.count)
        #expect(!listed.rows.isEmpty)
        for row in listed.rows {
            let email = row["email"]?.string ?? ""
            let export = try #require(exported[email], "\(email) is listed but not exported")
            let parts = [export["first_name"] as? String, export["last_name"] as? String].compactMap { $0 }
            #expect((row["name"]?.string ?? "") == parts.joined(separator: " "), "\(email)")
            #expect(row["currency"]?.string == export["currency"] as? String, "\(email)")
            #expect(
                row["total_spent"]?.int == export["total_spent_minor"] as? Int64
                    ?? (export["total_spent_minor"] as? Int).map(Int64.init), "\(email)")
            // What `explain` shows is the same merge.
            let person = try #require(try store.person(store: "default", email: email.lowercased()))
            #expect(person.name == row["name"]?.string, "\(email)")
            #expect(person.primaryTotal?.net == row["total_spent"]?.int, "\(email)")
        }
    }
}

@Suite struct NativeTotalsMigration {
    @Test("a version-4 store is upgraded and its people recomputed with native totals")
    func version4StoreIsRecomputed() throws {
        let fresh = try freshStore()
        try importAll(allSamples, into: fresh)
        let expected = try dump(fresh)

        // The same ledger in a store written by migrations 1-4, with people as version 4 wrote them.
        let old = try database(atVersion: 4)
        let path = old.path
        try old.execute("ATTACH DATABASE '\(fresh.db.path)' AS fresh")
        for table in RecordKind.allCases.map(\.table) + [
            "peak_history", "imports", "customer_totals", "fan_activity", "people",
        ] {
            let columns = try old.prepare("SELECT name FROM pragma_table_info('\(table)')").rows().compactMap {
                $0.first?.string
            }
            let list = columns.joined(separator: ", ")
            try old.execute("INSERT INTO main.\(table) (\(list)) SELECT \(list) FROM fresh.\(table)")
        }
        try old.execute("DETACH DATABASE fresh")

        let upgraded = try Store(path: path)
        #expect(
            try upgraded.db.prepare("PRAGMA user_version").rows().first?.first?.int == Int64(Schema.migrations.count))
        #expect(try dump(upgraded) == expected)
        #expect(try customer(upgraded, "hiro@example.jp")["currency"] == .text("JPY"))
    }
}
