import Foundation
import Testing

/// Writes a job over the samples (plus `extraSources`) pushing customers to `port`.
func jobFile(
    folder: String, port: Int, extraSources: [String] = [], concurrency: Int = 2, timeout: Double = 2
) throws -> String {
    let samples = repositoryRoot.appendingPathComponent("samples").path
    let sources =
        ([
            "\(samples)/activecampaign/contacts.csv", "\(samples)/stripe/*.csv", "\(samples)/clerk/users.json",
            "\(samples)/app/enrollments.csv",
        ] + extraSources).map { "  - \($0)" }.joined(separator: "\n")
    let yaml = """
        store: default
        db: store.db
        sources:
        \(sources)
        endpoints:
          - name: crm
            url: http://127.0.0.1:${TEST_PORT}/ingest
            send: customers
            types: [paying, subscription]
            token_env: FAKE_TOKEN
            batch_size: 3
            concurrency: \(concurrency)
            rate: 100
            timeout: \(timeout)
        options:
          rejects: rejects
          phones: keep
        """
    let path = folder + "/job.yml"
    try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

func jobEnvironment(port: Int) -> [String: String] {
    pushEnvironment().merging(["TEST_PORT": String(port)]) { $1 }
}

func newFolder() throws -> String {
    try temporaryFile([], name: "x").replacingOccurrences(of: "/x", with: "")
}

/// The derived people of a store, for comparing runs.
func peopleDump(_ db: String) throws -> String {
    try sqlite(db, "SELECT * FROM people ORDER BY store, email") + "\n"
        + sqlite(db, "SELECT * FROM customer_totals ORDER BY 1, 2, 3, 4")
}

@Suite(.serialized) struct JobCommand {
    @Test("a job imports its sources and pushes the paying customers; a second run skips every file and sends nothing")
    func aJobImportsPushesAndARerunChangesNothing() throws {
        let folder = try newFolder()
        let server = try FakeEndpoint()
        let job = try jobFile(folder: folder, port: server.port)
        let first = try fansyncWithEnvironment(["run", job, "--json"], environment: jobEnvironment(port: server.port))
        #expect(first.status == 2)  // the samples carry rejected rows
        let report = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        #expect(report?["outcome"] as? String == "rejects")
        #expect((report?["files"] as? [Any])?.count == 7)
        let paying = try sqlite(folder + "/store.db", "SELECT email FROM customers WHERE type_rank >= 2")
        #expect(Set(server.records.keys) == Set(paying.split(separator: "\n").map(String.init)))

        let second = try fansyncWithEnvironment(["run", job, "--json"], environment: jobEnvironment(port: server.port))
        #expect(second.status == 0)
        let again = try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any]
        #expect((again?["files"] as? [[String: Any]])?.allSatisfy { $0["skipped"] as? Bool == true } == true)
        #expect((again?["pushes"] as? [[String: Any]])?.first?["sent"] as? Int == 0)

        let runs = try fansync(["runs", "--db", folder + "/store.db", "--format", "ndjson"])
        let listed = runs.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(listed.map { $0["outcome"] as? String ?? "" } == ["ok", "rejects"])
    }

    @Test("a dry run says what it would send, sends nothing and never writes the store")
    func dryRunLeavesTheStoreAndTheEndpointAlone() throws {
        let folder = try newFolder()
        let server = try FakeEndpoint()
        let job = try jobFile(folder: folder, port: server.port)
        let run = try fansyncWithEnvironment(["run", job, "--dry-run"], environment: jobEnvironment(port: server.port))
        #expect(run.status == 2)
        #expect(run.stdout.contains("crm: would create 8, update 0, leave 0 unchanged (dry run: nothing sent)"))
        #expect(server.requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder + "/store.db"))  // the real store was never written
    }

    @Test("every mistake in a job file is reported at its line and column, with a suggestion where one fits")
    func jobFilesAreValidatedWithPositions() throws {
        let folder = try newFolder()
        let yaml = """
            store: default
            sourcs:
              - a.csv
            options:
              region: XX
              phone: keep
            endpoints:
              - name: crm
                url: ${NOT_SET_ANYWHERE}/x
            """
        try yaml.write(toFile: folder + "/bad.yml", atomically: true, encoding: .utf8)
        let run = try fansync(["run", folder + "/bad.yml"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("bad.yml:2:1: unknown key 'sourcs' (did you mean 'sources'?)"))
        #expect(run.stderr.contains("bad.yml:5:11: 'region' is a region code"))
        #expect(run.stderr.contains("bad.yml:6:3: unknown option 'phone' (did you mean 'phones'?)"))
        #expect(run.stderr.contains("bad.yml:9:10: environment variable 'NOT_SET_ANYWHERE' is not set"))
        #expect(run.stderr.contains("missing 'sources'"))
    }

    @Test("overlapping runs never interleave: the second waits up to --wait, then fails or runs after the first")
    func overlappingRunsNeverInterleave() throws {
        let folder = try newFolder()
        let server = try FakeEndpoint(faults: Array(repeating: ["sleep": 1.0], count: 3))
        let job = try jobFile(folder: folder, port: server.port, concurrency: 1, timeout: 5)
        let first = Process()
        first.executableURL = binary
        first.arguments = ["run", job]
        first.environment = jobEnvironment(port: server.port)
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, server.requests.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        let second = try fansyncWithEnvironment(
            ["run", job, "--wait", "0.5"], environment: jobEnvironment(port: server.port))
        #expect(second.status == 1)
        #expect(second.stderr.contains("is in use by another fansync run"))
        first.waitUntilExit()
        #expect(first.terminationStatus == 2)
        // With a long enough wait, the second run goes after the first.
        let third = try fansyncWithEnvironment(
            ["run", job, "--wait", "30"], environment: jobEnvironment(port: server.port))
        #expect(third.status == 0)
    }

    @Test("a run killed mid-import, before the push or mid-push, then run again, ends where one clean run does")
    func killedRunsRecoverToTheSameStateAsOneCleanRun() throws {
        // The reference: one clean run.
        let big = try bigContactsFile(rows: 60_000)
        let cleanFolder = try newFolder()
        let cleanServer = try FakeEndpoint()
        let cleanJob = try jobFile(folder: cleanFolder, port: cleanServer.port, extraSources: [big])
        _ = try fansyncWithEnvironment(["run", cleanJob], environment: jobEnvironment(port: cleanServer.port))
        let expectedPeople = try peopleDump(cleanFolder + "/store.db")
        let expectedRecords = cleanServer.records.mapValues { NSDictionary(dictionary: $0) }

        // kill -9 mid-import, between import and push, and mid-push; then a normal run.
        for point in ["mid-import", "before-push", "mid-push"] {
            let folder = try newFolder()
            let server = try FakeEndpoint(faults: point == "mid-push" ? Array(repeating: ["sleep": 0.5], count: 3) : [])
            let job = try jobFile(folder: folder, port: server.port, extraSources: [big], concurrency: 1, timeout: 5)
            let process = Process()
            process.executableURL = binary
            process.arguments = ["run", job]
            process.environment = jobEnvironment(port: server.port)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(30)
            switch point {
            case "mid-import":
                while Date() < deadline,
                    ((try? FileManager.default.attributesOfItem(atPath: folder + "/store.db-wal")[.size] as? Int) ?? 0)
                        < 3_000_000
                {
                    Thread.sleep(forTimeInterval: 0.02)
                }
            case "before-push":
                // Imports done, the push about to start: its outbox is being filled or the first request sent.
                while Date() < deadline, server.requests.isEmpty { Thread.sleep(forTimeInterval: 0.005) }
            default:
                while Date() < deadline, server.requests.count < 2 { Thread.sleep(forTimeInterval: 0.02) }
            }
            #expect(process.isRunning, "\(point): the run ended before it could be killed")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let rerun = try fansyncWithEnvironment(["run", job], environment: jobEnvironment(port: server.port))
            // 0 or 2: files the killed run finished are skipped now, with their rejections reported then.
            #expect(rerun.status == 0 || rerun.status == 2, "\(point): \(rerun.stderr)")
            #expect(try peopleDump(folder + "/store.db") == expectedPeople, "\(point)")
            #expect(server.records.mapValues { NSDictionary(dictionary: $0) } == expectedRecords, "\(point)")
            #expect(server.applied.values.allSatisfy { $0 == 1 }, "\(point)")
            #expect(
                try sqlite(folder + "/store.db", "SELECT outcome FROM runs ORDER BY id").split(separator: "\n").first
                    == "interrupted")
        }
    }
}

