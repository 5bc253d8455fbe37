import FanSyncSQLite
import Foundation
import Testing

@testable import FanSyncKit

@Suite struct OptionalFieldsWarn {
    /// A Stripe customers export as it comes for a customer who never paid: no currency,
    /// so the informational Total Spend cannot be read; and a phone in an odd shape.
    static let customers = """
        id,Description,Email,Name,Phone,Created (UTC),Delinquent,Currency,Total Spend,Payment Count,Refunded Volume,Dispute Losses,Business Vat ID
        cus_New001,,new@example.com,New Person,,2024-06-02 10:14:00,false,,0.00,0,0.00,0.00,
        cus_Bad002,,not-an-email,Bad Email,,2024-06-02 10:14:00,false,usd,5.00,1,0.00,0.00,
        cus_Odd003,,odd@example.com,Odd Date,,sometime in June,maybe,usd,5.00,1,0.00,0.00,

        """

    @Test("an unusable optional value leaves the field empty and the row accepted, with a warning at its column")
    func optionalFieldsWarnInsteadOfRejecting() throws {
        let folder = try temporaryDirectory()
        let path = try writeFile(Self.customers, name: "customers.csv", in: folder)
        var facts: [Fact] = []
        let report = try FileMapper.map(
            path: path, options: MapOptions(rejectsDirectory: folder + "/rejects"),
            library: builtInLibrary
        ) { facts.append($0) }
        #expect(report.read == 3)
        #expect(report.accepted == 2)
        #expect(report.rejected == 1)  // the row whose email is not an email
        #expect(report.read == report.accepted + report.rejected)
        #expect(facts.map(\.sourceID) == ["cus_New001", "cus_Odd003"])
        #expect(facts[0]["total_spend"] == nil)
        #expect(report.warnings == 3)  // Total Spend without a currency; a date and a boolean that are not
        let warning = try #require(report.warningSamples.first)
        #expect(warning.disposition == .warning)
        #expect(warning.line == 2)
        #expect(warning.column == 9)
        #expect(warning.columnName == "Total Spend")
        #expect(warning.value == "0.00")
        #expect(warning.description.contains("warning:"))
        #expect(report.warningSamples.map(\.columnName) == ["Total Spend", "Created (UTC)", "Delinquent"])
        #expect(report.issues.first?.columnName == "Email")

        // The rejects file holds both, each with its disposition.
        let written = try String(contentsOfFile: try #require(report.rejectsPath), encoding: .utf8)
        let lines = written.split(whereSeparator: \.isNewline).map(String.init)
        #expect(
            lines.first?.hasPrefix(
                #""disposition","file","line","column","column_name","value","reason","id","Description","Email""#)
                == true)
        #expect(lines.filter { $0.hasPrefix(#""warning","#) }.count == 3)
        #expect(lines.filter { $0.hasPrefix(#""rejected","#) }.count == 1)
    }

    @Test("warnings are stored with the import; required fields still reject")
    func warningsAreStoredAndRequiredFieldsReject() throws {
        let store = try freshStore()
        let path = try writeFile(Self.customers, name: "customers.csv")
        let report = try importAll([path], into: store)[0]
        #expect(report.file.warnings == 3)
        let rows = try store.db.prepare("SELECT disposition, count(*) FROM rejects GROUP BY disposition ORDER BY 1")
            .rows()
        #expect(rows == [[.text("rejected"), .integer(1)], [.text("warning"), .integer(3)]])
        #expect(try store.db.prepare("SELECT rows_warned FROM imports").rows() == [[.integer(3)]])
        #expect(try customer(store, "new@example.com")["type"] == .text("lead"))

        // A payment without an amount is no payment: its row is rejected, not warned about.
        let payments = try writeFile(
            """
            id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer Email,Customer ID
            ch_1,2024-01-01 10:00,,0.00,usd,Paid,pay@example.com,cus_9

            """, name: "payments.csv")
        let paid = try importAll([payments], into: store)[0]
        #expect(paid.file.rejected == 1)
        #expect(paid.file.warnings == 0)
    }

    @Test("every built-in mapping rejects only for email, source id and required fields")
    func builtInMappingsWarnForOptionalFields() throws {
        for mapping in builtInLibrary.mappings {
            for field in mapping.fields {
                let expected: Mapping.OnInvalid = field.required || field.name == "email" ? .reject : .warn
                #expect(field.onInvalid == expected, "\(mapping.name).\(field.name)")
            }
        }
    }
}

@Suite struct SlashDates {
    @Test(
        "slash dates whose first two parts could each be the month are ambiguous",
        arguments: [
            ("3/4/2024", true), (" 3/4/2024 10:00", true), ("12/1/2024", true), ("3/3/2024", false),
            ("13/4/2024", false),
            ("3/13/2024", false), ("2024-03-04", false), ("03/04/2024", true), ("x3/4/2024", false),
        ])
    func ambiguity(text: String, expected: Bool) {
        var text = text
        #expect(text.withUTF8 { UTCTime.isAmbiguousSlashDate($0) } == expected)
    }

