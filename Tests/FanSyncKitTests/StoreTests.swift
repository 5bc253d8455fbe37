import FanSyncSQLite
import Foundation
import Testing

@testable import FanSyncKit

let allSamples = [
    "activecampaign/contacts.csv", "stripe/unified_payments.csv", "stripe/payments_2023.csv", "stripe/customers.csv",
    "stripe/subscriptions.csv", "clerk/users.csv", "clerk/users.json", "clerk/users.ndjson", "app/enrollments.csv",
    "legacy/members_1252.csv",
].map { repositoryRoot + "/samples/" + $0 }

func freshStore() throws -> Store {
    try Store(path: try temporaryDirectory() + "/fansync.db")
}

/// A new database as version `version` of the schema left it (its frozen migrations, run in order).
func database(atVersion version: Int) throws -> Database {
    let db = try Database(path: try temporaryDirectory() + "/v\(version).db")
    for (index, sql) in Schema.migrations.prefix(version).enumerated() {
        try db.execute(sql)
        try db.execute("PRAGMA user_version = \(index + 1)")
    }
    return db
}

@discardableResult
func importAll(_ files: [String], into store: Store, storeName: String = "default") throws -> [ImportReport] {
    let importer = Importer(store: store, storeName: storeName, library: builtInLibrary)
    return try files.map { try importer.importFile($0, options: MapOptions(rejectsDirectory: nil)) }
}

/// Everything derived, plus the ledger without its import ids and provenance (a row keeps the
/// file and line it was first seen at; the same content from another file writes nothing):
/// what the laws compare.
func dump(_ store: Store) throws -> String {
    var text = ""
    for table in ["customers", "customer_totals", "fans", "fan_activity"] {
        for row in try store.db.prepare("SELECT * FROM \(table) ORDER BY 1, 2, 3, 4").rows() {
            text += table + ": " + row.map { $0.string ?? "∅" }.joined(separator: "|") + "\n"
        }
    }
    for kind in RecordKind.allCases {
        let statement = try store.db.prepare("SELECT * FROM \(kind.table) ORDER BY store, source, source_id")
        let rows = try statement.rows()
        let names = (0..<statement.columnCount).map(statement.columnName)
        for row in rows {
            text +=
                kind.table + ": "
                + zip(names, row).filter { !["import_id", "file", "line"].contains($0.0) }.map { $0.1.string ?? "∅" }
                .joined(separator: "|") + "\n"
        }
    }
    return text
}

/// `key` and `column` of `table`'s rows in the default store (`where` holds), in column order:
/// read through `index`, and by a scan of the table (the two must agree).
func throughIndexAndScan(
    _ store: Store, table: String, index: String, key: String, column: String, where condition: String = "1"
) throws -> (indexed: [[SQLValue]], scanned: [[SQLValue]]) {
    func read(_ access: String) throws -> [[SQLValue]] {
        try store.db.prepare(
            "SELECT \(key), \(column) FROM \(table) \(access) WHERE store = 'default' AND \(condition) ORDER BY \(column), \(key)"
        ).rows()
    }
    return (try read("INDEXED BY \(index)"), try read("NOT INDEXED"))
}

/// Imports the sample payments followed by an unclosed quote: the reader fails mid-file, after
/// the rows have landed, and the file's transaction rolls back.
func importBrokenPayments(into store: Store) throws {
    let importer = Importer(store: store, storeName: "default", library: builtInLibrary)
    let broken = try temporaryDirectory() + "/payments.csv"
    try
        (String(contentsOfFile: repositoryRoot + "/samples/stripe/unified_payments.csv", encoding: .utf8)
        + "\"ch_x,\n")
        .write(toFile: broken, atomically: true, encoding: .utf8)
    #expect(throws: (any Error).self) {
        try importer.importFile(broken, options: MapOptions(rejectsDirectory: nil))
    }
}

func customer(_ store: Store, _ email: String) throws -> [String: SQLValue] {
    let statement = try store.db.prepare("SELECT * FROM customers WHERE store = 'default' AND email = ?")
    let rows = try statement.rows([.text(email)])
    guard let row = rows.first else { return [:] }
    return Dictionary(uniqueKeysWithValues: zip((0..<statement.columnCount).map(statement.columnName), row))
}

func fan(_ store: Store, _ email: String) throws -> [String: SQLValue] {
    let statement = try store.db.prepare("SELECT * FROM fans WHERE store = 'default' AND email = ?")
    let rows = try statement.rows([.text(email)])
    guard let row = rows.first else { return [:] }
    return Dictionary(uniqueKeysWithValues: zip((0..<statement.columnCount).map(statement.columnName), row))
}

