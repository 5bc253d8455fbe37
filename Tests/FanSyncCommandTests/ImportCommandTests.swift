import Foundation
import Testing

/// A contacts export big enough that importing it takes a while.
func bigContactsFile(rows: Int) throws -> String {
    var text =
        "\"Contact ID\",\"Email\",\"First Name\",\"Last Name\",\"Phone\",\"Tags\",\"Date Created\",\"Date Updated\"\n"
    for index in 0..<rows {
        text +=
            "\(index),person\(index)@example.com,Ann,Lee,+1 415 555 \(String(format: "%04d", index % 10000)),\"a, b\",2024-01-01 10:00:00,2024-02-01 10:00:00\n"
    }
    return try temporaryFile(Array(text.utf8), name: "big-contacts.csv")
}

func sqlite(_ database: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", database, sql]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite(.serialized) struct ImportCommand {
    @Test(
        "import reports every file, the total and each rejected or unattributed row; the same content again is skipped")
    func importsTheSamplesAndSaysWhatHappened() throws {
        let folder = try temporaryFile([], name: "x").replacingOccurrences(of: "/x", with: "")
        let db = folder + "/store.db"
        let run = try fansync([
            "import", "--db", db, "--rejects", folder + "/rejects",
            "samples/stripe/unified_payments.csv", "samples/activecampaign/contacts.csv",
        ])
        #expect(run.status == 2)  // some rows rejected
        #expect(
            run.stdout.contains(
                "samples/stripe/unified_payments.csv: stripe.payments: 12 read, 11 accepted (8 new people, 0 updated, 0 unchanged), 1 rejected, 1 unattributed → "
            ))
        // The declined payment with neither email nor Customer ID belongs to nobody: said, not dropped.
        #expect(
            run.stderr.contains("samples/stripe/unified_payments.csv:12: unattributed: no email and no Customer ID"))
        #expect(run.stdout.contains("samples/activecampaign/contacts.csv: activecampaign.contacts: 9 read, 7 accepted"))
        #expect(run.stdout.contains("total: 2 files, 21 read, 18 accepted, 3 rejected"))
        #expect(run.stderr.contains("samples/stripe/unified_payments.csv:13:3: field 'amount': not a decimal amount"))
        let again = try fansync(["import", "--db", db, "samples/stripe/unified_payments.csv"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("already imported with the same content"))
        #expect(try sqlite(db, "SELECT count(*) FROM imports WHERE finished_at IS NOT NULL") == "2")
        #expect(try sqlite(db, "SELECT disposition, count(*) FROM rejects GROUP BY 1") == "rejected|3\nunattributed|1")
    }

    @Test("import --json prints its summary as JSON, and FANSYNC_DB names the store when --db is not given")
    func jsonSummaryAndEnvironmentDatabase() throws {
        let folder = try temporaryFile([], name: "x").replacingOccurrences(of: "/x", with: "")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["import", "--json", "--rejects", folder + "/rejects", "samples/stripe/customers.csv"]
        process.currentDirectoryURL = repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(["FANSYNC_DB": folder + "/env.db"]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["accepted"] as? Int == 7)
        #expect(FileManager.default.fileExists(atPath: folder + "/env.db"))
    }

    /// Killed in a first load (the store's first contacts: the rollback journal) and in a load
    /// into a ledger that has rows (the WAL).
    @Test(
        "an import killed mid-file leaves the store as it was before that file, and a rerun completes it",
        arguments: [false, true])
    func aKilledImportLeavesNothingHalfDoneAndARerunCompletes(contactsBefore: Bool) throws {
        let folder = try temporaryFile([], name: "x").replacingOccurrences(of: "/x", with: "")
        let db = folder + "/store.db"
        let file = try bigContactsFile(rows: 150_000)
        // A first file lands completely (and, for the WAL, the sample contacts).
        #expect(try fansync(["import", "--db", db, "samples/stripe/customers.csv"]).status == 0)
        if contactsBefore {
            let one = try temporaryFile(
                Array(
                    ("\"Contact ID\",\"Email\",\"First Name\",\"Last Name\",\"Date Created\",\"Date Updated\"\n"
                        + "before-1,someone@elsewhere.example,Bo,Day,2024-01-01 10:00:00,2024-01-01 10:00:00\n").utf8),
                name: "one-contact.csv")
            #expect(try fansync(["import", "--db", db, one]).status == 0)
        }
        let contacts = try sqlite(db, "SELECT count(*) FROM contacts")
        let people = try sqlite(db, "SELECT count(*) FROM fans")
        func written() -> Int {
            ["", "-wal", "-journal"].reduce(0) {
                $0 + ((try? FileManager.default.attributesOfItem(atPath: db + $1)[.size] as? Int) ?? 0)
            }
        }
        let before = written()
        let process = Process()
        process.executableURL = binary
        process.arguments = ["import", "--db", db, "--rejects", folder + "/rejects", file]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the import is under way (the store's files grow), then kill -9.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, written() < before + 4_000_000 { Thread.sleep(forTimeInterval: 0.02) }
        #expect(process.isRunning, "the import finished before it could be killed; make the file bigger")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        // As before that file: the first files' rows, none of the big one's.
        #expect(try sqlite(db, "PRAGMA integrity_check") == "ok")
        #expect(try sqlite(db, "SELECT count(*) FROM contacts") == contacts)
        #expect(try sqlite(db, "SELECT count(*) FROM fans") == people)
        #expect(try sqlite(db, "SELECT count(*) FROM stripe_customers") == "7")
        #expect(try sqlite(db, "SELECT count(*) FROM imports") == (contactsBefore ? "2" : "1"))

        let rerun = try fansync(["import", "--db", db, "--phones", "keep", file])
        #expect(rerun.status == 0)
        #expect(try sqlite(db, "SELECT count(*) FROM contacts") == String(150_000 + (Int(contacts) ?? 0)))
        #expect(try sqlite(db, "SELECT count(*) FROM fans") == String(150_000 + (Int(people) ?? 0)))
        #expect(try sqlite(db, "PRAGMA journal_mode") == "wal")
        #expect(!FileManager.default.fileExists(atPath: db + "-journal"))
    }

    @Test("FANSYNC_TIMING=1 says where each file's time went, and which file was a first load")
    func timingSaysWhereTheTimeWent() throws {
        let db = try temporaryFile([], name: "x").replacingOccurrences(of: "/x", with: "/store.db")
        let timing = ["FANSYNC_TIMING": "1"]
        let first = try fansync(["import", "--db", db, "samples/stripe/unified_payments.csv"], environment: timing)
        let people =
            /timing, people: [0-9.]+ s ledger indexes, [0-9.]+ s finding who, [0-9.]+ s reading rows, [0-9.]+ s waiting for the merge, [0-9.]+ s writing, [0-9.]+ s people indexes/
        #expect(
            first.stderr.contains(
                /timing: [0-9.]+ s reading and landing rows, .* committing \(a first load: rollback journal\)\n/))
        #expect(first.stderr.contains(people))
        // More payments into a ledger that has payments: the WAL.
        let second = try fansync(["import", "--db", db, "samples/stripe/payments_2023.csv"], environment: timing)
        #expect(second.stderr.contains(/timing: [0-9.]+ s reading and landing rows, .* committing\n/))
        #expect(!second.stderr.contains("first load"))
        #expect(second.stderr.contains(people))
        // Without the variable: no timing.
        #expect(!(try fansync(["import", "--db", db, "samples/stripe/customers.csv"]).stderr.contains("timing")))
    }

    @Test("import waits --busy-timeout for a store another writer holds, then fails saying it is locked")
    func aLockedStoreWaitsThenFailsClearly() throws {
        let folder = try temporaryFile([], name: "x").replacingOccurrences(of: "/x", with: "")
        let db = folder + "/store.db"
        #expect(try fansync(["import", "--db", db, "samples/stripe/customers.csv"]).status == 0)
        // Another writer holds the lock for a few seconds.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["sqlite3", db]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        input.fileHandleForWriting.write(Data("PRAGMA busy_timeout=5000;\nBEGIN IMMEDIATE;\nSELECT 1;\n".utf8))
        Thread.sleep(forTimeInterval: 0.5)
        let started = Date()
        let run = try fansync(["import", "--db", db, "--busy-timeout", "0.5", "samples/stripe/subscriptions.csv"])
        #expect(Date().timeIntervalSince(started) >= 0.4)
        #expect(run.status == 1)
        #expect(run.stderr.contains("locked by another fansync run"))
        try input.fileHandleForWriting.close()
        holder.waitUntilExit()
        #expect(try fansync(["import", "--db", db, "samples/stripe/subscriptions.csv"]).status == 0)
    }
}

