import Foundation
import Testing

/// Runs the built `fansync` binary, as a user would.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The binary under test: `FANSYNC_BIN`, or the debug build `swift build` made.
let binary: URL = {
    if let path = ProcessInfo.processInfo.environment["FANSYNC_BIN"] { return URL(fileURLWithPath: path) }
    return repositoryRoot.appendingPathComponent(".build/debug/fansync")
}()

func fansync(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> Run {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    process.currentDirectoryURL = repositoryRoot
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    // Read before waiting, so a full pipe cannot block the child.
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(
        status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
        stderr: String(decoding: stderrData, as: UTF8.self))
}

func temporaryFile(_ bytes: [UInt8], name: String) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fansync-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

/// Parses NDJSON output into objects.
func ndjson(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
    }
}

@Suite(.serialized) struct InspectCommand {
    @Test("inspect --records gives every record, header included, with the line it starts on and its fields as written")
    func recordsOfTheActiveCampaignSample() throws {
        let run = try fansync(["inspect", "--records", "samples/activecampaign/contacts.csv"])
        #expect(run.status == 0)
        let lines = try ndjson(run.stdout)
        #expect(lines.count == 10)
        #expect(lines[0]["line"] as? Int == 1)
        #expect((lines[0]["fields"] as? [String])?.first == "Contact ID")  // BOM removed
        #expect(lines.map { $0["line"] as? Int ?? 0 } == [1, 2, 3, 5, 6, 7, 8, 9, 10, 11])
        #expect((lines[2]["fields"] as? [String])?[12] == "Learn mixing,\r\nthen mastering")
        #expect((lines[2]["fields"] as? [String])?[1] == "  Bo.Chen@Example.com ")
    }

    @Test("inspect summarizes a Windows-1252 file: encoding, sniffed delimiter, line endings and decoded text")
    func summaryOfTheWindows1252Sample() throws {
        let run = try fansync(["inspect", "samples/legacy/members_1252.csv"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("encoding      windows-1252"))
        #expect(run.stdout.contains("delimiter     ';' (sniffed)"))
        #expect(run.stdout.contains("line endings  CRLF"))
        #expect(run.stdout.contains("records       3"))
        #expect(run.stdout.contains("\"Seán\", \"O’Brien\""))
        #expect(run.stdout.contains("“Lo-fi” beats"))
        #expect(!run.stdout.contains("\u{FFFD}"))
    }

    @Test("inspect --encoding utf-8 on a Windows-1252 file fails naming the line and column")
    func strictUTF8NamesTheLine() throws {
        let run = try fansync(["inspect", "--encoding", "utf-8", "samples/legacy/members_1252.csv"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("samples/legacy/members_1252.csv:2:2: not valid UTF-8"))
    }

    @Test("inspect reads standard input with a forced delimiter")
    func standardInputAndForcedDelimiter() throws {
        let run = try fansync(["inspect", "--records", "--delimiter", "|", "-"], stdin: Data("a|b\n1|\"x|y\"\n".utf8))
        #expect(run.status == 0)
        let lines = try ndjson(run.stdout)
        #expect(lines.map { $0["fields"] as? [String] ?? [] } == [["a", "b"], ["1", "x|y"]])
    }

    @Test("inspect lists the rows with the wrong number of fields by line and exits 2")
    func raggedRowsAreListedAndExitTwo() throws {
        let path = try temporaryFile(Array("a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n".utf8), name: "ragged.csv")
        let run = try fansync(["inspect", path])
        #expect(run.status == 2)
        #expect(run.stdout.contains("ragged rows   2"))
        #expect(run.stdout.contains("line 3: 2 fields, header has 3"))
        #expect(run.stdout.contains("line 5: 4 fields, header has 3"))
        #expect(run.stdout.contains("records       4"))
    }

    @Test("inspect reads a gzip file as its contents and says it was compressed")
    func gzipFile() throws {
        let csv = try temporaryFile(Array("email,name\nz@x.com,Zoë\n".utf8), name: "z.csv")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-f", csv]
        try gzip.run()
        gzip.waitUntilExit()
        let zipped = try fansync(["inspect", csv + ".gz"])
        #expect(zipped.status == 0)
        #expect(zipped.stdout.contains("(gzip)"))
        #expect(zipped.stdout.contains("\"z@x.com\", \"Zoë\""))
    }

    @Test("inspect --records gives each element of a JSON dump with its index")
    func jsonDumpRecords() throws {
        let run = try fansync(["inspect", "--records", "samples/clerk/users.json"])
        #expect(run.status == 0)
        let lines = try ndjson(run.stdout)
        #expect(lines.map { $0["index"] as? Int ?? -1 } == [0, 1, 2, 3])
        #expect((lines[0]["value"] as? [String: Any])?["id"] as? String == "user_2ZoeA1b2C3")
    }

    @Test("inspect summarizes NDJSON from standard input, counting a malformed element and exiting 2")
    func jsonSummaryFromStandardInput() throws {
        let run = try fansync(
            ["inspect", "--format", "json", "-"], stdin: Data("{\"id\":1}\n{\"id\":\n{\"id\":3}\n".utf8))
        #expect(run.status == 2)
        #expect(run.stdout.contains("format        json (ndjson)"))
        #expect(run.stdout.contains("malformed     1"))
    }

    @Test("usage errors exit 64; a missing file exits 1 with the reason")
    func usageErrorsExit64AndMissingFilesExit1() throws {
        let usage = try fansync(["inspect"])
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("Missing expected argument"))
        let badEncoding = try fansync(["inspect", "--encoding", "latin-9", "x.csv"])
        #expect(badEncoding.status == 64)
        let missing = try fansync(["inspect", "no/such/file.csv"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no/such/file.csv: cannot open: No such file or directory"))
    }

    @Test("inspect refuses an empty file saying so, and a repeated header name naming both its columns")
    func emptyAndDuplicateHeadersAreClearErrors() throws {
        let empty = try temporaryFile([], name: "empty.csv")
        let run = try fansync(["inspect", empty])
        #expect(run.status == 1)
        #expect(run.stderr.contains("the file is empty"))
        let duplicate = try temporaryFile(Array("email,Email,email\n".utf8), name: "dup.csv")
        let second = try fansync(["inspect", duplicate])
        #expect(second.status == 1)
        #expect(second.stderr.contains("dup.csv:1:3: header columns 1 and 3 are both named 'email'"))
    }
}

@Suite struct InspectHidesSecrets {
    @Test("inspect shows secret columns but never their values, in every view")
    func secretsAreNotShown() throws {
        let secrets = ["FAKE-TOTP-SECRET", "FAKEDIGEST", "bcrypt", "FAKE-PRIVATE-NOTE"]
        for arguments in [
            ["inspect", "samples/clerk/users.csv"], ["inspect", "--records", "samples/clerk/users.csv"],
            ["inspect", "samples/clerk/users.json"], ["inspect", "--records", "samples/clerk/users.json"],
        ] {
            let run = try fansync(arguments)
            #expect(run.status == 0 || run.status == 2, "\(arguments)")
            for secret in secrets { #expect(!run.stdout.contains(secret), "\(arguments) shows \(secret)") }
        }
        let table = try fansync(["inspect", "samples/clerk/users.csv"])
        #expect(table.stdout.contains("password_digest"))  // the column is named…
        #expect(table.stdout.contains("(secret, not shown)"))  // …its value is not
        let json = try fansync(["inspect", "samples/clerk/users.json"])
        #expect(json.stdout.contains("\"password_enabled\":true"))  // flags say nothing secret
    }
}