@Suite(.serialized) struct JobDrift {
    @Test("an export much shorter than the previous import is flagged as drift and recorded with the run")
    func aMuchShorterExportIsFlaggedAndRecorded() throws {
        let folder = try newFolder()
        var lines = [
            "\"Contact ID\",\"Email\",\"First Name\",\"Last Name\",\"Phone\",\"Tags\",\"Date Created\",\"Date Updated\""
        ]
        for index in 0..<10 {
            lines.append("\(index),p\(index)@example.com,A,B,,,2024-01-01 10:00:00,2024-01-01 10:00:00")
        }
        let export = folder + "/contacts.csv"
        try (lines.joined(separator: "\n") + "\n").write(toFile: export, atomically: true, encoding: .utf8)
        let yaml = "db: store.db\nsources:\n  - contacts.csv\noptions:\n  drift_threshold: 0.2\n"
        try yaml.write(toFile: folder + "/job.yml", atomically: true, encoding: .utf8)
        #expect(try fansync(["run", folder + "/job.yml"]).status == 0)
        // The next export has only 4 of the 10 rows: a truncated download, say.
        try (lines.prefix(5).joined(separator: "\n") + "\n").write(toFile: export, atomically: true, encoding: .utf8)
        let run = try fansync(["run", folder + "/job.yml", "--json"])
        #expect(run.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let drift = report?["drift"] as? String ?? ""
        #expect(drift.contains("has 4 rows, the previous import had 10 (-60%)"))
        #expect(
            try sqlite(folder + "/store.db", "SELECT drift FROM runs ORDER BY id DESC LIMIT 1").contains("has 4 rows"))
    }
}

