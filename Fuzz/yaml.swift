import Foundation

// libFuzzer harness: loading a mapping file (Mapping.load: Yams, then MappingParser's checks).
//
// The input is written to a file and loaded as a mapping. A file that fails must say why
// (at least one error, each with a message). A file that loads is then used as the loader
// promises it can be: bound to a CSV header naming every column it reads and applied to rows
// of typical and awkward values, where every fact must fit its kind's schema and each row must
// map as an object of the same values does through the mapping's JSON twin (one transform
// interpreter behind both readers); and bound as a JSON mapping (its columns parsed as JSON
// paths) and applied to NDJSON objects holding the same values, read as the importer reads them.
@testable import FanSyncKit

let settings: MappingSettings = {
    var settings = MappingSettings()
    settings.defaultCurrency = "usd"
    return settings
}()

/// Values the transforms meet in exports, good and bad.
let values = [
    "", " ", "x", " Alice ", "a@b.co", "A.B+tag@Example.COM ", "not an email", "+1 415 555 0100", "(415) 555-0100",
    "USD", "usd", "JPY", "XXX", "12.50", "-1,234.56", "1e3", "$5", "9223372036854775807", "99999999999999999999",
    "2024-01-02", "2024-01-02T03:04:05Z", "1/2/2024 13:45", "31/12/2024", "1700000000000", "true", "no", "50%", "0.5",
    "a, b, A", "N/A", "-", "Paid", "active", "é", "\u{A0}x\u{2003}", "Ω≈ç√", "\"quoted\"", "a\nb",
]

func exercise(_ mapping: Mapping) {
    Fuzz.check(!mapping.name.isEmpty, "a mapping without a name loaded")
    for field in mapping.fields {
        Fuzz.check(
            mapping.record.fieldNames.contains(field.name), "field '\(field.name)' is not in a \(mapping.record)")
        Fuzz.check(!field.from.isEmpty, "field '\(field.name)' reads no column")
    }
    var seen = Set<String>()
    let header = mapping.columns.filter { seen.insert($0).inserted }
    if let compiled = try? CompiledMapping(mapping, header: header, settings: settings) {
        let twin = jsonTwin(of: mapping, settings: settings)
        var rows: [[String]] = values.map { Array(repeating: $0, count: header.count) }
        rows.append(header.indices.map { values[$0 % values.count] })
        rows.append(header.indices.map { values[($0 * 7 + 3) % values.count] })
        for (number, fields) in rows.enumerated() {
            mapRow(
                fields, header: header, line: number + 2, file: "rows.csv", mapping: mapping, csv: compiled, twin: twin)
        }
    }
    // The same mapping read as JSON: `from` and `key` are JSON paths then. One object per
    // value, written as NDJSON and read back as the importer reads it.
    if let compiled = try? CompiledMapping(jsonMapping: mapping, settings: settings) {
        var lines: [UInt8] = []
        for (number, value) in values.enumerated() {
            var members: [String: JSONValue] = [:]
            for name in header { members[name] = .string(value) }
            members["nested"] = .object(["list": .array([.string(value), .integer(Int64(number))])])
            guard let line = try? encoder.encode(JSONValue.object(members)) else { continue }
            lines += line + [0x0A]
        }
        let path = Fuzz.write(lines, name: "rows.ndjson")
        if let reader = try? JSONStreamReader(path: path) {
            while let element = try? reader.next() {
                if case .success(let fact) = compiled.apply(element, file: path) { checkSchema(fact, mapping: mapping) }
            }
        }
    }
}

let encoder = JSONEncoder()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = Fuzz.write(UnsafeRawBufferPointer(start: data, count: size), name: "mapping.yml")
    do {
        exercise(try Mapping.load(path: path))
    } catch {
        Fuzz.check(!error.errors.isEmpty, "Mapping.load failed without saying why")
        for problem in error.errors {
            Fuzz.check(
                !problem.message.isEmpty && problem.line >= 0 && problem.column >= 0,
                "a problem without a message: \(problem)")
        }
        _ = error.description
    }
    return 0
}
