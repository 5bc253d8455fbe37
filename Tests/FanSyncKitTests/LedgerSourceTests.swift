import FanSyncSQLite
import Foundation
import Testing

@testable import FanSyncKit

/// The ledger's source names the system and the record kind, not the mapping.
@Suite struct LedgerSources {
    func count(_ store: Store, _ sql: String) throws -> Int {
        Int(try store.db.prepare(sql).rows().first?.first?.int ?? -1)
    }

    /// Clerk's CSV export and its JSON dump of the same users land each user once, under
    /// `clerk.users`, whichever comes first.
    @Test("Clerk's CSV and JSON exports of the same user land once, under clerk.users, in either order")
    func clerkCSVAndJSONOfTheSameUserLandOnce() throws {
        let csv = repositoryRoot + "/samples/clerk/users.csv", json = repositoryRoot + "/samples/clerk/users.json"
        let one = try freshStore()
        try importAll([csv, json], into: one)
        let other = try freshStore()
        try importAll([json, csv], into: other)
        let ids = try count(one, "SELECT count(DISTINCT source_id) FROM users")
        #expect(ids > 0)
        #expect(try count(one, "SELECT count(*) FROM users") == ids)
        #expect(try one.db.prepare("SELECT DISTINCT source FROM users").rows() == [[.text("clerk.users")]])
        #expect(try dump(one) == dump(other))
    }

    /// A user's own copy of a mapping under another name (`system:` says whose export it reads)
    /// lands the same facts: nothing new in the ledger, nobody changed.
    @Test("a user's copy of a mapping under another name lands the same facts: nothing new, nobody changed")
    func aRenamedMappingLandsTheSameFacts() throws {
        let folder = try temporaryDirectory()
        let builtIn = try String(
            contentsOfFile: repositoryRoot + "/mappings/activecampaign.contacts.yml", encoding: .utf8)
        let renamed = builtIn.replacingOccurrences(
            of: "name: activecampaign.contacts", with: "name: our.crm.export\nsystem: activecampaign")
        #expect(renamed != builtIn)
        try renamed.write(toFile: folder + "/ours.yml", atomically: true, encoding: .utf8)
        let copy = folder + "/contacts-again.csv"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/samples/activecampaign/contacts.csv", toPath: copy)

        let store = try freshStore()
        try importAll([repositoryRoot + "/samples/activecampaign/contacts.csv"], into: store)
        let before = try dump(store)
        let importer = Importer(store: store, storeName: "default", library: builtInLibrary)
        let report = try importer.importFile(
            copy, options: MapOptions(mapping: folder + "/ours.yml", rejectsDirectory: nil))
        #expect(report.file.mapping == "our.crm.export")
        #expect(report.people.new == 0 && report.people.updated == 0)
        #expect(try dump(store) == before)
    }

    @Test("a mapping's system defaults to its name's first part, lower-cased, and a malformed one is refused")
    func theSystemDefaultsToTheNameAndIsChecked() throws {
        #expect(Mapping.system(ofName: "Legacy.List") == "legacy")
        #expect(Mapping.system(ofName: "members") == "members")
        #expect(try builtInLibrary.resolve("clerk.users.json").ledgerSource == "clerk.users")
        #expect(try builtInLibrary.resolve("stripe.customers").ledgerSource == "stripe.customers")
        let folder = try temporaryDirectory()
        let builtIn = try String(
            contentsOfFile: repositoryRoot + "/mappings/activecampaign.contacts.yml", encoding: .utf8)
        try builtIn.replacingOccurrences(of: "name: activecampaign.contacts", with: "name: x\nsystem: Active Campaign")
            .write(toFile: folder + "/bad.yml", atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try builtInLibrary.resolve(folder + "/bad.yml") }
    }

    /// A store from before (version 6: sources named by mapping) is renamed in place: where the
    /// CSV and JSON rows of one user meet, the newer version stays and the other's address
    /// goes to the history, so the person's type cannot drop.
    @Test(
        "a version-6 store is renamed in place: where a user's CSV and JSON rows meet the newer stays, and no type drops"
    )
    func version6StoresAreRenamed() throws {
        let db = try database(atVersion: 6)
        let path = db.path
        try db.execute(
            """
            INSERT INTO users (store, source, source_id, email, email_display, rank, version, content_hash, file, line, import_id)
            VALUES ('default', 'clerk.users', 'user_1', 'old@example.com', 'old@example.com', 0, 1, 'a', 'u.csv', 2, 1),
                   ('default', 'clerk.users.json', 'user_1', 'new@example.com', 'new@example.com', 0, 2, 'b', 'u.json', 3, 2),
                   ('default', 'clerk.users.json', 'user_2', 'two@example.com', 'two@example.com', 0, 1, 'c', 'u.json', 9, 2);
            INSERT INTO contacts (store, source, source_id, email, email_display, rank, version, content_hash, file, line, import_id)
            VALUES ('default', 'legacy.list', 'h1', 'old@example.com', 'old@example.com', 1, 1, 'd', 'l.csv', 2, 3);
            INSERT INTO peak_history (store, source, source_id, email, rank, import_id)
            VALUES ('default', 'clerk.users.json', 'user_2', 'gone@example.com', 0, 2);
            """)
        let store = try Store(path: path)
        #expect(
            try store.db.prepare("SELECT source, source_id, email FROM users ORDER BY source_id").rows() == [
                [.text("clerk.users"), .text("user_1"), .text("new@example.com")],
                [.text("clerk.users"), .text("user_2"), .text("two@example.com")],
            ])
        #expect(try store.db.prepare("SELECT source FROM contacts").rows() == [[.text("legacy.contacts")]])
        #expect(
            try store.db.prepare("SELECT source, source_id, email, rank FROM peak_history ORDER BY source_id, email")
                .rows() == [
                    [.text("clerk.users"), .text("user_1"), .text("old@example.com"), .integer(0)],
                    [.text("clerk.users"), .text("user_2"), .text("gone@example.com"), .integer(0)],
                ])
        // People were recomputed from the renamed ledger: old@ keeps the lead its contact row makes.
        #expect(try store.person(store: "default", email: "old@example.com")?.type == .lead)
        #expect(try store.person(store: "default", email: "new@example.com")?.type == .user)
    }
}
