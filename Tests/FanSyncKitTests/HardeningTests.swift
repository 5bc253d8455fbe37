import Foundation
import Testing

@testable import FanSyncKit

@Suite struct JobFileChecks {
    @Test("a job naming a mapping that does not exist fails at load, at the mapping's line")
    func unknownMappingIsCaughtUpFront() throws {
        let folder = try temporaryDirectory()
        let job = try writeFile(
            """
            store: default
            db: store.db
            sources:
              - \(repositoryRoot)/samples/activecampaign/contacts.csv
              - { path: \(repositoryRoot)/samples/stripe/customers.csv, mapping: stripe.customer }
            """, name: "job.yml", in: folder)
        do {
            _ = try JobFile.load(path: job, environment: [:])
            Issue.record("expected the unknown mapping to be reported")
        } catch {
            #expect(error.errors.count == 1)
            let problem = try #require(error.errors.first)
            #expect(problem.file == job)
            #expect(problem.line == 5)
            #expect(problem.message.contains("no mapping named 'stripe.customer'"))
            #expect(problem.message.contains("Did you mean 'stripe.customers'?"))
        }
    }

    @Test("a job whose mappings all exist loads")
    func knownMappingsLoad() throws {
        let folder = try temporaryDirectory()
        let job = try writeFile(
            """
            sources:
              - { path: x.csv, mapping: stripe.customers }
            """, name: "job.yml", in: folder)
        #expect(try JobFile.load(path: job, environment: [:]).sources.first?.mapping == "stripe.customers")
    }
}

@Suite struct EchoedValues {
    @Test("control characters in a rejected value are shown escaped, never raw")
    func nulBytesAreEscaped() {
        let issue = RowIssue(
            file: "a.csv", line: 3, column: 2, columnName: "Email", value: "bo\u{0}b@x\u{1B}[31m.com",
            reason: .invalidValue(field: "email", reason: "not an email address: 'bo\u{0}b'"))
        let text = issue.description
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 })
        #expect(text.contains("bo\\0b@x\\u{1B}[31m.com"))
        #expect(text.contains("'bo\\0b'"))
    }

    @Test("text without control characters is unchanged")
    func plainTextIsUnchanged() {
        #expect("Zoë 🎧, a@b.c".escapingControlCharacters == "Zoë 🎧, a@b.c")
        #expect("a\tb\r\n".escapingControlCharacters == "a\\tb\\r\\n")
    }
}
