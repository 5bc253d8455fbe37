import FanSyncCSV
import FanSyncIO
import Foundation

/// Where a compiled field reads its raw text.
enum Reader {
    /// CSV: column indexes in the header (first non-empty wins, or all joined).
    case columns([Int], names: [String])
    /// JSON: parsed paths.
    case paths([JSONPath], names: [String])
}

/// A ``Mapping/Field`` bound to one input: names resolved once, steps compiled once.
struct CompiledField {
    let name: String
    let slot: Int
    let reader: Reader
    let joinSeparator: String?
    let steps: [(FieldValue, RowContext) -> StepResult]
    let required: Bool
    let invalidLeavesEmpty: Bool
    /// Money fields read other fields, so they run last.
    let runsLate: Bool
}

/// A ``Mapping`` bound to one file's header (CSV) or shape (JSON), ready to apply per row.
public struct CompiledMapping {
    public let mapping: Mapping
    let fields: [CompiledField]
    let keyReader: Reader?
    let slots: [String: Int]
    /// Notices from binding, such as optional columns the file lacks.
    public private(set) var notices: [String] = []

    /// Binds `mapping` to a CSV header.
    /// - Throws: ``MappingError`` when a required field or the key has none of its columns in the header.
    public init(_ mapping: Mapping, header: [String], settings: MappingSettings) throws(MappingError) {
        let index = HeaderIndex(header)
        func bind(_ names: [String]) -> [Int] { names.compactMap(index.find) }
        var keyReader: Reader?
        if case .column(let column) = mapping.key {
            guard let position = index.find(column) else {
                throw MappingError(file: mapping.file, line: 0, column: 0,
                                   message: "the key column '\(column)' is not in the file's header")
            }
            keyReader = .columns([position], names: [column])
        }
        var notices: [String] = []
        try self.init(mapping: mapping, keyReader: keyReader, settings: settings) { field throws(MappingError) in
            let positions = bind(field.from)
            if positions.isEmpty {
                if field.required {
                    throw MappingError(file: mapping.file, line: field.line, column: field.column,
                                       message: "required field '\(field.name)' reads " + field.from.map { "'\($0)'" }.joined(separator: " or ")
                                           + ", and the file's header has none of them")
                }
                notices.append("no column " + field.from.map { "'\($0)'" }.joined(separator: " or ")
                               + " in the header: field '\(field.name)' stays empty")
            }
            return .columns(positions, names: positions.map { header[$0] })
        }
        self.notices = notices
    }

    /// Binds `mapping` to JSON elements (paths parsed once).
    public init(jsonMapping mapping: Mapping, settings: MappingSettings) throws(MappingError) {
        var keyReader: Reader?
        if case .column(let path) = mapping.key {
            keyReader = .paths([try JSONPath(path, file: mapping.file)], names: [path])
        }
        try self.init(mapping: mapping, keyReader: keyReader, settings: settings) { field throws(MappingError) in
            var paths: [JSONPath] = []
            for path in field.from { paths.append(try JSONPath(path, file: mapping.file)) }
            return .paths(paths, names: field.from)
        }
    }

    private init(mapping: Mapping, keyReader: Reader?, settings: MappingSettings,
                 reader: (Mapping.Field) throws(MappingError) -> Reader) throws(MappingError) {
        self.mapping = mapping
        self.keyReader = keyReader
        let names = mapping.record.fieldNames
        var slots: [String: Int] = [:]
        for (slot, name) in names.enumerated() { slots[name] = slot }
        self.slots = slots
        var compiled: [CompiledField] = []
        for field in mapping.fields {
            guard let slot = slots[field.name] else { continue }
            var join: String?
            if case .join(let separator)? = field.transforms.first { join = separator }
            let runsLate = field.transforms.contains { if case .money = $0 { return true } else { return false } }
            compiled.append(CompiledField(
                name: field.name, slot: slot, reader: try reader(field), joinSeparator: join,
                steps: field.transforms.map { $0.compile(settings: settings) }, required: field.required,
                invalidLeavesEmpty: field.invalidLeavesEmpty, runsLate: runsLate))
        }
        fields = compiled.filter { !$0.runsLate } + compiled.filter(\.runsLate)
    }

    /// Maps one CSV record; `file` is the name used in provenance and issues.
    public func apply(_ record: CSVRecord, file: String, expectedFields: Int) -> Result<Fact, RowIssue> {
        let line = record.position.line
        if record.count != expectedFields {
            return .failure(RowIssue(file: file, line: line, reason: .fieldCount(expected: expectedFields, found: record.count)))
        }
        return apply(file: file, line: line) { reader in
            guard case .columns(let positions, _) = reader else { return [] }
            return positions.map { (column: $0 + 1, text: record[$0] ?? "") }
        }
    }