@Suite(.serialized) struct MergeOnSamples {
    @Test("the samples merge into the expected people, with their types, totals, tags and activity")
    func theSamplesMergeIntoTheExpectedPeople() throws {
        let store = try freshStore()
        try importAll(allSamples, into: store)

        let ana = try customer(store, "ana.silva@example.com")
        #expect(ana["type"] == .text("subscription"))
        #expect(ana["status"] == .text("active"))
        #expect(ana["purchases"] == .integer(2))  // py_3PaAna0002 twice in the file: one purchase
        #expect(ana["settlement_net"] == .integer(14_800))
        #expect(ana["is_repeat"] == .integer(1))
        #expect(ana["first_source"] == .text("activecampaign.contacts"))
        #expect(ana["last_name"] == .text("Silva-Costa"))  // newest non-empty by Date Updated
        #expect(ana["phone"] == .text("+14155550132"))

        let bo = try customer(store, "bo.chen@example.com")  // "  Bo.Chen@Example.com " and BO.CHEN@example.com
        #expect(bo["type"] == .text("paying"))  // refunded, still a purchase
        #expect(bo["purchases"] == .integer(1))
        #expect(bo["settlement_net"] == .integer(0))

        let farid = try store.db.prepare(
            """
            SELECT gross, refunded, net, purchases FROM customer_totals
            WHERE email = 'farid@example.com' AND kind = 'charge' AND currency = 'GBP'
            """
        ).rows()
        #expect(farid == [[.integer(19_000), .integer(5_500), .integer(13_500), .integer(3)]])
        #expect(try customer(store, "farid@example.com")["status"] == .text("past_due"))

        #expect(try customer(store, "hiro@example.jp")["type"] == .text("paying"))
        let yen = try store.db.prepare(
            "SELECT net FROM customer_totals WHERE email = 'hiro@example.jp' AND currency = 'JPY'"
        ).rows()
        #expect(yen == [[.integer(4_700)]])
        #expect(try customer(store, "dara@example.net")["type"] == .text("lead"))  // failed payment
        #expect(try customer(store, "elodie@example.fr")["type"] == .text("subscription"))  // trialing; pending payment
        #expect(try customer(store, "elodie@example.fr")["purchases"] == .integer(0))
        #expect(try customer(store, "grace@example.com")["type"] == .text("paying"))  // canceled subscription
        #expect(try customer(store, "grace@example.com")["status"] == .text("canceled"))
        #expect(try customer(store, "ivy@example.com")["type"] == .text("lead"))  // incomplete_expired
        #expect(try customer(store, "kai@example.com")["type"] == .text("lead"))  // free enrollment
        #expect(try customer(store, "lena@example.com")["type"] == .text("paying"))  // paid enrollment

        // Registered users with nothing else are fans of type user, not customers.
        #expect(try customer(store, "milo@example.com").isEmpty)
        #expect(try fan(store, "milo@example.com")["type"] == .text("user"))
        // Secondary Clerk addresses never become people.
        #expect(try fan(store, "zoe.m@example.net").isEmpty)
        #expect(try fan(store, "lena.old@example.com").isEmpty)

        // Fans: points, the customer tag, activity lines; Stripe's Total Spend never added.
        let anaFan = try fan(store, "ana.silva@example.com")
        #expect(anaFan["score"] == .integer(13))  // floor(49/10) + floor(99/10)
        #expect(anaFan["tags"] == .text("[\"vip\",\"Ableton\",\"customer\"]"))
        let activity = try store.db.prepare(
            "SELECT text FROM fan_activity WHERE email = 'ana.silva@example.com' ORDER BY at"
        ).rows()
        #expect(
            activity == [[.text("Purchased: Mixing Masterclass")], [.text("Purchased: Monthly Membership, September")]])
        #expect(try fan(store, "zoe@example.org")["daw"] == .text("Logic Pro"))
        #expect(try fan(store, "zoe@example.org")["email_display"] == .text("Zoe@Example.org"))
    }

    @Test("importing the samples in any order gives the same store")
    func anyFileOrderGivesTheSameStore() throws {
        let reference = try freshStore()
        try importAll(allSamples, into: reference)
        let expected = try dump(reference)
        var generator = SeededRandom(seed: 42)
        for round in 0..<6 {
            let store = try freshStore()
            // Half the orders check re-landed rows against the ledger read into memory.
            store.knownContentAfter = round.isMultiple(of: 2) ? 1 : 20_000
            try importAll(allSamples.shuffled(using: &generator), into: store)
            #expect(try dump(store) == expected)
        }
    }

    @Test(
        "a key a file carries several times lands the same in an empty ledger, in either line order, as in one that has rows"
    )
    func aRepeatedKeyLandsTheSameWhateverTheLedgerHolds() throws {
        // The same payment: pending under one address, paid under another, paid and part
        // refunded under a third (the newest version), the refund line again, and a second payment.
        let header =
            "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email\n"
        let rows = [
            "py_1,2024-06-02 10:15:00,49.00,0.00,usd,Pending,cus_1,first@example.com",
            "py_1,2024-06-02 10:15:00,49.00,0.00,usd,Paid,cus_1,second@example.com",
            "py_1,2024-06-02 10:15:00,49.00,9.00,usd,Paid,cus_1,third@example.com",
            "py_1,2024-06-02 10:15:00,49.00,9.00,usd,Paid,cus_1,third@example.com",
            "py_2,2024-07-02 10:15:00,19.00,0.00,eur,Paid,cus_2,other@example.com",
        ]
        let directory = try temporaryDirectory()
        func state(_ lines: [String], after earlier: String? = nil, knownContentAfter: Int = 20_000) throws -> String {
            let store = try freshStore()
            store.knownContentAfter = knownContentAfter
            if let earlier {
                // Another store's payment in the same ledger: its first row is no longer a first.
                let importer = Importer(store: store, storeName: "elsewhere", library: builtInLibrary)
                _ = try importer.importFile(earlier, options: MapOptions(rejectsDirectory: nil))
            }
            let file = try writeFile(header + lines.joined(separator: "\n") + "\n", name: "p.csv", in: directory)
            try importAll([file], into: store)
            let history = try store.db.prepare(
                "SELECT source_id, email, rank FROM peak_history WHERE store = 'default' ORDER BY 1, 2"
            ).rows().map { $0.map { $0.string ?? "∅" }.joined(separator: "|") }
            return try dump(store).split(separator: "\n").filter { !$0.contains(": elsewhere|") }.joined(
                separator: "\n")
                + "\nhistory: " + history.joined(separator: ", ")
        }
        let expected = try state(rows)
        #expect(expected.contains("third@example.com"))
        #expect(expected.contains("history: py_1|first@example.com"))
        #expect(try state(rows.reversed()) == expected)
        let earlier = try writeFile(
            header + "py_9,2024-01-02 10:15:00,5.00,0.00,usd,Paid,cus_9,someone@example.com\n", name: "earlier.csv",
            in: try temporaryDirectory())
        #expect(try state(rows, after: earlier) == expected)
        #expect(try state(rows.reversed(), after: earlier) == expected)
        // The same with each row checked against the ledger read into memory (kept in step as rows land).
        #expect(try state(rows, after: earlier, knownContentAfter: 1) == expected)
        #expect(try state(rows.reversed(), after: earlier, knownContentAfter: 1) == expected)
    }

    @Test("people rewritten in place, their indexed columns changed or not, read the same through every index")
    func peopleRewrittenInPlaceKeepTheirIndexes() throws {
        let store = try freshStore()
        let reports = try importAll(allSamples, into: store)
        #expect(reports.map(\.people.updated).reduce(0, +) > 0)
        #expect(try store.db.prepare("PRAGMA integrity_check").rows().first?.first == .text("ok"))
        for (index, column) in [("people_spent", "settlement_net"), ("people_first_seen", "first_seen_at")] {
            let read = try throughIndexAndScan(
                store, table: "people", index: index, key: "email", column: column, where: "\(column) IS NOT NULL")
            #expect(!read.scanned.isEmpty)
            #expect(read.indexed == read.scanned)
        }
        // The same people as a store that wrote each of them once, from all the files at once.
        let once = try freshStore()
        try once.transaction {
            let importID = try once.beginImport(store: "default", file: "all", fingerprint: "all", at: 0)
            for file in allSamples {
                _ = try FileMapper.map(path: file, options: MapOptions(rejectsDirectory: nil), library: builtInLibrary)
                {
                    try once.land($0, store: "default", importID: importID)
                }
            }
            #expect(try once.refreshTouched().updated == 0)
        }
        func people(_ store: Store) throws -> [[SQLValue]] {
            try store.db.prepare("SELECT * FROM people ORDER BY store, email").rows()
        }
        #expect(try people(once) == people(store))
    }

    @Test("a newer version rewrites its row in place whether its address and customer id change or not")
    func aNewerVersionRewritesItsRowInPlace() throws {
        let header = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email\n"
        let before = [
            "py_1,2024-06-02 10:15:00,49.00,0.00,usd,Paid,cus_1,ann@example.com",  // refunded later
            "py_2,2024-06-03 10:15:00,19.00,0.00,usd,Paid,cus_2,bob@example.com",  // moves to cus_3
            "py_3,2024-06-04 10:15:00,29.00,0.00,usd,Paid,cus_4,cid@example.com",  // moves to dee
            "py_4,2024-06-05 10:15:00,39.00,0.00,usd,Paid,cus_5,eve@example.com",  // both move
            "py_5,2024-06-06 10:15:00,9.00,0.00,usd,Paid,cus_6,fay@example.com",  // loses its address
        ]
        let after = [
            "py_1,2024-06-02 10:15:00,49.00,9.00,usd,Paid,cus_1,ann@example.com",
            "py_2,2024-06-03 10:15:00,19.00,5.00,usd,Paid,cus_3,bob@example.com",
            "py_3,2024-06-04 10:15:00,29.00,5.00,usd,Paid,cus_4,dee@example.com",
            "py_4,2024-06-05 10:15:00,39.00,5.00,usd,Paid,cus_7,gus@example.com",
            "py_5,2024-06-06 10:15:00,9.00,1.00,usd,Paid,,",
        ]
        let directory = try temporaryDirectory()
        let first = try writeFile(header + before.joined(separator: "\n") + "\n", name: "before.csv", in: directory)
        let second = try writeFile(header + after.joined(separator: "\n") + "\n", name: "after.csv", in: directory)
        let rewritten = try freshStore(), reversed = try freshStore()
        rewritten.knownContentAfter = 1  // the second file's rows checked against the ledger read into memory
        try importAll([first, second], into: rewritten)
        try importAll([second, first], into: reversed)
        #expect(try dump(rewritten) == dump(reversed))
        #expect(try rewritten.db.prepare("PRAGMA integrity_check").rows().first?.first == .text("ok"))
        for (column, index) in [("customer_id", "payments_customer"), ("email", "payments_email")] {
            let read = try throughIndexAndScan(
                rewritten, table: "payments", index: index, key: "source_id", column: column)
            #expect(read.indexed == read.scanned)
        }
        let rows = try rewritten.db.prepare("SELECT source_id, customer_id, email FROM payments ORDER BY source_id")
            .rows()
        #expect(
            rows.map { $0.map { $0.string ?? "∅" }.joined(separator: "|") } == [
                "py_1|cus_1|ann@example.com", "py_2|cus_3|bob@example.com", "py_3|cus_4|dee@example.com",
                "py_4|cus_7|gus@example.com", "py_5|∅|∅",
            ])
    }

    @Test(
        "a newer version of a ledger row replaces it whichever comes first, what every version was evidence for is in the history, and the same content writes nothing"
    )
    func theNewerVersionWinsAndTheHistoryKeepsTheRest() throws {
        func payment(_ email: String?, status: String, amount: Int64, refunded: Int64 = 0) -> Fact {
            var values = [FieldValue?](repeating: nil, count: RecordKind.payment.schema.count)
            func set(_ name: String, _ value: FieldValue?) {
                if let slot = RecordKind.payment.slot(of: name) { values[slot] = value }
            }
            set("email", email.map { .email(normalized: $0, original: $0) })
            set("customer_id", .text("cus_1"))
            set("status", .text(status))
            set("amount", .money(amount))
            set("amount_refunded", .money(refunded))
            set("currency", .text("USD"))
            set("created_at", .timestamp(1_700_000_000))
            return Fact(
                kind: .payment, source: "stripe.payments", sourceID: "py_1", file: "p.csv", line: 2, values: values)
        }
        // Pending, then succeeded (a higher version), two versions alike but for the amount (the
        // content hash decides), and a refund without an address (the highest version).
        let versions = [
            payment("a@example.com", status: "pending", amount: 1000),
            payment("b@example.com", status: "succeeded", amount: 1000),
            payment("c@example.com", status: "succeeded", amount: 1200),
            payment(nil, status: "succeeded", amount: 1000, refunded: 500),
        ]
        func state(_ store: Store) throws -> String {
            let row = try store.db.prepare("SELECT version, email FROM payments").rows()
            let history = try store.db.prepare(
                "SELECT email, rank FROM peak_history ORDER BY email, rank"
            ).rows()
            return "\(row)\n\(history)\n" + (try people(store))
        }
        var seen: Set<String> = []
        for order in [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]] {
            let store = try freshStore()
            for index in order { try land([versions[index]], into: store) }
            let landed = try state(store)
            // Every version again, as another import: no ledger row is written, and nobody changes.
            try store.db.transaction {
                for fact in versions { try store.land(fact, store: "default", importID: 2) }
                _ = try store.refreshTouched()
            }
            #expect(try store.db.prepare("SELECT count(*) FROM payments WHERE import_id = 2").rows() == [[.integer(0)]])
            #expect(try state(store) == landed)
            seen.insert(landed)
        }
        #expect(seen.count == 1)
        let store = try freshStore()
        try land(versions, into: store)
        #expect(try store.db.prepare("SELECT email FROM payments").rows() == [[.null]])
        // The three addresses keep what their versions were evidence for.
        let history = try store.db.prepare("SELECT email, rank FROM peak_history WHERE email <> '' ORDER BY email")
            .rows()
        #expect(history.map { $0[0].string ?? "" } == ["a@example.com", "b@example.com", "c@example.com"])
        #expect(history.allSatisfy { ($0[1].int ?? 0) > 0 })
    }

    @Test(
        "importing any file again, as it is or with a trailing blank line, changes no one (rows looked up one by one, or known from the ledger read into memory)",
        arguments: [20_000, 1])
    func importingAnyFileAgainChangesNothing(knownContentAfter: Int) throws {
        let store = try freshStore()
        store.knownContentAfter = knownContentAfter
        try importAll(allSamples, into: store)
        let before = try dump(store)
        // The same content is skipped outright…
        let again = try importAll(allSamples, into: store)
        #expect(again.allSatisfy { $0.alreadyImported })
        // …and the same rows in a file that differs (a trailing blank line) land as no-ops.
        let folder = try temporaryDirectory()
        var copies: [String] = []
        for (index, path) in allSamples.enumerated() {
            let copy = folder + "/\(index)-" + (path as NSString).lastPathComponent
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            if !path.hasSuffix(".json") { data.append(contentsOf: [0x0A]) }
            try data.write(to: URL(fileURLWithPath: copy))
            copies.append(copy)
        }
        let reports = try importAll(copies, into: store)
        #expect(reports.filter { !$0.alreadyImported }.allSatisfy { $0.people.new == 0 && $0.people.updated == 0 })
        // Provenance follows the deterministic winner; people and money do not move.
        let after = try dump(store)
        let people = { (text: String) in
            text.split(separator: "\n").filter {
                !$0.contains("s: ") || $0.hasPrefix("customers") || $0.hasPrefix("fans")
                    || $0.hasPrefix("customer_totals") || $0.hasPrefix("fan_activity")
            }
        }
        #expect(people(after) == people(before))
    }

    @Test("stores in one database keep their people apart")
    func storesAreSeparate() throws {
        let store = try freshStore()
        try importAll([allSamples[0]], into: store, storeName: "shop-a")
        try importAll([allSamples[3]], into: store, storeName: "shop-b")
        let rows = try store.db.prepare("SELECT store, count(*) FROM fans GROUP BY store ORDER BY store").rows()
        #expect(rows == [[.text("shop-a"), .integer(6)], [.text("shop-b"), .integer(7)]])
    }
}