    @Test("a mapping that names the order is never warned about it")
    func explicitOrderIsNotWarned() throws {
        let folder = try temporaryDirectory()
        let mapping = try writeFile(
            """
            name: dated.list
            record: contact
            detect: [Email, Joined]
            key: none
            fields:
              email: { from: Email, transform: [email], required: true }
              created_at: { from: Joined, transform: [{ datetime: { order: dmy } }] }
            """, name: "dated.yml", in: folder)
        let file = try writeFile("Email,Joined\na@x.com,3/4/2024\nb@x.com,5/6/2024\n", name: "list.csv", in: folder)
        var facts: [Fact] = []
        let report = try FileMapper.map(
            path: file, options: MapOptions(mapping: mapping, rejectsDirectory: nil),
            library: builtInLibrary
        ) { facts.append($0) }
        #expect(report.warnings == 0)
        #expect(facts.first?["created_at"] == .timestamp(UTCTime.parse("2024-04-03")!))
        // The same file through the default order: one warning for the column, counting both.
        let loose = try writeFile(
            String(
                try String(contentsOfFile: mapping, encoding: .utf8)
                    .replacingOccurrences(of: "[{ datetime: { order: dmy } }]", with: "[datetime]")), name: "loose.yml",
            in: folder)
        let warned = try FileMapper.map(
            path: file, options: MapOptions(mapping: loose, rejectsDirectory: nil),
            library: builtInLibrary
        ) { _ in }
        #expect(warned.warnings == 1)
        #expect(warned.warningSamples.first?.reasonText.contains("2 dates") == true)
        #expect(warned.warningSamples.first?.line == 2)
    }
}

extension SlashDates {
    @Test("a slash value that is no date is warned about once, as not a date, never as ambiguous (fuzzer's find)")
    func aDateThatIsNoDateIsNotAmbiguous() throws {
        let folder = try temporaryDirectory()
        let header =
            "Contact ID,Email,First Name,Last Name,Phone,Organization,Tags,Date Created,Date Updated,DAW,Genre,Level,Goals\n"
        // The fuzzer's row (NULs inside the time), and the same row in plain text, through the byte
        // path of the CSV reader and, as JSON-free text, the same mapping.
        for updated in ["3/4/2024 10:0\u{0}\u{0}\u{0}'0", "3/4/2024 10:0x"] {
            let file = try writeFile(
                header + "201,kai@example.com,Kai,Nakamura,,,beats,20240131,\"\(updated)\",Bitwig,Trap,Beginner,\n",
                name: "contacts.csv", in: folder)
            var facts: [Fact] = []
            let report = try FileMapper.map(
                path: file, options: MapOptions(rejectsDirectory: nil), library: builtInLibrary
            ) {
                facts.append($0)
            }
            #expect(report.accepted == 1)
            #expect(report.warnings == 1, "\(report.warningSamples)")
            #expect(report.warningSamples.first?.reasonText.contains("not a date") == true)
            #expect(report.ambiguousDates.isEmpty)
        }
    }
}

@Suite struct JSONPathParity {
    @Test("the JSON path counts invalid phone numbers as the CSV path does")
    func invalidPhonesAreCountedInJSON() throws {
        let user = """
            {"id":"user_1","primary_email_address_id":"e1","primary_phone_number_id":"p1",\
            "email_addresses":[{"id":"e1","email_address":"a@example.com"}],\
            "phone_numbers":[{"id":"p1","phone_number":"+1 555 000"}],"created_at":1716200000000}
            """
        let file = try writeFile(user + "\n", name: "users.ndjson")
        let report = try FileMapper.map(path: file, options: MapOptions(rejectsDirectory: nil), library: builtInLibrary)
        { _ in }
        #expect(report.accepted == 1)
        #expect(report.invalidPhones == 1)
    }
}
