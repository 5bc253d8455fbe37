import Foundation
import Testing

/// What a person reads: suggestions for typos, help that points somewhere real, counts in
/// plain words, rejects files that hold the row to fix.
@Suite struct OutputCommands {
    @Test("a misspelled command gets a 'did you mean', at every level")
    func didYouMean() throws {
        let top = try fansync(["custmers"])
        #expect(top.status == 64)
        #expect(
            top.stderr.contains("Error: 'custmers' is not a command. Did you mean 'fansync customers'?"),
            "\(top.stderr)")
        let nested = try fansync(["push", "aply"])
        #expect(nested.status == 64)
        #expect(nested.stderr.contains("Did you mean 'fansync push apply'?"), "\(nested.stderr)")
        let nothingClose = try fansync(["zzzzzz"])
        #expect(nothingClose.stderr.contains("'zzzzzz' is not a command of fansync; its commands: run, runs, import"))
        #expect(!top.stderr.contains("\u{1B}["))  // no colors on a pipe
        // A real command with a bad argument is not mistaken for a typo of a command.
        let stray = try fansync(["customers", "extra"])
        #expect(stray.status == 64)
        #expect(!stray.stderr.contains("Did you mean"))
    }

    @Test("every README section a --help names exists")
    func helpPointsToRealSections() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let headings = readme.split(separator: "\n").filter { $0.hasPrefix("#") }.map(String.init)
        let commands = [
            ["run"], ["push", "apply"], ["push", "plan"], ["push", "retry-dead"], ["import"], ["customers"],
            ["fans"], ["map"], ["mappings", "check"], ["export"], ["stats"],
        ]
        var named = 0
        for command in commands {
            let help = try fansync(command + ["--help"]).stdout.replacingOccurrences(of: "\n", with: " ")
                .replacingOccurrences(of: #"\s+"#, with: " ", options: .regularExpression)
            #expect(!help.contains("README.md,"), "\(command): the old form names no section")
            var rest = Substring(help)
            while let range = rest.range(of: #"see "[^"]+" in README\.md"#, options: .regularExpression) {
                let section = rest[range].split(separator: "\"")[1]
                #expect(headings.contains { $0.contains(section) }, "\(command): no README section \"\(section)\"")
                named += 1
                rest = rest[range.upperBound...]
            }
        }
        #expect(named >= 2)
    }

    @Test("counts read as English: no 'none of 0', no '1 new people'")
    func grammar() throws {
        let none = try fansync(["fans", "--db", sampleStore, "--format", "table", "--tag", "no-such-tag"])
        #expect(none.stderr.contains("no fans"), "\(none.stderr)")
        #expect(!none.stderr.contains("none of 0"))
        let past = try fansync(["fans", "--db", sampleStore, "--format", "table", "--offset", "1000"])
        #expect(past.stderr.contains("none of 15 fans shown (--offset 1000 is past the end)"), "\(past.stderr)")
        let zero = try fansync(["fans", "--db", sampleStore, "--format", "table", "--limit", "0"])
        #expect(zero.stderr.contains("none of 15 fans shown (--limit 0)"), "\(zero.stderr)")
        let one = try fansync([
            "customers", "--db", sampleStore, "--format", "table", "--type", "subscription", "--limit", "1",
        ])
        #expect(one.stderr.contains("1 of 3 customers"), "\(one.stderr)")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fansync-grammar-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let first = try fansync([
            "import", "--db", folder + "/s.db", "--rejects", folder + "/rejects", "samples/stripe/customers.csv",
        ])
        #expect(first.stdout.contains("accepted (7 new people"), "\(first.stdout)")
        let single = folder + "/one.csv"
        try Data("Contact ID,Email,First Name,Last Name\n900,solo@example.com,Solo,Person\n".utf8).write(
            to: URL(fileURLWithPath: single))
        let second = try fansync([
            "import", "--db", folder + "/s.db", "--rejects", folder + "/rejects", "--mapping",
            "activecampaign.contacts", single,
        ])
        #expect(second.stdout.contains("(1 new person, 0 updated"), "\(second.stdout)")
        // On a pipe, no progress line (no carriage returns) and no colors.
        #expect(!second.stderr.contains("\r") && !second.stderr.contains("\u{1B}["))
    }

    @Test("the rejects file holds each rejected row whole, secrets left out, so it can be fixed and imported again")
    func rejectsHoldTheRow() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fansync-rejects-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let db = folder + "/s.db"
        let run = try fansync([
            "import", "--db", db, "--rejects", folder + "/rejects", "samples/activecampaign/contacts.csv",
        ])
        #expect(run.status == 2)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/rejects")
        let rejects = try #require(files.first { $0.hasSuffix("contacts.rejects.csv") })
        let path = folder + "/rejects/" + rejects
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        #expect(
            lines.first?.hasPrefix(
                "\"disposition\",\"file\",\"line\",\"column\",\"column_name\",\"value\",\"reason\",\"Contact ID\",\"Email\",\"First Name\""
            ) == true,
            "\(lines.first ?? "")")
        #expect(
            lines.contains {
                $0.contains(
                    "\"not-an-email\",\"field 'email': not a valid email address\",\"104\",\"not-an-email\",\"Ghost\"")
            },
            "\(text)")

        // Fixed in place, the rejects file imports through the same mapping (its own columns are ignored).
        try Data(text.replacingOccurrences(of: "\"104\",\"not-an-email\"", with: "\"104\",\"ghost@example.com\"").utf8)
            .write(to: URL(fileURLWithPath: path))
        let again = try fansync(["import", "--db", db, "--rejects", folder + "/rejects2", path])
        #expect(
            again.stdout.contains("activecampaign.contacts: 2 read, 1 accepted (1 new person"),
            "\(again.stdout) \(again.stderr)")
        let ghost = try fansync(["explain", "--db", db, "ghost@example.com"])
        #expect(ghost.status == 0)
        #expect(ghost.stdout.contains("Ghost Row"))

        // A Clerk row without an email: its secret columns never reach the rejects file.
        let clerk = folder + "/users.csv"
        try Data(
            ("id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,"
                + "unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\n"
                + "user_1,Pat,,pat,,,,,,,JBSWY3DPEHPK3PXP,$2a$10$abcdefghijklmnopqrstuv,bcrypt\n").utf8
        ).write(to: URL(fileURLWithPath: clerk))
        let secret = try fansync(["import", "--db", db, "--rejects", folder + "/rejects3", clerk])
        #expect(secret.status == 2)
        let clerkRejects = try FileManager.default.contentsOfDirectory(atPath: folder + "/rejects3")
        let written = try String(contentsOfFile: folder + "/rejects3/" + (clerkRejects.first ?? ""), encoding: .utf8)
        #expect(written.contains("\"user_1\",\"Pat\""), "\(written)")
        #expect(!written.contains("JBSWY3DPEHPK3PXP") && !written.contains("$2a$10$") && !written.contains("bcrypt"))
        #expect(!written.contains("password_digest") && !written.contains("totp_secret"))

        // A ragged row in a file with a secret column: its values are not where the header says,
        // so none of them is written (one could be the secret under another name).
        let ragged = folder + "/ragged.csv"
        try Data(
            ("id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,"
                + "unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\n"
                + "user_9,Kim,,kim,,,,,,JBSWY3DPEHPK3PXP,$2a$10$qqqqqqqqqqqqqqqqqqqqqq,bcrypt\n").utf8
        ).write(to: URL(fileURLWithPath: ragged))
        _ = try fansync(["import", "--db", db, "--rejects", folder + "/rejects5", "--mapping", "clerk.users", ragged])
        let raggedRejects = try FileManager.default.contentsOfDirectory(atPath: folder + "/rejects5")
        let raggedText = try String(
            contentsOfFile: folder + "/rejects5/" + (raggedRejects.first ?? ""), encoding: .utf8)
        #expect(raggedText.contains("expected 13 fields, found 12"), "\(raggedText)")
        #expect(!raggedText.contains("JBSWY3DPEHPK3PXP") && !raggedText.contains("$2a$10$q"))

        // A source column named like one of the issue's: the issue's columns take a prefix, the source keeps its name.
        let named = folder + "/named.csv"
        try Data("Contact ID,Email,First Name,Last Name,reason\n7,,No,Mail,newsletter\n".utf8).write(
            to: URL(fileURLWithPath: named))
        _ = try fansync([
            "import", "--db", db, "--rejects", folder + "/rejects6", "--mapping", "activecampaign.contacts", named,
        ])
        let namedRejects = try FileManager.default.contentsOfDirectory(atPath: folder + "/rejects6")
        let namedText = try String(contentsOfFile: folder + "/rejects6/" + (namedRejects.first ?? ""), encoding: .utf8)
        #expect(namedText.hasPrefix("\"fansync_disposition\",\"fansync_file\""), "\(namedText)")
        #expect(namedText.contains("\"Last Name\",\"reason\""))

        // JSON: the element, secrets left out.
        let json = folder + "/users.json"
        try Data(
            #"[{"id":"user_2","first_name":"Lee","email_addresses":[],"password_digest":"$2a$10$zzz","primary_email_address_id":null}]"#
                .utf8
        )
        .write(to: URL(fileURLWithPath: json))
        _ = try fansync(["import", "--db", db, "--rejects", folder + "/rejects4", json])
        let jsonRejects = try FileManager.default.contentsOfDirectory(atPath: folder + "/rejects4")
        let element = try String(contentsOfFile: folder + "/rejects4/" + (jsonRejects.first ?? ""), encoding: .utf8)
        #expect(element.contains("\"original\""))
        #expect(element.contains("\"\"id\"\":\"\"user_2\"\""), "\(element)")
        #expect(!element.contains("$2a$10$zzz"))
    }
}
