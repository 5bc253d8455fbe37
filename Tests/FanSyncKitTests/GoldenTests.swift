import Foundation
import Testing

@testable import FanSyncKit

/// Every sample mapped to normalized facts, compared with a reviewed golden
/// file. Run with FANSYNC_UPDATE_GOLDEN=1 to rewrite them after an intended
/// change, then read the diff.
@Suite struct GoldenSamples {
    static let samples = [
        "activecampaign/contacts.csv", "stripe/unified_payments.csv", "stripe/payments_2023.csv",
        "stripe/customers.csv", "stripe/subscriptions.csv", "clerk/users.csv", "clerk/users.json",
        "clerk/users.ndjson", "app/enrollments.csv", "legacy/members_1252.csv",
        "edge/stripe_payments_guest.csv", "edge/stripe_customers_new.csv", "edge/contacts_dates.csv",
    ]

    static func golden(_ sample: String) -> String {
        repositoryRoot + "/Tests/FanSyncKitTests/Golden/" + sample.replacingOccurrences(of: "/", with: "__") + ".jsonl"
    }

    static func render(_ sample: String) throws -> String {
        let (lines, report) = try mapSample("samples/" + sample)
        var summary =
            "{\"report\":{\"mapping\":\(JSONText.quoted(report.mapping)),\"read\":\(report.read),"
            + "\"accepted\":\(report.accepted),\"rejected\":\(report.rejected),\"issues\":["
        summary += report.issues.map {
            JSONText.quoted($0.description.replacingOccurrences(of: repositoryRoot + "/", with: ""))
        }
        .joined(separator: ",")
        summary += "]"
        if report.warnings > 0 {
            summary +=
                ",\"warnings\":["
                + report.warningSamples
                .map { JSONText.quoted($0.description.replacingOccurrences(of: repositoryRoot + "/", with: "")) }
                .joined(separator: ",") + "]"
        }
        summary += "}}"
        return (lines + [summary]).joined(separator: "\n") + "\n"
    }

    @Test("each sample maps to exactly the facts in its golden file", arguments: samples)
    func sampleMatchesItsGoldenFile(sample: String) throws {
        let actual = try Self.render(sample)
        let path = Self.golden(sample)
        if ProcessInfo.processInfo.environment["FANSYNC_UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: URL(fileURLWithPath: path))
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        let actualLines = actual.split(separator: "\n"), expectedLines = expected.split(separator: "\n")
        #expect(actualLines.count == expectedLines.count)
        for (got, want) in zip(actualLines, expectedLines) where got != want {
            #expect(got == want)
        }
    }

    @Test("for every sample, read is accepted plus rejected and each accepted row is one fact")
    func countsAddUpForEverySample() throws {
        for sample in Self.samples {
            let (lines, report) = try mapSample("samples/" + sample)
            #expect(report.read == report.accepted + report.rejected, "\(sample)")
            #expect(lines.count == report.accepted, "\(sample)")
        }
    }

    /// The fake secrets in the Clerk samples must not appear in anything fansync produces.
    @Test("the Clerk samples' fake secrets appear in nothing fansync produces")
    func secretsNeverReachAnyOutput() throws {
        let secrets = ["FAKE-TOTP-SECRET", "FAKEDIGEST", "$2a$10$", "bcrypt", "FAKE-PRIVATE-NOTE"]
        let folder = try temporaryDirectory()
        var outputs = ""
        for sample in Self.samples {
            let (lines, report) = try mapSample("samples/" + sample, rejects: folder)
            outputs += lines.joined(separator: "\n") + report.issues.map(\.description).joined(separator: "\n")
            outputs += report.notices.joined(separator: "\n")
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: folder) {
            outputs += try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
        }
        for sample in Self.samples {
            outputs += (try? String(contentsOfFile: Self.golden(sample), encoding: .utf8)) ?? ""
        }
        #expect(!outputs.isEmpty)
        for secret in secrets {
            #expect(!outputs.contains(secret), "found \(secret)")
        }
    }

    @Test("a rejects file holds each rejected row's line, column, value and reason, then the row under its own header")
    func rejectsAreWrittenWithLineColumnValueAndReason() throws {
        let folder = try temporaryDirectory()
        let (_, report) = try mapSample("samples/activecampaign/contacts.csv", rejects: folder)
        #expect(report.rejected == 2)
        let path = try #require(report.rejectsPath)
        #expect(path.hasSuffix("-contacts.rejects.csv"))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let rows = text.split(separator: "\r\n").map(String.init)
        // The issue's columns, then the source row under its own header (to fix and import again).
        #expect(
            rows.first == "\"disposition\",\"file\",\"line\",\"column\",\"column_name\",\"value\",\"reason\","
                + "\"Contact ID\",\"Email\",\"First Name\",\"Last Name\",\"Phone\",\"Organization\",\"Tags\",\"Date Created\","
                + "\"Date Updated\",\"DAW\",\"Genre\",\"Level\",\"Goals\"")
        #expect(rows.count == 3)
        #expect(rows.dropFirst().allSatisfy { $0.hasPrefix("\"rejected\",") })
        #expect(
            rows[1].contains(
                "/samples/activecampaign/contacts.csv\",\"6\",\"2\",\"Email\",\"not-an-email\",\"field 'email': not a valid email address\","
                    + "\"104\",\"not-an-email\",\"Ghost\",\"Row\""))
        #expect(
            rows[2].contains(
                "\"7\",\"2\",\"Email\",\"\",\"no value for required field 'email'\",\"105\",\"\",\"No\",\"Email\""))
    }

    @Test("a row with too few fields is rejected at its line, not dropped")
    func raggedRowsAreRejectedNotDropped() throws {
        let path = try writeFile(
            "Email Address,First Name,Last Name,Opt-in Time\na@example.com,A,B,1/2/2023 8:00\nb@example.com,B\n",
            name: "ragged.csv")
        let report = try FileMapper.map(
            path: path, options: MapOptions(mapping: "legacy.list", rejectsDirectory: nil),
            library: builtInLibrary
        ) { _ in }
        #expect(report.read == 2)
        #expect(report.accepted == 1)
        #expect(report.issues.map(\.reasonText) == ["expected 4 fields, found 2"])
        #expect(report.issues.first?.line == 3)
    }
}
