import FanSyncIO
import Foundation

@testable import FanSyncCSV

/// Writes `bytes` to a fresh temporary file and returns its path.
func write(_ bytes: [UInt8], name: String = "input.csv") throws -> String {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("fansync-csv-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

func write(_ text: String, name: String = "input.csv") throws -> String {
    try write(Array(text.utf8), name: name)
}

/// Every data record of `path` as (line, fields).
func readAll(
    _ path: String, chunkSize: Int, encoding: TextEncodingOption = .auto,
    delimiter: UInt8? = nil
) throws -> (reader: CSVReader, rows: [(line: Int, fields: [String])]) {
    let reader = try CSVReader(
        path: path,
        options: CSVReaderOptions(
            encoding: encoding.value, delimiter: delimiter,
            chunkSize: chunkSize))
    var rows: [(Int, [String])] = []
    while let record = try reader.next() { rows.append((record.position.line, record.fields)) }
    return (reader, rows)
}

/// A local alias so tests read `encoding: .windows1252`.
enum TextEncodingOption {
    case auto, utf8, windows1252, utf16
    var value: TextEncoding {
        switch self {
        case .auto: return .auto
        case .utf8: return .utf8
        case .windows1252: return .windows1252
        case .utf16: return .utf16
        }
    }
}

/// The chunk sizes every reader test runs with: 3 bytes makes records,
/// fields, CRLF pairs and multi-byte characters straddle chunk edges.
let chunkSizes = [3, 64 * 1024]

/// A small deterministic generator (SplitMix64) for property tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Quotes a field the RFC 4180 way when it needs it.
func quoted(_ field: String, delimiter: Character = ",") -> String {
    if field.contains(where: { $0 == delimiter || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return field
}
