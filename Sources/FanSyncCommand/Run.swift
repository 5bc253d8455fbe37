import ArgumentParser
import FanSyncKit
import Foundation

extension FanSync {
    struct RunJob: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a job file: import every source, refresh people, push what changed.",
            discussion: """
                Made for cron and systemd timers. A lock on the store keeps overlapping runs apart: a second \
                run waits up to --wait seconds, then exits 1 with a clear message. Files already imported \
                with the same content are skipped quickly; an interrupted run (even kill -9) leaves the store \
                and the endpoints consistent, and the next run finishes the work.

                Exit status: 0 clean, 2 finished with rejected rows, or with dead letters or records pending \
                at an endpoint (from this run or an earlier one), 1 failed.
                """)

        @Argument(
            help: "The job file (YAML; see \"fansync run JOB.yml\" in README.md).",
            completion: .file(extensions: ["yml", "yaml"]))
        var job: String

        @Flag(help: "Import into a scratch copy of the store and show the push plan without sending.")
        var dryRun = false

        @Option(help: "Seconds to wait for another run's lock.")
        var wait: Double = 0

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            let loaded = try JobFile.load(path: job, sending: !dryRun)
            let runner = JobRunner(job: loaded, dryRun: dryRun, wait: wait)
            let progress = ProgressLine(enabled: isatty(STDERR_FILENO) == 1 && !json)
            if progress.enabled {
                runner.onProgress = {
                    progress.clear(); printError($0)
                }
                runner.onFileProgress = { file, read in progress.update(file: file, read) }
            }
            let report = try runner.run()
            progress.clear()
            if json {
                printLine(Self.json(report))
            } else {
                for item in report.imports {
                    let file = item.file
                    if item.alreadyImported {
                        printLine("\(file.file): already imported, skipped")
                        continue
                    }
                    printLine(FanSync.Import.summary(item))
                    printIssues(file)
                }
                for plan in report.plans {
                    printLine(
                        "\(plan.endpoint): would create \(plan.create), update \(plan.update), leave \(plan.unchanged) unchanged (dry run: nothing sent)"
                    )
                    for sample in plan.samples { printLine("  " + sample) }
                }
                for push in report.pushes {
                    printLine(push.line)
                    if let outstanding = push.outstanding { printError(Style.warning("warning: ") + outstanding) }
                }
                for failure in report.failures { printError(Style.error("Error: ") + failure.description) }
                for warning in report.driftWarnings { printError(Style.warning("warning: ") + warning) }
                if let path = report.reportPath { printLine("report: \(path)") }
                if let problem = report.reportProblem { printError(Style.warning("warning: ") + problem) }
                for pattern in report.unmatchedSources {
                    printError(Style.warning("warning: ") + "the source \(pattern) matches no file")
                }
                printLine(
                    Style.summary(
                        "run \(report.runID.map(String.init) ?? "?")\(report.dryRun ? " (dry run)" : ""): \(report.outcome.rawValue), "
                            + Plural.count(report.customers, "customer") + ", " + Plural.count(report.fans, "fan")
                            + ", "
                            + String(format: "%.1f s", report.elapsed)))
            }
            switch report.outcome {
            case .ok: return
            case .rejects: throw ExitCode.completedWithRejects
            case .failed: throw ExitCode.failure
            }
        }

        static func json(_ report: JobReport) -> String {
            let files = report.imports.map { item in
                "{\"file\":\(JSONText.quoted(item.file.file)),\"mapping\":\(JSONText.quoted(item.file.mapping)),"
                    + "\"skipped\":\(item.alreadyImported),\"read\":\(item.file.read),\"accepted\":\(item.file.accepted),"
                    + "\"rejected\":\(item.file.rejected),\"warnings\":\(item.file.warnings),"
                    + "\"unattributed\":\(item.file.unattributed),"
                    + "\"people_new\":\(item.people.new),\"people_updated\":\(item.people.updated)}"
            }
            let pushes = report.pushes.map(\.jsonObject)
            let plans = report.plans.map { plan in
                "{\"endpoint\":\(JSONText.quoted(plan.endpoint)),\"create\":\(plan.create),\"update\":\(plan.update),\"unchanged\":\(plan.unchanged)}"
            }
            return
                "{\"run\":\(report.runID.map(String.init) ?? "null"),\"dry_run\":\(report.dryRun),\"outcome\":\"\(report.outcome.rawValue)\","
                + "\"files\":[" + files.joined(separator: ",") + "],\"pushes\":[" + pushes.joined(separator: ",") + "],"
                + "\"plans\":[" + plans.joined(separator: ",")
                + "],\"customers\":\(report.customers),\"fans\":\(report.fans),"
                + "\"failures\":[" + report.failures.map { JSONText.quoted($0.description) }.joined(separator: ",")
                + "],\"failure_details\":[" + report.failures.map(\.jsonObject).joined(separator: ",") + "],"
                + "\"unmatched_sources\":[" + report.unmatchedSources.map(JSONText.quoted).joined(separator: ",") + "],"
                + "\"drift\":" + (report.drift.map(JSONText.quoted) ?? "null")
                + ",\"report\":" + (report.reportPath.map(JSONText.quoted) ?? "null")
                + ",\"report_problem\":" + (report.reportProblem.map(JSONText.quoted) ?? "null") + ",\"elapsed\":"
                + String(format: "%.3f", report.elapsed) + "}"
        }
    }

    struct Runs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List past job runs with their counts and outcome.")

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "How many of the latest runs to show.")
        var limit = 20

        func run() throws {
            let store = try storeOptions.openExisting()
            let rows = try store.recentRuns(limit: limit)
            let columns: [ListingColumn] = [
                .init("id", .integer), .init("started_at", .timestamp), .init("finished_at", .timestamp),
                .init("outcome"),
                .init("files", .integer), .init("skipped", .integer), .init("rows_read", .integer),
                .init("rows_accepted", .integer),
                .init("rows_rejected", .integer), .init("people_new", .integer), .init("people_updated", .integer),
                .init("sent", .integer), .init("acknowledged", .integer), .init("dead", .integer),
                .init("customers", .integer),
                .init("fans", .integer), .init("drift"), .init("failures"),
            ]
            output.print(Listing(columns: columns, rows: rows, total: rows.count), noun: "runs", offset: 0)
        }
    }
}

extension JobFailure {
    /// `{"stage": "file", "subject": "exports/x.csv", "disposition": "skippable", "message": …}`.
    var jsonObject: String {
        let (stage, subject): (String, String?) =
            switch self.stage {
            case .sources: ("sources", nil)
            case .file(let path): ("file", path)
            case .endpoint(let name): ("endpoint", name)
            }
        return "{\"stage\":" + JSONText.quoted(stage) + ",\"subject\":" + (subject.map(JSONText.quoted) ?? "null")
            + ",\"disposition\":" + JSONText.quoted(disposition.rawValue) + ",\"message\":"
            + JSONText.quoted(message) + "}"
    }
}