    /// Maps one JSON element.
    public func apply(_ element: JSONElement, file: String) -> Result<Fact, RowIssue> {
        apply(file: file, line: element.line) { reader in
            guard case .paths(let paths, _) = reader else { return [] }
            return paths.map { (column: nil, text: $0.text(in: element.value) ?? "") }
        }
    }

    /// The shared per-row path: read raw values, run steps, check the schema.
    private func apply(file: String, line: Int,
                       read: (Reader) -> [(column: Int?, text: String)]) -> Result<Fact, RowIssue> {
        var context = RowContext(values: [FieldValue?](repeating: nil, count: slots.count), slots: slots)
        let schema = mapping.record.schema
        for field in fields {
            let raw = read(field.reader)
            let chosen: (column: Int?, text: String)?
            if let separator = field.joinSeparator {
                let parts = raw.map { $0.text.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                chosen = parts.isEmpty ? nil : (raw.first?.column, parts.joined(separator: separator))
            } else {
                chosen = raw.first { !$0.text.isEmpty }
            }
            let names = Self.names(of: field.reader)
            func columnName(_ column: Int?) -> String? {
                guard let column, case .columns(let positions, let names) = field.reader,
                      let index = positions.firstIndex(of: column - 1) else { return names.first }
                return names[index]
            }
            guard let chosen else {
                if field.required {
                    return .failure(RowIssue(file: file, line: line, column: raw.first?.column, columnName: names.first,
                                             value: nil, reason: .missingRequired(field: field.name)))
                }
                continue
            }
            var value = FieldValue.text(chosen.text)
            var isEmpty = false
            for step in field.steps {
                switch step(value, context) {
                case .value(let next): value = next
                case .empty: isEmpty = true
                case .failure(let why):
                    if field.invalidLeavesEmpty { isEmpty = true; break }
                    let name = columnName(chosen.column)
                    let shown = name.map(SensitiveColumns.isSensitive) == true ? "[redacted]" : chosen.text
                    return .failure(RowIssue(file: file, line: line, column: chosen.column, columnName: name,
                                             value: shown, reason: .invalidValue(field: field.name, reason: why)))
                }
                if isEmpty { break }
            }
            if isEmpty {
                if field.required {
                    return .failure(RowIssue(file: file, line: line, column: chosen.column,
                                             columnName: columnName(chosen.column), value: chosen.text,
                                             reason: .missingRequired(field: field.name)))
                }
                continue
            }
            if let allowed = schema[field.slot].allowed, !allowed.contains(value.text) {
                return .failure(RowIssue(file: file, line: line, column: chosen.column,
                                         columnName: columnName(chosen.column), value: chosen.text,
                                         reason: .invalidValue(field: field.name,
                                                               reason: "'\(value.text)' is not one of " + allowed.joined(separator: ", "))))
            }
            context.values[field.slot] = value
        }
        let sourceID: String
        if let keyReader {
            guard let key = read(keyReader).first?.text.trimmingCharacters(in: .whitespaces), !key.isEmpty else {
                return .failure(RowIssue(file: file, line: line, column: nil, columnName: Self.names(of: keyReader).first,
                                         value: nil, reason: .missingKey))
            }
            sourceID = key
        } else {
            sourceID = Self.hash(context.values)
        }
        return .success(Fact(kind: mapping.record, source: mapping.name, sourceID: sourceID, file: file, line: line,
                             values: context.values))
    }

    static func names(of reader: Reader) -> [String] {
        switch reader {
        case .columns(_, let names), .paths(_, let names): return names
        }
    }

    /// A stable id for sources without one: FNV-1a (128-bit, as two 64-bit halves) over the mapped values.
    static func hash(_ values: [FieldValue?]) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        func feed(_ byte: UInt8) {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 &+ 0x9E37_79B9
        }
        for value in values {
            for byte in (value?.text ?? "").utf8 { feed(byte) }
            feed(0x1F)
        }
        return "h_" + String(a, radix: 16) + String(b, radix: 16)
    }
}

/// Header names to indexes: exact match first, then trimmed and case-insensitive.
struct HeaderIndex {
    let exact: [String: Int]
    let loose: [String: Int]

    init(_ header: [String]) {
        var exact: [String: Int] = [:], loose: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            if exact[name] == nil { exact[name] = index }
            let key = Self.loosen(name)
            if loose[key] == nil { loose[key] = index }
        }
        self.exact = exact
        self.loose = loose
    }

    func find(_ name: String) -> Int? { exact[name] ?? loose[Self.loosen(name)] }

    static func loosen(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespaces).lowercased()
    }
}
