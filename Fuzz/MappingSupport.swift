// Shared by the mapping and yaml harnesses: compiled into those two fuzz binaries.
import Foundation

@testable import FanSyncKit

/// Results equal, or printed the same (a NaN percent is not equal to itself).
func same<T: Equatable>(_ a: T, _ b: T) -> Bool {
    a == b || String(reflecting: a) == String(reflecting: b)
}

/// A fact's values fit its kind's schema.
func checkSchema(_ fact: Fact, mapping: Mapping) {
    let schema = fact.kind.schema
    Fuzz.check(
        fact.values.count == schema.count, "\(mapping.name): \(fact.values.count) values for \(schema.count) fields")
    Fuzz.check(!fact.sourceID.isEmpty, "\(mapping.name): a fact without source id: \(Fuzz.show(fact))")
    for (value, field) in zip(fact.values, schema) {
        guard let value else { continue }
        Fuzz.check(
            value.type == field.type,
            "\(mapping.name): field \(field.name) is \(field.type) but holds \(Fuzz.show(value))")
        if let allowed = field.allowed {
            Fuzz.check(
                allowed.contains(value.text),
                "\(mapping.name): field \(field.name) holds '\(value.text)', not one of \(allowed)")
        }
    }
}

/// The same mapping bound to JSON elements whose members are the CSV's columns (`from` read
/// as member names), or nil when a column's name is no plain member name.
func jsonTwin(of mapping: Mapping, settings: MappingSettings) -> CompiledMapping? {
    guard mapping.columns.allSatisfy({ !$0.isEmpty && !$0.contains(".") && !$0.contains("[") }) else { return nil }
    return try? CompiledMapping(jsonMapping: mapping, settings: settings)
}

/// A CSV row's outcome equals what the mapping's JSON twin makes of an object holding the same
/// values: one interpreter behind both readers, so only where a value came from (the CSV
/// column's number) may differ.
func checkTwin(
    _ twin: CompiledMapping, _ csv: Result<Fact, RowIssue>, fields: [String], header: [String], line: Int,
    file: String, mapping: Mapping
) {
    // The object's members carry the mapping's own names: the CSV binding finds a column
    // loosely (trimmed, any case), a JSON member only by its exact name.
    let index = HeaderIndex(header)
    var members: [String: JSONValue] = [:]
    for column in mapping.columns where members[column] == nil {
        if let position = index.find(column), position < fields.count { members[column] = .string(fields[position]) }
    }
    let json = twin.apply(JSONElement(index: 0, line: line, value: .object(members)), file: file)
    let agree: Bool
    switch (csv, json) {
    case (.success(let one), .success(let other)):
        agree =
            one.kind == other.kind && one.source == other.source && one.sourceID == other.sourceID
            && same(one.values, other.values)
            && one.warnings.map { String(reflecting: $0.reason) }
                == other.warnings.map { String(reflecting: $0.reason) }
    case (.failure(let one), .failure(let other)):
        agree = String(reflecting: one.reason) == String(reflecting: other.reason) && one.value == other.value
    default:
        agree = false
    }
    Fuzz.check(
        agree,
        """
        \(mapping.name): a CSV row and a JSON object of the same values map differently
          fields: \(Fuzz.show(fields))
          csv:    \(Fuzz.show(csv))
          json:   \(Fuzz.show(json))
        """)
}

/// Maps `fields` (one value per column of `header`) as CSV row `line`, checks the fact against
/// its schema, and the outcome against the JSON twin's, when there is one.
func mapRow(
    _ fields: [String], header: [String], line: Int, file: String, mapping: Mapping, csv: CompiledMapping,
    twin: CompiledMapping?
) {
    let record = CSVRecord(fields, position: CSVPosition(line: line, record: line - 1))
    let result = csv.apply(record, file: file, expectedFields: header.count)
    if case .success(let fact) = result { checkSchema(fact, mapping: mapping) }
    if let twin {
        checkTwin(twin, result, fields: fields, header: header, line: line, file: file, mapping: mapping)
    }
}
