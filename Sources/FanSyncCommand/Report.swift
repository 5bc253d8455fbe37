import ArgumentParser
import FanSyncKit
import Foundation

extension FanSync {
    struct ReportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract:
                "Write one self-contained HTML page of the store: cards, revenue and new customers by month, funnel, attribution, top customers, runs.",
            discussion: """
                The page needs no network (its charts are SVG written into it) and reads well in light and \
                dark mode and on paper. Its figures are those of `fansync stats` for the same store and period. \
                A job file's `report: PATH` writes it after every run.
                """)

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "The file to write.", completion: .file(extensions: ["html"]))
        var out = "report.html"

        @OptionGroup var period: PeriodOptions
        @Option(help: "Show times in this zone (IANA name) instead of UTC.")
        var tz: String?
        @Option(help: "How many top customers to list, each with its evidence.")
        var top = 10

        func validate() throws {
            if let tz, TimeZone(identifier: tz) == nil {
                throw ValidationError("--tz '\(tz)' is not a time zone; use an IANA name such as Europe/Berlin.")
            }
            if top < 0 { throw ValidationError("--top is how many customers to list: 0 or more, not \(top).") }
        }

        func run() throws {
            let store = try storeOptions.openExisting()
            let now = Int64(Date().timeIntervalSince1970)
            let options = ReportOptions(
                store: storeOptions.store, since: period.sinceTime, until: period.untilTime,
                asOf: period.asOfTime(now: now),
                zone: tz.flatMap(TimeZone.init(identifier:)), top: top)
            let timing = ProcessInfo.processInfo.environment["FANSYNC_TIMING"] == "1"
            let data = try ReportData.gather(
                from: store, options: options,
                timing: timing
                    ? { part, seconds in
                        printError(String(format: "  timing: %.2f s %@", seconds, part))
                    } : nil)
            try HTMLReport.write(data, to: out, generatedAt: now)
            printLine(
                "\(out): " + Plural.count(data.stats.customers, "customer") + ", " + Plural.count(data.fans, "fan")
                    + ", " + Plural.count(data.aggregates.revenueByMonth.count, "month") + " of revenue")
        }
    }
}