/// A seeded generator (SplitMix64), so shuffles are reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite(.serialized) struct BulkLoads {
    /// The indexes a store must have after any import.
    func indexes(_ store: Store) throws -> [String] {
        try store.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .rows()
            .compactMap { $0.first?.string }
    }

    @Test("the bulk path gives the same store as row by row and keeps every index")
    func theBulkPathGivesTheSameStoreAndKeepsEveryIndex() throws {
        // The edge samples too: rows attributed through their customer id while its index was set aside.
        let samples =
            allSamples
            + ["stripe_payments_guest.csv", "stripe_customers_new.csv", "contacts_dates.csv"]
            .map { repositoryRoot + "/samples/edge/" + $0 }
        let rowByRow = try freshStore()
        try importAll(samples, into: rowByRow)
        let bulk = try freshStore()
        bulk.bulkMinimum = 1  // every file and every refresh goes the bulk way
        bulk.mergeChunk = 2  // and people are merged two by two while the previous two are written
        try importAll(samples, into: bulk)
        #expect(try dump(bulk) == dump(rowByRow))
        #expect(try indexes(bulk) == indexes(rowByRow))
        #expect(try indexes(bulk).contains("payments_email"))
        #expect(try indexes(bulk).contains("payments_customer"))
        #expect(try indexes(bulk).contains("stripe_customers_id"))
        #expect(try indexes(bulk).contains("people_spent"))
        // And again, both ways: nothing changes.
        try importAll(allSamples.reversed(), into: bulk)
        #expect(try dump(bulk) == dump(rowByRow))
    }

    @Test("the first file into an empty store gives the people the general way gives", arguments: [1, 2, 512])
    func theFirstFileReadAloneGivesTheSamePeople(chunk: Int) throws {
        let edge = ["stripe_payments_guest.csv", "stripe_customers_new.csv", "contacts_dates.csv"]
        var alone = 0
        for file in allSamples + edge.map({ repositoryRoot + "/samples/edge/" + $0 }) {
            let general = try freshStore()
            general.readsFirstFileAlone = false
            try importAll([file], into: general)
            let first = try freshStore()
            first.mergeChunk = chunk
            first.bulkMinimum = chunk  // the people indexes set aside and rebuilt too
            try importAll([file], into: first)
            #expect(try dump(first) == dump(general), "\(file)")
            #expect(try indexes(first) == indexes(general))
            alone += first.firstFilesReadAlone
            // The next file goes the general way, from there.
            try importAll(allSamples, into: first)
            try importAll(allSamples, into: general)
            #expect(first.firstFilesReadAlone <= 1)
            #expect(try dump(first) == dump(general), "\(file), then every sample")
        }
        // Every sample but those whose attribution leaves a history (then the general way).
        #expect(alone >= allSamples.count)
    }

    @Test("the progress of a first file counts its people, not its rows")
    func theFirstFileProgressCountsPeople() throws {
        let folder = try temporaryDirectory()
        let header =
            "\"Contact ID\",\"Email\",\"First Name\",\"Last Name\",\"Phone\",\"Organization\",\"Tags\","
            + "\"Date Created\",\"Date Updated\",\"DAW\",\"Genre\",\"Level\",\"Goals\"\n"
        // Five rows, three people: two addresses come twice (one of them spelled otherwise).
        let rows = ["a@x.com", "b@x.com", "A@x.com", "c@x.com", "b@x.com"].enumerated().map { index, email in
            "\"\(index + 1)\",\"\(email)\",\"N\",\"L\",\"\",\"\",\"\",\"2024-01-02 09:30:00\","
                + "\"2024-06-01 12:00:00\",\"\",\"\",\"\",\"\"\n"
        }
        try (header + rows.joined()).write(toFile: folder + "/contacts.csv", atomically: true, encoding: .utf8)
        for alone in [true, false] {
            let store = try freshStore()
            store.readsFirstFileAlone = alone
            store.mergeChunk = 1
            store.peopleProgressEvery = 1
            var seen: [(Int, Int)] = []
            store.onPeopleProgress = { seen.append(($0, $1)) }
            try importAll([folder + "/contacts.csv"], into: store)
            #expect(store.firstFilesReadAlone == (alone ? 1 : 0))
            #expect(seen.map(\.0) == [1, 2, 3], "alone: \(alone)")
            #expect(seen.allSatisfy { $0.1 == 3 }, "alone: \(alone): \(seen)")
        }
    }

    @Test("a bulk import that fails part-way leaves every index in place")
    func aFailedBulkImportLeavesTheIndexes() throws {
        let store = try freshStore()
        store.bulkMinimum = 1
        try importBrokenPayments(into: store)
        #expect(try indexes(store).contains("payments_email"))
        try importAll(allSamples, into: store)
        #expect(try indexes(store).contains("payments_email"))
        #expect(try store.db.prepare("SELECT count(*) FROM people").rows().first?.first?.int ?? 0 > 0)
    }

    @Test("facts the mapping threads prepared for landing land as those that come unprepared")
    func preparedFactsLandAsUnpreparedOnes() throws {
        let prepared = try freshStore(), unprepared = try freshStore()
        try importAll(allSamples, into: prepared)
        for (number, file) in allSamples.enumerated() {
            try unprepared.transaction {
                let importID = try unprepared.beginImport(store: "default", file: file, fingerprint: "\(number)", at: 0)
                _ = try FileMapper.map(path: file, options: MapOptions(rejectsDirectory: nil), library: builtInLibrary)
                {
                    #expect($0.landing == nil)
                    try unprepared.land($0, store: "default", importID: importID)
                }
                _ = try unprepared.refreshTouched()
            }
        }
        #expect(try dump(unprepared) == dump(prepared))
        // The importer's facts of a CSV file come prepared.
        var landings: [Fact.Landing?] = []
        _ = try FileMapper.map(
            path: allSamples[0], options: MapOptions(rejectsDirectory: nil), library: builtInLibrary,
            preparing: { Store.prepareLanding(&$0) }
        ) { fact in
            landings.append(fact.landing)
            var again = fact
            again.landing = nil
            Store.prepareLanding(&again)
            #expect(again.landing == fact.landing)
            // Values changed after: what was worked out from them is dropped.
            again.values[0] = nil
            #expect(again.landing == nil)
        }
        #expect(!landings.isEmpty && !landings.contains(nil))
    }

    @Test("a store's first file of a kind is written with the rollback journal, and the store is in WAL after")
    func aFirstLoadWritesOnceAndGivesWALBack() throws {
        func mode(_ store: Store) throws -> String? {
            try store.db.prepare("PRAGMA journal_mode").rows().first?.first?.string
        }
        let path = try temporaryDirectory() + "/fansync.db"
        let store = try Store(path: path)
        let importer = Importer(store: store, storeName: "default", library: builtInLibrary)
        let options = MapOptions(rejectsDirectory: nil)
        let contacts = repositoryRoot + "/samples/activecampaign/contacts.csv"
        let payments = repositoryRoot + "/samples/stripe/unified_payments.csv"
        // The first contacts and the first payments: written once.
        #expect(try importer.importFile(contacts, options: options).wroteOnce)
        #expect(try mode(store) == "wal")
        #expect(try importer.importFile(payments, options: options).wroteOnce)
        #expect(try mode(store) == "wal")
        // Payments into a ledger that has payments: the WAL, as every other import.
        #expect(
            try importer.importFile(repositoryRoot + "/samples/stripe/payments_2023.csv", options: options).wroteOnce
                == false)
        #expect(try mode(store) == "wal")
        // Another connection has the store open: the first subscriptions go through the WAL,
        // to the same store.
        let reader = try Database(path: path)
        #expect(try reader.prepare("SELECT count(*) FROM people").rows().first?.first?.int ?? 0 > 0)
        let subscriptions = repositoryRoot + "/samples/stripe/subscriptions.csv"
        #expect(try importer.importFile(subscriptions, options: options).wroteOnce == false)
        #expect(try mode(store) == "wal")
        let reference = try freshStore()
        reference.readsFirstFileAlone = false
        try importAll(
            [contacts, payments, repositoryRoot + "/samples/stripe/payments_2023.csv", subscriptions], into: reference)
        #expect(try dump(store) == dump(reference))
    }

    @Test("a first load that fails part-way leaves the store as it was, in WAL")
    func aFailedFirstLoadLeavesTheStoreAsItWas() throws {
        let store = try freshStore()
        try importAll([repositoryRoot + "/samples/activecampaign/contacts.csv"], into: store)
        let before = try dump(store)
        try importBrokenPayments(into: store)
        #expect(store.lastTransactionWroteOnce)
        #expect(try store.db.prepare("PRAGMA journal_mode").rows().first?.first?.string == "wal")
        #expect(try dump(store) == before)
        #expect(try store.db.prepare("PRAGMA integrity_check").rows().first?.first?.string == "ok")
    }
}

