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
        let report = try FileMapper.map(path: path, options: MapOptions(rejectsDirectory: folder + "/rejects"),
                                        library: builtInLibrary) { facts.append($0) }
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
        #expect(lines.first == #""disposition","file","line","column","column_name","value","reason""#)
        #expect(lines.filter { $0.hasPrefix(#""warning","#) }.count == 3)
        #expect(lines.filter { $0.hasPrefix(#""rejected","#) }.count == 1)
    }

    @Test("warnings are stored with the import; required fields still reject")
    func warningsAreStoredAndRequiredFieldsReject() throws {
        let store = try freshStore()
        let path = try writeFile(Self.customers, name: "customers.csv")
        let report = try importAll([path], into: store)[0]
        #expect(report.file.warnings == 3)
        let rows = try store.db.prepare("SELECT disposition, count(*) FROM rejects GROUP BY disposition ORDER BY 1").rows()
        #expect(rows == [[.text("rejected"), .integer(1)], [.text("warning"), .integer(3)]])
        #expect(try store.db.prepare("SELECT rows_warned FROM imports").rows() == [[.integer(3)]])
        #expect(try customer(store, "new@example.com")["type"] == .text("lead"))

        // A payment without an amount is no payment: its row is rejected, not warned about.
        let payments = try writeFile("""
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
