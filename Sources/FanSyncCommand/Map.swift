import ArgumentParser
import FanSyncKit
import Foundation

extension FanSync {
    struct Map: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Map a file through its mapping and print the normalized facts as NDJSON.",
            discussion: """
                Shows what an import would store, without touching a store: one JSON object per \
                accepted row. The mapping is detected from the header unless --mapping names one. \
                Rejected rows are written to a CSV in the rejects folder and counted; the counts \
                (read = accepted + rejected) go to standard error.

                Exit status: 0, 2 when rows were rejected, 1 on failure.
                """)

        @OptionGroup var read: ReadOptions
        @OptionGroup var mappingOptions: MappingOptions

        @OptionGroup var input: InputOptions

        @Flag(help: "Print only the counts, not the facts.")
        var quiet = false

        @Argument(help: "The file to map; '-' reads standard input.", completion: .file())
        var file: String

        func run() throws {
            let library = mappingOptions.library()
            var options = input.mapOptions(read: read, mappingOptions: mappingOptions)
            options.issueSampleLimit = 20
            let output = OutputBuffer()
            let report = try FileMapper.map(path: file, options: options, library: library) { fact in
                if !quiet { output.write(FactJSON.line(fact)) }
            }
            output.flush()
            printFileReport(report)
            if report.rejected > 0 { throw ExitCode.completedWithRejects }
        }
    }
}

/// Prints a file's counts, notices and first issues to standard error.
func printFileReport(_ report: FileReport) {
    let how = report.mappingDetected ? "detected" : "chosen"
    var line =
        "\(report.file): mapping \(report.mapping) (\(how)): \(report.read) read, \(report.accepted) accepted, \(report.rejected) rejected"
    if report.warnings > 0 { line += ", " + Plural.count(report.warnings, "warning") }
    if let path = report.rejectsPath { line += " → \(path)" }
    printError(line)
    for notice in report.notices { printError("  notice: \(notice)") }
    if report.invalidPhones > 0 {
        printError(
            "  notice: " + Plural.count(report.invalidPhones, "phone number")
                + (report.invalidPhones == 1 ? " is" : " are")
                + " not valid; kept as written and flagged")
    }
    printIssues(report)
}

/// The first ten rejections and the first ten warnings of a file, then how many more.
func printIssues(_ report: FileReport) {
    let place = report.rejectsPath ?? "the rejects file"
    for issue in report.issues.prefix(10) { printError("  \(issue)") }
    if report.rejected > 10 { printError("  … and \(report.rejected - 10) more rejected rows in \(place)") }
    for warning in report.warningSamples.prefix(10) { printError("  \(warning)") }
    if report.warnings > 10 { printError("  … and \(report.warnings - 10) more warnings in \(place)") }
    for issue in report.unattributedSamples.prefix(10) { printError("  \(issue)") }
    if report.unattributed > 10 { printError("  … and \(report.unattributed - 10) more unattributed rows in \(place)") }
}