@Suite struct Migrations {
    /// The first version's SQL, as it shipped, upgraded by every later migration: the store
    /// it becomes imports the samples into exactly what a new store holds.
    @Test("a version-1 store upgrades to the current schema and imports exactly what a new store does")
    func aStoreWrittenByVersion1UpgradesAndImports() throws {
        let path = try temporaryDirectory() + "/v1.db"
        let db = try Database(path: path)
        try db.execute(FanSyncKit.Migrations.v1)
        try db.execute("PRAGMA user_version = 1")
        let upgraded = try Store(path: path)
        #expect(
            try upgraded.db.prepare("PRAGMA user_version").rows().first?.first?.int == Int64(Schema.migrations.count))
        // Versions 4 and 5 made the ledgers' triggers; 13 dropped them (the landing writes the history).
        #expect(try upgraded.db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").rows().isEmpty)
        try importAll(allSamples, into: upgraded)
        let fresh = try freshStore()
        try importAll(allSamples, into: fresh)
        #expect(try dump(upgraded) == dump(fresh))
        #expect(try upgraded.peopleCount(store: "default") > 0)
        try expectKeptStatsAreLive(upgraded)
        // The same tables, columns and indexes as a new store's.
        let schema = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
        #expect(
            try upgraded.db.prepare(schema).rows().map { $0.prefix(3).map(\.string) }
                == fresh.db.prepare(schema).rows().map { $0.prefix(3).map(\.string) })
    }

    /// A store written by the previous schema (version 3: a peaks row for every
    /// ledger row) keeps its data, and its history keeps only what the ledger no longer shows.
    @Test("a version-3 store keeps its data, and its history keeps only what the ledger no longer shows")
    func version3StoresMoveToSparsePeaks() throws {
        let db = try database(atVersion: 3)
        let path = db.path
        try db.execute(
            """
            INSERT INTO payments (store, source, source_id, email, email_display, status, rank, version, content_hash, file, line, import_id)
            VALUES ('default', 'stripe.payments', 'ch_1', 'b@example.com', 'b@example.com', 'failed', 1, 1, 'x', 'p.csv', 2, 1);
            INSERT INTO peaks (store, source, source_id, email, rank) VALUES
              ('default', 'stripe.payments', 'ch_1', 'a@example.com', 2),
              ('default', 'stripe.payments', 'ch_1', 'b@example.com', 1);
            """)
        try Schema.migrate(db)
        #expect(try db.prepare("PRAGMA user_version").rows().first?.first?.int == Int64(Schema.migrations.count))
        #expect(
            try db.prepare("SELECT source_id, email, status FROM payments").rows()
                == [[.text("ch_1"), .text("b@example.com"), .text("failed")]])
        // b's row is still in the ledger at the same rank: no history needed. a's is history.
        #expect(
            try db.prepare("SELECT email, rank FROM peak_history").rows() == [[.text("a@example.com"), .integer(2)]])
        let store = try Store(path: path)
        #expect(try store.peak(store: "default", email: "a@example.com")?.type == .paying)
        #expect(try store.peak(store: "default", email: "b@example.com")?.type == .lead)
    }

    /// People rows say whether the store has an account (a users row) at their address: the
    /// merge writes it, and version 11 fills it in for a store written before. The segment
    /// `registered-not-purchased` reads it through its own index, and answers what it answered
    /// when it probed the users table.
    @Test("people say whether the store has an account at their address, from the merge and from migration 11")
    func peopleSayWhetherTheyAreRegistered() throws {
        let store = try freshStore()
        try importAll(allSamples, into: store)
        let path = store.db.path
        /// People whose flag is not what the users table says, and people flagged.
        func check(_ db: Database) throws -> (wrong: Int64?, registered: Int64?) {
            let wrong = try db.prepare(
                """
                SELECT count(*) FROM people WHERE registered IS NOT
                  EXISTS (SELECT 1 FROM users u WHERE u.store = people.store AND u.email = people.email)
                """
            ).rows().first?.first?.int
            return (wrong, try db.prepare("SELECT count(*) FROM people WHERE registered = 1").rows().first?.first?.int)
        }
        // What the segment answered before version 11, in the listing's order.
        let before = try store.db.prepare(
            """
            SELECT email_display FROM people p WHERE p.store = 'default' AND p.type_rank < 2
              AND p.email IN (SELECT u.email FROM users u WHERE u.store = 'default') ORDER BY p.score DESC, p.email
            """
        ).rows().map { $0.first?.string }
        #expect(before.count >= 2)
        var segment = PeopleFilter(store: "default")
        segment.segment = .registeredNotPurchased
        func listed(_ store: Store) throws -> [String?] {
            try store.fans(matching: segment, sort: .score, limit: nil, offset: 0).rows.map {
                if case .text(let email) = $0["email"] { return email }
                return nil
            }
        }
        // Four addresses of the Clerk samples (a fifth user has none).
        #expect(try check(store.db) == (0, 4))
        #expect(try listed(store) == before)

        // The same store as version 10 left it: no column, no index.
        try store.db.execute(
            """
            DROP INDEX people_registered;
            ALTER TABLE people DROP COLUMN registered;
            DROP TABLE known_content;
            PRAGMA user_version = 10;
            """)
        let upgraded = try Store(path: path)
        #expect(try check(upgraded.db) == (0, 4))
        #expect(try listed(upgraded) == before)
        let plan = try upgraded.db.prepare(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM people p WHERE p.store = 'default' AND p.registered = 1 AND p.type_rank < 2"
        ).rows().map { $0.last?.string ?? "" }.joined()
        #expect(plan.contains("people_registered"))
    }

    /// A listing filtered by nothing but its store and types takes its total from the kept stats;
    /// it is the count of the rows, kept or not.
    @Test("a listing's total from the kept stats is the count of its rows, for every set of types")
    func keptTotalsAreCounts() throws {
        let store = try freshStore()
        try importAll(allSamples, into: store)
        let queries = Queries(db: store.db)
        let typeSets: [[PersonType]] = [
            [], [.user], [.lead], [.paying], [.subscription], [.user, .paying], PersonType.allCases,
        ]
        for keptStats in [true, false] {
            #expect(try queries.keptTally(store: "default") != nil || !keptStats)
            for types in typeSets {
                var filter = PeopleFilter(store: "default")
                filter.types = types
                let customers = try store.customers(matching: filter, sort: .name, limit: nil, offset: 0)
                let fans = try store.fans(matching: filter, sort: .name, limit: nil, offset: 0)
                #expect(customers.total == customers.rows.count, "\(types)")
                #expect(fans.total == fans.rows.count, "\(types)")
                #expect(
                    try queries.keptCount(filter, customersOnly: true).map(Int.init)
                        == (keptStats ? customers.total : nil))
                #expect(
                    try queries.keptCount(filter, customersOnly: false).map(Int.init) == (keptStats ? fans.total : nil))
            }
            var tagged = PeopleFilter(store: "default")
            tagged.tag = "vip"
            #expect(try queries.keptCount(tagged, customersOnly: false) == nil)
            try store.db.execute("DELETE FROM summaries")
        }
    }

    /// A short page of rare matches scans and sorts instead of walking the sort's index (see
    /// `Queries.people`); either way the page is the same rows in the same order.
    @Test("a page of a listing is the same whether it walks the sort's index or scans and sorts")
    func pagesAreTheSameRowsEitherWay() throws {
        let store = try freshStore()
        try importAll(allSamples, into: store)
        for source in ["stripe.payments", "activecampaign.contacts", "nothing.here"] {
            var filter = PeopleFilter(store: "default")
            filter.source = source
            for sort in PeopleSort.allCases {
                // A whole listing walks; a page of two scans unless twenty times that many match.
                let all = try store.customers(matching: filter, sort: sort, limit: nil, offset: 0)
                for offset in [0, 1, 3] {
                    let page = try store.customers(matching: filter, sort: sort, limit: 2, offset: offset)
                    #expect(page.total == all.total)
                    #expect(page.rows == Array(all.rows.dropFirst(offset).prefix(2)), "\(source) \(sort) \(offset)")
                }
            }
        }
    }
}

