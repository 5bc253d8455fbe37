import ArgumentParser
import FanSyncKit
import Foundation

extension FanSync {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how fansync reads a file: encoding, delimiter, header, counts, ragged rows.",
            discussion: """
                Reads the whole file once. CSV: encoding, delimiter, line endings, the header, \
                the record count, ragged rows (field count differs from the header) with their \
                lines, and the first records. JSON (array or NDJSON): the layout, the element \
                count, the keys and the first elements.

                With --records every record is printed as NDJSON instead, the header first: \
                {"line": N, "fields": [...]} for CSV, {"index": N, "line": L, "value": {...}} for JSON.

                Exit status: 0, or 2 when the file has ragged rows or malformed JSON elements.
                """)

        @OptionGroup var read: ReadOptions

        @Flag(help: "Print every record as NDJSON instead of a summary.")
        var records = false

        @Option(help: "How many records to show in the summary.")
        var limit = 5

        @Option(
            help: "The input format: csv or json. Guessed from the file name (.json, .ndjson, .jsonl) when omitted.")
        var format: InputFormat?

        @Argument(
            help: "The file to inspect; '-' reads standard input. Gzip files are read transparently.",
            completion: .file())
        var file: String

        func validate() throws {
            if limit < 0 { throw ValidationError("--limit must be 0 or more.") }
        }

        func run() throws {
            let format = format ?? InputFormat.guess(path: file)
            if records {
                let output = OutputBuffer()
                defer { output.flush() }
                switch format {
                case .csv: try RecordDump.csv(path: file, options: read.csvOptions, write: output.write)
                case .json: try RecordDump.json(path: file, write: output.write)
                }
                return
            }
            switch format {
            case .csv:
                let inspection = try CSVInspection(path: file, options: read.csvOptions, sample: limit)
                print(Self.render(inspection), terminator: "")
                if inspection.raggedCount > 0 { throw ExitCode.completedWithRejects }
            case .json:
                let inspection = try JSONInspection(path: file, sample: limit)
                print(Self.render(inspection), terminator: "")
                if !inspection.problems.isEmpty { throw ExitCode.completedWithRejects }
            }
        }

        static func delimiterName(_ byte: UInt8) -> String {
            switch byte {
            case 0x09: return "tab"
            default: return "'" + String(UnicodeScalar(byte)) + "'"
            }
        }

        static func render(_ inspection: CSVInspection) -> String {
            var out = ""
            func row(_ label: String, _ value: String) {
                out += label.padding(toLength: 14, withPad: " ", startingAt: 0) + value + "\n"
            }
            row("file", inspection.path + (inspection.compressed ? " (gzip)" : ""))
            row(
                "encoding",
                inspection.encoding.rawValue + (inspection.hadByteOrderMark ? " (byte-order mark removed)" : ""))
            row(
                "delimiter",
                delimiterName(inspection.delimiter) + (inspection.delimiterWasSniffed ? " (sniffed)" : " (given)"))
            for notice in inspection.notices { row("notice", notice) }
            row("line endings", inspection.lineEndings.summary)
            row("header", "\(inspection.header.count) columns")
            for (index, name) in inspection.header.enumerated() {
                out += "  \(String(index + 1).leftPadded(to: 3))  \(name)\n"
            }
            row(
                "records",
                "\(inspection.records)"
                    + (inspection.blankLines > 0 ? " (\(inspection.blankLines) blank lines skipped)" : ""))
            row("ragged rows", "\(inspection.raggedCount)")
            for ragged in inspection.ragged {
                out += "  line \(ragged.line): \(ragged.fields) fields, header has \(inspection.header.count)\n"
            }
            if inspection.raggedCount > inspection.ragged.count {
                out += "  … and \(inspection.raggedCount - inspection.ragged.count) more\n"
            }
            if !inspection.firstRecords.isEmpty {
                out += "first records\n"
                for record in inspection.firstRecords {
                    out +=
                        "  line \(record.position.line): "
                        + SensitiveColumns.masked(record.fields, header: inspection.header).map(JSONText.quoted)
                        .joined(separator: ", ") + "\n"
                }
            }
            return out
        }

        static func render(_ inspection: JSONInspection) -> String {
            var out = ""
            func row(_ label: String, _ value: String) {
                out += label.padding(toLength: 14, withPad: " ", startingAt: 0) + value + "\n"
            }
            row("file", inspection.path + (inspection.compressed ? " (gzip)" : ""))
            row("format", "json (\(inspection.layout))")
            row("elements", "\(inspection.elements)")
            row("malformed", "\(inspection.problems.count)")
            for problem in inspection.problems.prefix(50) { out += "  \(problem.reason)\n" }
            if !inspection.keys.isEmpty {
                out += "keys\n"
                for (key, count) in inspection.keys.sorted(by: { $0.key < $1.key }) {
                    out += "  \(key) (\(count))\n"
                }
            }
            if !inspection.firstElements.isEmpty {
                out += "first elements\n"
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for element in inspection.firstElements {
                    let text =
                        (try? encoder.encode(SensitiveColumns.masked(element.value)))
                        .map { String(decoding: $0, as: UTF8.self) } ?? "?"
                    out += "  line \(element.line): \(text)\n"
                }
            }
            return out
        }
    }
}

extension InputFormat: ExpressibleByArgument {}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
