import ArgumentParser
import FanSyncKit
import Foundation

extension ExportKind: ExpressibleByArgument {}

extension FanSync {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every customer or fan as CSV, JSON or NDJSON, for a CRM import or a script.",
            discussion: """
                Columns come in a fixed order. CSV is UTF-8 with the headers ActiveCampaign's and Mailchimp's \
                import wizards recognize (Email Address, First Name, Last Name, Phone Number, Tags); text cells \
                starting with =, +, -, @, tab or CR get a leading ' so spreadsheets do not run them as formulas.
                """)

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: "customers or fans.")
        var kind: ExportKind

        @Option(help: "csv, json or ndjson.")
        var format: OutputFormat = .csv

        @Option(help: "The file to write; standard output when omitted.")
        var out: String?

        @Option(help: "Write times in this zone (IANA name) instead of UTC.")
        var tz: String?

        func validate() throws {
            if format == .table { throw ValidationError("export writes csv, json or ndjson.") }
        }

        func run() throws {
            let store = try storeOptions.openExisting()
            let formatter = ValueFormatter(zone: tz.flatMap(TimeZone.init(identifier:)))
            let handle: FileHandle
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: nil) else {
                    throw ValidationError("cannot create '\(out)'; check the folder exists and is writable.")
                }
                handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
            } else {
                handle = FileHandle.standardOutput
            }
            var buffer = Data()
            let count = try Exporter.export(
                kind, store: storeOptions.store, from: store, format: format, formatter: formatter
            ) { text in
                buffer.append(contentsOf: text.utf8)
                if buffer.count > 1 << 16 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try handle.write(contentsOf: buffer)
            if out != nil {
                try handle.close()
                printError("\(count) \(kind.rawValue) written to \(out ?? "")")
            }
        }
    }
}