@Suite struct RejectsFiles {
    /// A rejected row, then a read error: the file's transaction rolls back.
    func brokenPayments(in folder: String) throws -> String {
        let path = folder + "/payments.csv"
        let sample = try String(
            contentsOfFile: repositoryRoot + "/samples/stripe/unified_payments.csv", encoding: .utf8)
        let header = sample.split(separator: "\n", maxSplits: 1)[0]
        let badRow = String(repeating: ",", count: header.filter { $0 == "," }.count)  // no id, no email
        try (sample + badRow + "\n\"ch_x,\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a rolled-back import leaves no rejects file; a committed one leaves exactly one")
    func rejectsFileOnlyAfterCommit() throws {
        let folder = try temporaryDirectory()
        let rejects = folder + "/rejects"
        let store = try freshStore()
        let importer = Importer(store: store, storeName: "default", library: builtInLibrary)
        let broken = try brokenPayments(in: folder)
        #expect(throws: (any Error).self) {
            try importer.importFile(broken, options: MapOptions(rejectsDirectory: rejects))
        }
        #expect((try? FileManager.default.contentsOfDirectory(atPath: rejects)) ?? [] == [])

        // The same file without the read error commits, and its rejects file is in place.
        let fixed = folder + "/fixed.csv"
        try String(try String(contentsOfFile: broken, encoding: .utf8).dropLast("\"ch_x,\n".count))
            .write(toFile: fixed, atomically: true, encoding: .utf8)
        let report = try importer.importFile(fixed, options: MapOptions(rejectsDirectory: rejects))
        #expect(report.file.rejected == (try mapSample("samples/stripe/unified_payments.csv").report.rejected) + 1)
        let written = try FileManager.default.contentsOfDirectory(atPath: rejects)
        #expect(written.count == 1)
        #expect(written.allSatisfy { $0.hasSuffix(".rejects.csv") })
        #expect(report.file.rejectsPath.map { FileManager.default.fileExists(atPath: $0) } == true)
    }