@Suite struct JobSourcesThatMatchNothing {
    @Test("a source glob that matches nothing is a warning naming it, and fails the run when it was the only source")
    func unmatchedGlobs() throws {
        let folder = try newFolder()
        let both = folder + "/both.yml", only = folder + "/only.yml"
        try "db: store.db\nsources:\n  - \(repositoryRoot.path)/samples/stripe/customers.csv\n  - exports/*.csv\n"
            .write(toFile: both, atomically: true, encoding: .utf8)
        try "db: store.db\nsources:\n  - exports/*.csv\n".write(toFile: only, atomically: true, encoding: .utf8)
        let partial = try fansync(["run", both])
        #expect(partial.status == 0)
        #expect(partial.stderr.contains("warning: the source \(folder)/exports/*.csv matches no file"))
        let json = try fansync(["run", both, "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(report?["unmatched_sources"] as? [String] == ["\(folder)/exports/*.csv"])
        let none = try fansync(["run", only])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no source matches a file (\(folder)/exports/*.csv)"))
        // For a script: what failed, where, and whether trying again could help.
        let failed = try fansync(["run", only, "--json"])
        let details =
            (try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: Any])?[
                "failure_details"] as? [[String: Any]]
        #expect(details?.count == 1)
        #expect(details?.first?["stage"] as? String == "sources")
        #expect(details?.first?["disposition"] as? String == "fatal")
        #expect((details?.first?["message"] as? String)?.contains("no source matches a file") == true)
    }
}

@Suite struct DryRuns {
    @Test("a dry run needs none of the endpoints' environment variables and leaves no rejects files")
    func dryRunNeedsNoEnvironment() throws {
        let folder = try newFolder()
        let samples = repositoryRoot.appendingPathComponent("samples").path
        let job = folder + "/job.yml"
        try """
        db: store.db
        sources:
          - \(samples)/activecampaign/contacts.csv
        endpoints:
          - name: crm
            url: ${CRM_URL}/ingest
            token_env: CRM_TOKEN
        options:
          rejects: rejects
        """.write(toFile: job, atomically: true, encoding: .utf8)
        let run = try fansyncWithEnvironment(["run", job, "--dry-run"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(run.status == 2, "\(run.stderr)")  // the sample's rejected rows
        #expect(run.stdout.contains("crm: would create"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/rejects"))
        // For real, the unset variable is an error of the job file, at its line.
        let real = try fansyncWithEnvironment(["run", job], environment: ["PATH": "/usr/bin:/bin"])
        #expect(real.status == 1)
        #expect(real.stderr.contains("job.yml:6:10: environment variable 'CRM_URL' is not set"))
        #expect(real.stderr.contains("problems in the job file"))
        #expect(!real.stderr.contains("mapping files"))
    }
}
