import ArgumentParser
import FanSyncKit
import Foundation

extension FanSync {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import exports into the store and merge the people in them by email.",
            discussion: """
                Each file is detected by its header (or named with --mapping), streamed through its mapping \
                into the ledger, and the customers and fans it touched are recomputed, all in one transaction: \
                an interrupted import leaves the store as it was before that file. A file already imported \
                with the same content changes nothing. Rejected rows go to a CSV in the rejects folder.

                Exit status: 0 clean, 2 finished with rejected rows, 1 failed.
                """)

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var read: ReadOptions
        @OptionGroup var mappingOptions: MappingOptions

        @OptionGroup var input: InputOptions

        @Flag(help: "Print nothing but errors.")
        var quiet = false

        @Flag(help: "Print the summary as one JSON object.")
        var json = false

        @Argument(help: "Files to import ('-' reads standard input).", completion: .file())
        var files: [String]

        func run() throws {
            let store = try storeOptions.open()
            let importer = Importer(store: store, storeName: storeOptions.store, library: mappingOptions.library())
            let progress = ProgressLine(enabled: isatty(STDERR_FILENO) == 1 && !quiet)
            if progress.enabled {
                importer.onProgress = { file, read in progress.update(file: file, read) }
                importer.onPeopleProgress = { file, done, touched in
                    progress.update(
                        file: file,
                        message: "\(NumberText.grouped(done)) of \(NumberText.grouped(touched)) people merged")
                }
            }
            var options = input.mapOptions(read: read, mappingOptions: mappingOptions)
            options.issueSampleLimit = 1000
            var reports: [ImportReport] = []
            var failures: [(file: String, reason: String)] = []
            for file in files {
                do {
                    defer { progress.clear() }
                    let report = try importer.importFile(file, options: options)
                    progress.clear()
                    reports.append(report)
                    if !quiet && !json { printImport(report) }
                } catch {
                    progress.clear()
                    failures.append((file == "-" ? "<stdin>" : file, "\(error)"))
                    printError(Style.error("Error: ") + "\(error)")
                }
            }
            let failed = !failures.isEmpty
            let read = reports.reduce(0) { $0 + $1.file.read }
            let accepted = reports.reduce(0) { $0 + $1.file.accepted }
            let rejected = reports.reduce(0) { $0 + $1.file.rejected }
            if json {
                print(
                    Self.json(
                        reports, failures: failures, read: read, accepted: accepted, rejected: rejected, failed: failed)
                )
            } else if !quiet && files.count > 1 {
                printLine(
                    Style.summary(
                        "total: \(files.count) files, \(read) read, \(accepted) accepted, \(rejected) rejected"))
            }
            if failed { throw ExitCode.failure }
            if rejected > 0 && reports.contains(where: { !$0.alreadyImported && $0.file.rejected > 0 }) {
                throw ExitCode.completedWithRejects
            }
        }

        /// A file's line in the summary of `import` and `run`: counts, people, warnings, rejects file.
        static func summary(_ report: ImportReport) -> String {
            let file = report.file
            var line =
                "\(file.file): \(file.mapping): \(file.read) read, \(file.accepted) accepted "
                + "(" + Plural.count(report.people.new, "new person", "new people")
                + ", \(report.people.updated) updated, \(report.people.unchanged) unchanged), "
                + "\(file.rejected) rejected"
            if file.warnings > 0 { line += ", " + Plural.count(file.warnings, "warning") }
            if file.unattributed > 0 { line += ", \(file.unattributed) unattributed" }
            if let path = file.rejectsPath { line += " → \(path)" }
            return line
        }

        func printImport(_ report: ImportReport) {
            let file = report.file
            if report.alreadyImported {
                printLine(
                    "\(file.file): already imported with the same content (mapping \(file.mapping)); nothing changed")
                return
            }
            printLine(Self.summary(report))
            for notice in file.notices { printError("  notice: \(notice)") }
            if ProcessInfo.processInfo.environment["FANSYNC_TIMING"] == "1" {
                printError(
                    String(
                        format:
                            "  timing: %.2f s reading and landing rows, %.2f s recomputing people, %.2f s committing",
                        report.landSeconds, report.refreshSeconds, report.commitSeconds)
                        + (report.wroteOnce ? " (a first load: rollback journal)" : ""))
                let laps = report.peopleLaps
                printError(
                    String(
                        format:
                            "  timing, people: %.2f s ledger indexes, %.2f s finding who, %.2f s reading rows, "
                            + "%.2f s waiting for the merge, %.2f s writing, %.2f s people indexes",
                        laps.ledgerIndexes, laps.finding, laps.reading, laps.waiting, laps.writing,
                        laps.peopleIndexes))
            }
            if file.invalidPhones > 0 {
                printError(
                    "  notice: " + Plural.count(file.invalidPhones, "phone number")
                        + (file.invalidPhones == 1 ? " is" : " are")
                        + " not valid; kept as written and flagged")
            }
            printIssues(file)
        }

        static func json(
            _ reports: [ImportReport], failures: [(file: String, reason: String)], read: Int, accepted: Int,
            rejected: Int, failed: Bool
        ) -> String {
            var text = "{\"files\":["
            for (index, report) in reports.enumerated() {
                if index > 0 { text += "," }
                text +=
                    "{\"file\":" + JSONText.quoted(report.file.file) + ",\"mapping\":"
                    + JSONText.quoted(report.file.mapping)
                text +=
                    ",\"already_imported\":\(report.alreadyImported),\"read\":\(report.file.read),\"accepted\":\(report.file.accepted)"
                text += ",\"rejected\":\(report.file.rejected),\"warnings\":\(report.file.warnings)"
                text += ",\"unattributed\":\(report.file.unattributed)"
                text += ",\"people_new\":\(report.people.new)"
                text += ",\"people_updated\":\(report.people.updated),\"people_unchanged\":\(report.people.unchanged)"
                text += ",\"rejects\":" + (report.file.rejectsPath.map(JSONText.quoted) ?? "null") + "}"
            }
            // Files that could not be imported at all, with why (the store is as before each of them).
            text +=
                "],\"failed_files\":["
                + failures.map {
                    "{\"file\":" + JSONText.quoted($0.file) + ",\"reason\":" + JSONText.quoted($0.reason) + "}"
                }.joined(separator: ",")
            return text + "],\"read\":\(read),\"accepted\":\(accepted),\"rejected\":\(rejected),\"failed\":\(failed)}"
        }
    }
}