    @Test("mapping alone that fails part-way leaves no rejects file")
    func failedMapLeavesNoRejects() throws {
        let folder = try temporaryDirectory()
        let rejects = folder + "/rejects"
        let broken = try brokenPayments(in: folder)
        #expect(throws: (any Error).self) {
            try FileMapper.map(path: broken, options: MapOptions(rejectsDirectory: rejects), library: builtInLibrary) {
                _ in
            }
        }
        #expect((try? FileManager.default.contentsOfDirectory(atPath: rejects)) ?? [] == [])
    }
}

/// `customer_totals` and `fan_activity` are views of the ledger (migration 8): they must say what
/// the merge says for every person, whose totals and activity the people row keeps.
@Suite struct LedgerViews {
    @Test("the totals and activity views agree with every merged person")
    func viewsAgreeWithTheMerge() throws {
        let store = try freshStore()
        try importAll(allSamples, into: store)
        var checked = 0
        for row in try store.db.prepare("SELECT store, email FROM people").rows() {
            guard let name = row[0].string, let email = row[1].string,
                let person = try store.person(store: name, email: email)
            else { continue }
            func totals(_ kind: String) throws -> [CurrencyTotal] {
                try store.db.prepare(
                    """
                    SELECT currency, gross, refunded, purchases FROM customer_totals
                    WHERE store = ? AND email = ? AND kind = ? ORDER BY currency
                    """
                ).rows([.text(name), .text(email), .text(kind)]).map {
                    CurrencyTotal(
                        currency: $0[0].string ?? "", gross: $0[1].int ?? 0, refunded: $0[2].int ?? 0,
                        purchases: Int($0[3].int ?? 0))
                }
            }
            #expect(try totals("charge") == person.totals, "\(email)")
            #expect(try totals("settlement") == person.settlement, "\(email)")
            let activity = try store.db.prepare(
                """
                SELECT at, text, source, source_id FROM fan_activity WHERE store = ? AND email = ? ORDER BY source, source_id
                """
            ).rows([.text(name), .text(email)]).map {
                Activity(
                    at: $0[0].int, text: $0[1].string ?? "", source: $0[2].string ?? "", sourceID: $0[3].string ?? "")
            }
            #expect(
                activity == person.activity.sorted { ($0.source, $0.sourceID) < ($1.source, $1.sourceID) }, "\(email)")
            if !person.totals.isEmpty { checked += 1 }
        }
        #expect(checked >= 5)
    }
}

