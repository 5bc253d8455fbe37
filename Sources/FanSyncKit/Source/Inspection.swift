import FanSyncCSV
import FanSyncIO
import Foundation

/// The kind of an input file: CSV, or a JSON dump (array or NDJSON).
public enum InputFormat: String, Sendable, CaseIterable {
    case csv
    case json

    /// The format the file name suggests (`.json`, `.ndjson`, `.jsonl`, optionally followed by
    /// `.gz`, are JSON; `.csv`, `.tsv` and `.txt` are CSV); a name that says neither (standard
    /// input spooled to a file, a download without an extension) is sniffed: a first character
    /// of `[` or `{` is JSON, anything else CSV.
    public static func guess(path: String) -> InputFormat {
        var name = path.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if [".json", ".ndjson", ".jsonl"].contains(where: name.hasSuffix) { return .json }
        if [".csv", ".tsv", ".txt"].contains(where: name.hasSuffix) || path == "-" { return .csv }
        return sniff(path: path) ?? .csv
    }

    /// JSON when the first character after white space (and a byte-order mark) is `[` or `{`.
    static func sniff(path: String) -> InputFormat? {
        guard FileManager.default.isReadableFile(atPath: path), let input = try? TextInput(path: path) else {
            return nil
        }
        var head = [UInt8](repeating: 0, count: 4096)
        guard let count = try? input.read(into: &head), count > 0 else { return nil }
        guard let first = head[0..<count].first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return nil }
        return first == UInt8(ascii: "[") || first == UInt8(ascii: "{") ? .json : .csv
    }
}

/// What `fansync inspect` learns about a CSV file by reading all of it once.
public struct CSVInspection: Sendable {
    public struct Ragged: Sendable, Equatable {
        public var line: Int
        public var fields: Int
    }

    public var path: String
    public var encoding: DetectedEncoding
    public var hadByteOrderMark: Bool
    public var compressed: Bool
    public var delimiter: UInt8
    public var delimiterWasSniffed: Bool
    public var lineEndings: LineEndings
    public var header: [String]
    public var records = 0
    public var blankLines = 0
    public var lastLine = 0
    public var raggedCount = 0
    /// The first ragged records (at most ``CSVInspection/raggedLimit``).
    public var ragged: [Ragged] = []
    public var firstRecords: [CSVRecord] = []
    public var notices: [String] = []

    public static let raggedLimit = 50

    /// Reads every record of `path`, keeping the first `sample` records.
    public init(path: String, options: CSVReaderOptions = CSVReaderOptions(), sample: Int = 5) throws(CSVError) {
        let reader = try CSVReader(path: path, options: options)
        self.path = reader.displayName
        header = reader.headerNames
        var record = CSVRecord()
        while try reader.read(into: &record) {
            records += 1
            if firstRecords.count < sample { firstRecords.append(record) }
            if record.count != header.count {
                raggedCount += 1
                if ragged.count < Self.raggedLimit {
                    ragged.append(Ragged(line: record.position.line, fields: record.count))
                }
            }
        }
        encoding = reader.encoding
        hadByteOrderMark = reader.hadByteOrderMark
        compressed = reader.wasCompressed
        delimiter = reader.delimiter
        delimiterWasSniffed = reader.delimiterWasSniffed
        lineEndings = reader.lineEndings
        blankLines = reader.blankLines
        notices = reader.notices
    }
}

/// What `fansync inspect` learns about a JSON dump.
public struct JSONInspection: Sendable {
    public struct Problem: Sendable {
        public var line: Int
        public var index: Int
        public var reason: String
    }

    public var path: String
    public var layout: String
    public var compressed: Bool
    public var elements = 0
    public var firstElements: [JSONElement] = []
    /// Elements that are not valid JSON (skipped, reading went on).
    public var problems: [Problem] = []
    /// The member names seen on object elements, with how many elements have each.
    public var keys: [String: Int] = [:]

    public init(path: String, sample: Int = 3) throws(JSONReaderError) {
        let reader = try JSONStreamReader(path: path)
        self.path = reader.input.displayName
        while true {
            let element: JSONElement?
            do {
                element = try reader.next()
            } catch  where error.isSkippable {
                problems.append(Problem(line: error.line ?? 0, index: error.index ?? 0, reason: error.description))
                elements += 1
                continue
            }
            guard let element else { break }
            elements += 1
            if firstElements.count < sample { firstElements.append(element) }
            if case .object(let members) = element.value {
                for key in members.keys { keys[key, default: 0] += 1 }
            }
        }
        layout = reader.layout ?? "empty"
        compressed = reader.input.source.isCompressed
    }
}

/// Writes every record of an input as NDJSON, for checking conformance from outside.
public enum RecordDump {
    /// CSV: `{"line":N,"fields":[...]}` per record, the header first.
    public static func csv(path: String, options: CSVReaderOptions, write: (String) -> Void) throws(CSVError) {
        let reader = try CSVReader(path: path, options: options)
        if let header = reader.header { write(line(header.position.line, header.fields)) }
        let names = reader.headerNames
        var record = CSVRecord()
        while try reader.read(into: &record) {
            write(line(record.position.line, SensitiveColumns.masked(record.fields, header: names)))
        }
    }

    /// JSON: `{"index":N,"line":L,"value":{...}}` per element (object keys sorted).
    public static func json(path: String, write: (String) -> Void) throws(JSONReaderError) {
        let reader = try JSONStreamReader(path: path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        while let element = try reader.next() {
            let value =
                (try? encoder.encode(SensitiveColumns.masked(element.value)))
                .map { String(decoding: $0, as: UTF8.self) } ?? "null"
            write("{\"index\":\(element.index),\"line\":\(element.line),\"value\":\(value)}")
        }
    }

    static func line(_ number: Int, _ fields: [String]) -> String {
        var text = "{\"line\":\(number),\"fields\":["
        for (index, field) in fields.enumerated() {
            if index > 0 { text += "," }
            JSONText.appendQuoted(field, to: &text)
        }
        return text + "]}"
    }
}
