import FanSyncCSV
import Foundation
import Testing

@testable import FanSyncIO
@testable import FanSyncKit
@testable import FanSyncSQLite

@Suite(.serialized) struct JobRunnerTests {
    func job(_ yaml: String, in folder: String) throws -> Job {
        let path = folder + "/job.yml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try JobFile.load(path: path, environment: [:])
    }

    @Test("a job whose sources match no file fails at its sources, fatally, and still records the run")
    func sourcesThatMatchNothingAreAFatalFailure() throws {
        let folder = try temporaryDirectory()
        let report = try JobRunner(
            job: try job(
                """
                db: store.db
                sources:
                  - exports/missing-*.csv
                """, in: folder)
        ).run()
        #expect(report.outcome == .failed)
        let failure = try #require(report.failures.first)
        #expect(failure.stage == .sources)
        #expect(failure.disposition == .fatal)
        #expect(failure.description.contains("no source matches a file (\(folder)/exports/missing-*.csv)"))
        #expect(report.runID != nil)
    }

    @Test("a file that cannot be imported fails that file, skippably: the other files are imported")
    func oneBadFileIsSkippedAndTheOthersImported() throws {
        let folder = try temporaryDirectory()
        let good = folder + "/contacts.csv"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/samples/activecampaign/contacts.csv", toPath: good)
        try "".write(toFile: folder + "/empty.csv", atomically: true, encoding: .utf8)  // no header row
        let report = try JobRunner(
            job: try job(
                """
                db: store.db
                sources:
                  - path: empty.csv
                    mapping: activecampaign.contacts
                  - contacts.csv
                """, in: folder)
        ).run()
        #expect(report.outcome == .failed)
        #expect(report.failures.map(\.stage) == [.file(folder + "/empty.csv")])
        #expect(report.failures.first?.disposition == .skippable)
        #expect(report.imports.map(\.file.accepted) == [7])
    }

    @Test("a store another run holds is a retriable error naming the holder; an unset token a fatal one")
    func lockedStoresAreRetriableAndMissingTokensFatal() throws {
        let folder = try temporaryDirectory()
        let holder = try DatabaseLock(path: folder + "/store.db.lock", wait: 0, database: folder + "/store.db")
        defer { holder.release() }
        do {
            _ = try DatabaseLock(path: folder + "/store.db.lock", wait: 0, database: folder + "/store.db")
            Issue.record("a second lock on the same store was granted")
        } catch let error as JobError {
            #expect(error.kind == .locked(pid: String(getpid()), waited: 0))
            #expect(error.disposition == .retriable)
            #expect(error.description.contains("is in use by another fansync run (pid \(getpid()))"))
        }
        let missing = PushError(kind: .missingToken(variable: "CRM_TOKEN"), endpoint: "crm")
        #expect(missing.disposition == .fatal)
        #expect(
            missing.description == "endpoint 'crm': the environment variable CRM_TOKEN is not set. "
                + "Export the token as CRM_TOKEN and run again.")
    }

    @Test("every error a run can meet says what can be done about it")
    func errorsCarryTheirDisposition() {
        struct Unknown: Error {}
        #expect(ErrorDisposition.of(Unknown()) == .fatal)
        #expect(
            ErrorDisposition.of(DatabaseError(code: 5, message: "database is locked", sql: nil, path: "s.db"))
                == .retriable)
        #expect(ErrorDisposition.of(DatabaseError(code: 19, message: "constraint", sql: nil, path: "s.db")) == .fatal)
        #expect(ErrorDisposition.of(CSVError(.emptyFile, path: "a.csv")) == .fatal)
        #expect(ErrorDisposition.of(FileMapError.csv(CSVError(.unterminatedQuote, path: "a.csv", line: 3))) == .fatal)
        var element = JSONReaderError(kind: .malformedElement("a number ends early"), path: "u.json")
        #expect(ErrorDisposition.of(element) == .skippable)
        element.kind = .malformedStructure("a stray ]")
        #expect(ErrorDisposition.of(element) == .fatal)
        #expect(ErrorDisposition.of(StoreError.newerSchema(found: 12, known: 9, path: "s.db")) == .fatal)
        #expect(ErrorDisposition.of(ConfigErrors(errors: [])) == .fatal)
    }
}