/// What a ledger holds by key (``KnownContent``), kept in the store between imports (migration 12).
@Suite struct KeptContent {
    @Test("a table's entries fill another table with the same content; bytes that are not entries are refused")
    func entriesRoundTrip() throws {
        let table = try #require(KnownContent(rows: 5_000))
        var keys: [(UInt64, UInt64)] = []
        var generator = SeededRandom(seed: 7)
        for index in 0..<5_000 {
            let key = (UInt64.random(in: .min ... .max, using: &generator), UInt64(index))
            keys.append(key)
            #expect(table.set(key, UInt64(index) + 1))
        }
        let entries = table.entries()
        let copy = try #require(KnownContent(rows: 5_000))
        #expect(table.emptying { copy.add(entries: $0) })
        #expect(copy.entries() == entries)
        for (index, key) in keys.enumerated() { #expect(copy.content(of: key) == UInt64(index) + 1) }
        // Emptied: the table finds nothing and takes nothing.
        #expect(table.content(of: keys[0]) == nil)
        #expect(!table.set(keys[0], 1))
        // Not a whole number of entries, or an entry without content.
        let other = try #require(KnownContent(rows: 10))
        let ragged = [UInt8](repeating: 1, count: 25), empty = [UInt8](repeating: 0, count: 24)
        #expect(!ragged.withUnsafeBytes { other.add(entries: $0) })
        #expect(!empty.withUnsafeBytes { other.add(entries: $0) })
    }

    @Test("the table is kept between imports, the rows written since are set over it, and the store stays the same")
    func keptBetweenImports() throws {
        let header = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email\n"
        func row(_ id: Int, refunded: Int = 0) -> String {
            "py_\(id),2024-06-02 10:15:00,\(id).00,\(refunded).00,usd,Paid,cus_\(id),p\(id)@example.com"
        }
        let directory = try temporaryDirectory()
        var rows = (1...40).map { row($0) }
        var files: [String] = []
        func next(_ change: (inout [String]) -> Void) throws -> String {
            change(&rows)
            let file = try writeFile(
                header + rows.joined(separator: "\n") + "\n", name: "p\(files.count).csv", in: directory)
            files.append(file)
            return file
        }
        let store = try freshStore()
        store.knownContentAfter = 1
        func kept() throws -> [Int64?] {
            try store.db.prepare("SELECT import_id FROM known_content WHERE ledger = 'payments'").rows().map {
                $0.first?.int
            }
        }
        func lastImport() throws -> Int64? {
            try store.db.prepare("SELECT max(id) FROM imports").rows().first?.first?.int
        }

        // Into an empty ledger: no table, nothing kept.
        try importAll([try next { _ in }], into: store)
        #expect(try kept().isEmpty)
        // The ledger read whole, and kept.
        try importAll(
            [
                try next {
                    $0[3] = row(4, refunded: 1); $0.append(row(41))
                }
            ], into: store)
        #expect(store.ledgersReadWhole == 1)
        #expect(try kept() == [try lastImport()])
        let stamp = try lastImport()
        #expect(try store.keptContentIsExact(.payment) == true)
        // A small import without a table (a daily delta): the kept table stays as it was; the rows
        // the import wrote are found by import.
        store.knownContentAfter = 1_000
        try importAll(
            [
                try next {
                    $0[5] = row(6, refunded: 2); $0.append(row(42))
                }
            ], into: store)
        #expect(try kept() == [stamp])
        #expect(try store.keptContentIsExact(.payment) == true)
        // A large import starts from the kept table, and keeps it again (more than a sixty-fourth of
        // its rows written since).
        store.knownContentAfter = 1
        try importAll([try next { $0[7] = row(8, refunded: 3) }], into: store)
        #expect(store.ledgersReadWhole == 1)
        #expect(try kept() == [try lastImport()])
        #expect(try store.keptContentIsExact(.payment) == true)
        // Past an eighth of the ledger written since, the next large file reads it whole instead.
        store.knownContentAfter = 1_000
        try importAll([try next { for index in 10..<20 { $0[index] = row(index + 1, refunded: 5) } }], into: store)
        store.knownContentAfter = 1
        try importAll([try next { $0[0] = row(1, refunded: 1) }], into: store)
        #expect(store.ledgersReadWhole == 2)
        #expect(try kept() == [try lastImport()])
        #expect(try store.keptContentIsExact(.payment) == true)
        // The same as a store that never had a table.
        let plain = try freshStore()
        plain.knownContentAfter = 1_000
        try importAll(files, into: plain)
        #expect(try dump(store) == dump(plain))
        // A store of version 12 upgrades and keeps its tables (13 left the ledger rows as they were).
        try store.db.execute("PRAGMA user_version = 12")
        let kept12 = try kept()
        #expect(try Store(path: store.db.path).keptContentIsExact(.payment) == true)
        #expect(try kept() == kept12)
        // A store of version 11 (no kept tables) upgrades, reads its ledger whole, and keeps it.
        try store.db.execute("DROP TABLE known_content; PRAGMA user_version = 11")
        let upgraded = try Store(path: store.db.path)
        #expect(try upgraded.db.prepare("SELECT count(*) FROM known_content").rows().first?.first?.int == 0)
        upgraded.knownContentAfter = 1
        try importAll([try next { $0[9] = row(10, refunded: 4) }], into: upgraded)
        #expect(try upgraded.keptContentIsExact(.payment) == true)
        try importAll([files[files.count - 1]], into: plain)
        #expect(try dump(upgraded) == dump(plain))
    }
}
