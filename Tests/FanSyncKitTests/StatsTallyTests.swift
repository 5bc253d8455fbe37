import FanSyncSQLite
import Foundation
import Testing

@testable import FanSyncKit

/// The kept stats of `storeName` are what `stats` computes live from the store.
func expectKeptStatsAreLive(
    _ store: Store, storeName: String = "default", sourceLocation: SourceLocation = #_sourceLocation
)
    throws
{
    let asOf: Int64 = 1_750_000_000
    let kept = try store.stats(store: storeName, since: nil, until: nil, by: nil, asOf: asOf)
    let live = try store.stats(store: storeName, since: nil, until: nil, by: nil, asOf: asOf, useSummary: false)
    #expect(kept == live, sourceLocation: sourceLocation)
}

/// Whether the store keeps a tally for `storeName` (without `stats` summing one).
func keepsTally(_ store: Store, storeName: String = "default") throws -> Bool {
    try Queries(db: store.db).keptTally(store: storeName) != nil
}

@Suite struct KeptStats {
    @Test("every import keeps the stats, and they are the live ones, whatever the order of the files")
    func everyImportKeepsTheStats() throws {
        for files in [allSamples, allSamples.reversed()] {
            let store = try freshStore()
            for file in files {
                try importAll([file], into: store)
                // Kept by the import itself: no pass over the store when asked.
                #expect(try keepsTally(store), "\(file)")
                try expectKeptStatsAreLive(store)
            }
            // Everything again, and a file of refunds and new payments: still the live figures.
            try importAll(Array(files), into: store)
            try expectKeptStatsAreLive(store)
        }
    }

    @Test("a payment refunded later, or moved to another customer, moves the kept revenue with it")
    func aChangedPaymentMovesTheKeptRevenue() throws {
        let header =
            "id,Created date (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Amount Refunded,"
            + "Converted Currency,Status,Customer ID,Customer Email\n"
        let before = try writeFile(
            header
                + "py_1,2024-06-02 10:15:00,49.00,0.00,usd,45.00,,eur,Paid,cus_1,ann@example.com\n"
                + "py_2,2024-06-03 10:15:00,1900,0,jpy,11.50,,eur,Paid,cus_2,bob@example.com\n"
                + "py_3,2024-06-04 10:15:00,19.00,0.00,usd,,,,Failed,cus_2,bob@example.com\n",
            name: "payments.csv")
        let after = try writeFile(
            header
                + "py_1,2024-06-02 10:15:00,49.00,20.00,usd,45.00,,eur,Paid,cus_1,ann@example.com\n"
                + "py_2,2024-06-03 10:15:00,1900,100,jpy,11.50,,eur,Paid,cus_2,cy@example.com\n"
                + "py_3,2024-06-04 10:15:00,19.00,0.00,usd,17.00,,eur,Paid,cus_2,bob@example.com\n",
            name: "payments.csv")
        let store = try freshStore()
        try importAll([before], into: store)
        var stats = try store.stats(store: "default", since: nil, until: nil, by: nil, asOf: 0)
        #expect(
            stats.revenue == [
                .init(currency: "JPY", net: 1900, payments: 1), .init(currency: "USD", net: 4900, payments: 1),
            ])
        #expect(stats.settlement == [.init(currency: "EUR", net: 5650, payments: 2)])
        try importAll([after], into: store)
        #expect(try keepsTally(store))
        stats = try store.stats(store: "default", since: nil, until: nil, by: nil, asOf: 0)
        // py_1 refunded 20 of 49 (its converted refund prorated: 45 × 20 / 49), py_2 refunded 100 of
        // 1,900 and moved to another address, py_3 paid now.
        #expect(
            stats.revenue == [
                .init(currency: "JPY", net: 1800, payments: 1), .init(currency: "USD", net: 4800, payments: 2),
            ])
        #expect(stats.settlement == [.init(currency: "EUR", net: 4500 - 1836 + 1150 - 60 + 1700, payments: 3)])
        #expect(stats.buyers == 3)
        try expectKeptStatsAreLive(store)
    }

    @Test("merging random facts keeps the live stats after every batch", arguments: 1...8)
    func randomFactsKeepTheLiveStats(seed: UInt64) throws {
        var generator = FactGenerator(random: SeededRandom(seed: seed), settlement: true)
        let store = try freshStore()
        store.mergeChunk = 2
        for _ in 0..<6 {
            try land((0..<12).map { _ in generator.fact() }, into: store)
            #expect(try keepsTally(store))
            try expectKeptStatsAreLive(store)
        }
    }

    @Test("a store kept before the tally sums its people once, at its first stats, then keeps it")
    func aStoreWithoutATallySumsItOnce() throws {
        let store = try freshStore()
        try importAll(allSamples, into: store)
        try store.db.execute("DELETE FROM summaries")
        #expect(try !keepsTally(store))
        try expectKeptStatsAreLive(store)
        #expect(try keepsTally(store))
        // A row without its share (as a migrated store's before its people are recomputed):
        // nothing kept, the stats computed live.
        try store.db.execute("DELETE FROM summaries")
        try store.db.execute("UPDATE people SET stats_share = NULL WHERE email = (SELECT min(email) FROM people)")
        try expectKeptStatsAreLive(store)
        #expect(try !keepsTally(store))
    }

    @Test("a person's share reads back as written; one that does not read is no share")
    func sharesRoundTrip() throws {
        var evidence = Evidence(
            kind: .payment, source: "stripe.payments", sourceID: "py_1", file: "p.csv", line: 2, peak: .paying,
            seenAt: 1_700_000_000)
        evidence.status = "succeeded"
        evidence.amount = 4900
        evidence.amountRefunded = 900
        evidence.currency = "USD"
        evidence.convertedAmount = 4500
        evidence.convertedCurrency = "EUR"
        let user = Evidence(
            kind: .user, source: "clerk.users", sourceID: "user_1", file: "u.csv", line: 2, peak: .user, seenAt: nil)
        let person = PersonMerge.merge(
            store: "default", email: "a@example.com", evidence: [evidence, user], peak: nil, peakSource: nil)
        let share = StatsShare(person, evidence: [evidence, user])
        #expect(share.registered)
        #expect(share.revenue == ["USD": StatsShare.Amount(net: 4000, payments: 1)])
        let convertedNet: Int64 = 4500 - 4500 * 900 / 4900  // the refund takes the same share
        #expect(share.settlement == ["EUR": StatsShare.Amount(net: convertedNet, payments: 1)])
        let read = StatsShare(
            typeRank: Int64(share.typeRank), purchases: Int64(share.purchases), firstSource: share.firstSource,
            settlementCurrency: share.settlementCurrency, settlementNet: share.settlementNet, encoded: share.encoded)
        #expect(read == share)
        for broken in ["c\u{1F}USD\u{1F}x\u{1F}1\u{1E}", "q\u{1F}USD\u{1F}1\u{1F}1\u{1E}", "c\u{1F}USD\u{1E}"] {
            #expect(
                StatsShare(
                    typeRank: 1, purchases: 1, firstSource: "s", settlementCurrency: nil, settlementNet: nil,
                    encoded: broken) == nil, "\(broken.debugDescription)")
        }
        #expect(
            StatsShare(
                typeRank: 1, purchases: 1, firstSource: "s", settlementCurrency: nil, settlementNet: nil, encoded: nil)
                == nil)
        // Taken back out, a share leaves nothing behind.
        var tally = StatsTally()
        tally.add(share)
        tally.add(share, sign: -1)
        #expect(tally == StatsTally())
    }
}