@Suite struct ImportJSONFailures {
    @Test("import --json lists the files it could not import, with the reason")
    func failedFilesAreListed() throws {
        let folder = try temporaryFile([], name: "x").replacingOccurrences(of: "/x", with: "")
        let missing = folder + "/missing.csv"
        let run = try fansync([
            "import", "--json", "--db", folder + "/store.db", "--rejects", folder + "/rejects",
            "samples/stripe/customers.csv", missing,
        ])
        #expect(run.status == 1)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((summary["files"] as? [Any])?.count == 1)
        let failed = try #require(summary["failed_files"] as? [[String: Any]])
        #expect(failed.count == 1)
        #expect(failed.first?["file"] as? String == missing)
        #expect((failed.first?["reason"] as? String)?.contains("cannot open") == true)
        #expect(summary["failed"] as? Bool == true)
    }
}

@Suite struct StandardInput {
    @Test("standard input is sniffed like a file, and positions and rejects name <stdin>")
    func stdinIsSniffedAndNamed() throws {
        let folder = try temporaryFile([], name: "x").replacingOccurrences(of: "/x", with: "")
        let json = try fansync(
            ["import", "--db", folder + "/store.db", "--rejects", folder + "/rejects", "-"],
            stdin: try Data(contentsOf: repositoryRoot.appendingPathComponent("samples/clerk/users.json")))
        #expect(json.stdout.contains("<stdin>: clerk.users.json: "), "\(json.stdout) \(json.stderr)")
        let csv = try fansync(
            ["import", "--db", folder + "/store.db", "--rejects", folder + "/rejects", "-"],
            stdin: try Data(contentsOf: repositoryRoot.appendingPathComponent("samples/activecampaign/contacts.csv")))
        #expect(csv.stdout.contains("<stdin>: activecampaign.contacts: "))
        #expect(csv.stderr.contains("<stdin>:6:2: field 'email'"))
        #expect(!csv.stderr.contains("fansync-stdin-"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/rejects")
        #expect(files.contains { $0.hasSuffix("-stdin.rejects.csv") })
        for file in files {
            let text = try String(contentsOfFile: folder + "/rejects/" + file, encoding: .utf8)
            #expect(!text.contains("fansync-stdin-"), "\(file) names the spool file")
        }
    }
}
