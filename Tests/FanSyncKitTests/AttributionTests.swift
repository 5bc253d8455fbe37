import FanSyncSQLite
import Foundation
import Testing

@testable import FanSyncKit

@Suite(.serialized) struct Attribution {
    static let guest = repositoryRoot + "/samples/edge/stripe_payments_guest.csv"
    static let newCustomers = repositoryRoot + "/samples/edge/stripe_customers_new.csv"
    static let customers = repositoryRoot + "/samples/stripe/customers.csv"
    static let payments = repositoryRoot + "/samples/stripe/unified_payments.csv"

    func payments(_ store: Store, _ email: String) throws -> [String] {
        try store.db.prepare("SELECT source_id FROM payments WHERE email = ? ORDER BY source_id").rows([.text(email)])
            .compactMap { $0.first?.string }
    }

    @Test("a payment without an email belongs to the customer its Customer ID names, whatever the file order")
    func attributedInAnyOrder() throws {
        let files = [Self.guest, Self.customers, Self.newCustomers, Self.payments]
        var dumps: [String] = []
        for order in [files, files.reversed(), [files[1], files[0], files[3], files[2]]] {
            let store = try freshStore()
            try importAll(order, into: store)
            #expect(try payments(store, "ana.silva@example.com").contains("py_3GuestAna01"))
            #expect(try payments(store, "zed.okafor@example.com") == ["py_3GuestZed01"])
            #expect(try payments(store, "mia@example.de").contains("py_3MiaJpy0001"))
            // Ana's total now holds the guest purchase too: 49 + 99 + 19 USD.
            #expect(try customer(store, "ana.silva@example.com")["total_spent"] == .integer(16_700))
            #expect(try customer(store, "zed.okafor@example.com")["type"] == .text("paying"))
            dumps.append(try dump(store))
        }
        #expect(Set(dumps).count == 1)
    }

    @Test("a row nobody can be named for is kept unattributed, reported, counts no money, and is attributed later")
    func unattributedUntilKnown() throws {
        let store = try freshStore()
        let folder = try temporaryDirectory()
        let importer = Importer(store: store, storeName: "default", library: builtInLibrary)
        let first = try importer.importFile(Self.guest, options: MapOptions(rejectsDirectory: folder))
        // cus_Ana001 and cus_Zed999 are not known yet; the third row has no id at all.
        #expect(first.file.unattributed == 3)
        #expect(first.file.read == first.file.accepted + first.file.rejected)
        #expect(first.file.unattributedSamples.map(\.line) == [2, 3, 4])
        #expect(
            first.file.unattributedSamples.first?.description.contains("Customer ID cus_Ana001 is not known") == true)
        #expect(first.file.unattributedSamples.first?.disposition == .unattributed)
        let rejects = try String(contentsOfFile: try #require(first.file.rejectsPath), encoding: .utf8)
        #expect(rejects.components(separatedBy: "\"unattributed\",").count - 1 == 3)
        var stats = try store.stats(store: "default", since: nil, until: nil, by: nil, asOf: 0)
        #expect(stats.unattributed == 3)
        // Only Mia's payments count: 120 EUR and 1200 JPY, nothing in USD from the guests.
        #expect(stats.revenue.map(\.currency) == ["EUR", "JPY"])
        #expect(
            try store.db.prepare("SELECT disposition, count(*) FROM rejects GROUP BY 1").rows()
                == [[.text("unattributed"), .integer(3)]])

        // The customers exports name two of them: attributed, without importing the payments again.
        _ = try importer.importFile(Self.customers, options: MapOptions(rejectsDirectory: nil))
        _ = try importer.importFile(Self.newCustomers, options: MapOptions(rejectsDirectory: nil))
        stats = try store.stats(store: "default", since: nil, until: nil, by: nil, asOf: 0)
        #expect(stats.unattributed == 1)
        #expect(try payments(store, "zed.okafor@example.com") == ["py_3GuestZed01"])
        #expect(try customer(store, "zed.okafor@example.com")["total_spent"] == .integer(2_500))
        #expect(stats.revenue.first { $0.currency == "USD" }?.net == 4_400)
        // The next export of the same rows (one more line at the end): the rows it did not need to
        // write are still its rows, and the one still nobody's is reported again.
        let again = folder + "/guest-again.csv"
        try
            (String(contentsOfFile: Self.guest, encoding: .utf8)
            + "py_3NewOne0001,2024-11-01 10:00:00,5.00,0.00,usd,true,5.00,0.00,usd,,Kick,0.30,,Paid,Payment complete.,,,,,pi_3NewOne0001\n")
            .write(toFile: again, atomically: true, encoding: .utf8)
        let second = try importer.importFile(again, options: MapOptions(rejectsDirectory: nil))
        #expect(second.file.unattributed == 2)  // the row with no id, and the new one
        #expect(second.file.unattributedSamples.map(\.line) == [4, 8])
    }

    @Test("importing the same files again changes nothing")
    func reimportIsIdempotent() throws {
        let store = try freshStore()
        let files = [Self.guest, Self.newCustomers, Self.customers]
        try importAll(files, into: store)
        let before = try dump(store)
        // Different copies of the same content (new import ids), then the originals again.
        let folder = try temporaryDirectory()
        let copies = try files.map { file -> String in
            let copy = folder + "/" + (file as NSString).lastPathComponent
            try FileManager.default.copyItem(atPath: file, toPath: copy)
            return copy
        }
        try importAll(copies + files, into: store)
        #expect(try dump(store) == before)
    }
}
