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
/// A class, so the per-row loop passes one reference instead of copying a dozen.
final class CompiledField {
    let name: String
    let slot: Int
    let reader: Reader
    /// The CSV column indexes (empty for JSON).
    let positions: [Int]
    let joinSeparator: String?
    let required: Bool
    let onInvalid: Mapping.OnInvalid
    /// A date field whose mapping leaves the slash order to the default: dates that read
    /// both ways are noted (and reported once per file).
    let flagsAmbiguousDates: Bool
    /// The values the kind's schema allows, for text fields that have a fixed set.
    let allowed: Set<String>?
    /// Money fields read other fields, so they run last.
    let runsLate: Bool

    init(
        name: String, slot: Int, reader: Reader, joinSeparator: String?, required: Bool,
        onInvalid: Mapping.OnInvalid, flagsAmbiguousDates: Bool, allowed: Set<String>?, runsLate: Bool
    ) {
        self.name = name
        self.slot = slot
        self.reader = reader
        if case .columns(let positions, _) = reader { self.positions = positions } else { self.positions = [] }
        self.joinSeparator = joinSeparator
        self.required = required
        self.onInvalid = onInvalid
        self.flagsAmbiguousDates = flagsAmbiguousDates
        self.allowed = allowed
        self.runsLate = runsLate
    }

    /// The name of the column (CSV, 1-based) or path a value came from.
    func columnName(_ column: Int?) -> String? {
        switch reader {
        case .columns(let positions, let names):
            guard let column, let index = positions.firstIndex(of: column - 1) else { return names.first }
            return names[index]
        case .paths(_, let names):
            return names.first
        }
    }
}

/// How a row's loop runs one field, in plain numbers: the loop walks these without
/// touching a class or a closure (each would be retained and released per row).
struct FieldPlan {
    /// The field's index in ``CompiledMapping/fields`` (for issues and JSON paths).
    var field: Int
    var slot: Int
    /// The field's CSV columns, as a range of ``CompiledMapping/planPositions``.
    var positions: Range<Int>
    /// The field's chain, as a range of ``CompiledMapping/planSteps``.
    var steps: Range<Int>
    /// Where in the chain its first `default` is (-1: none): a field without a value goes on there.
    var defaultAt: Int
    /// The field joins all its columns (`join`) instead of taking the first with a value.
    var joins: Bool
    var required: Bool
    /// The field has a fixed set of values to check.
    var checked: Bool
    /// Slash dates that read both ways are noted (``CompiledField/flagsAmbiguousDates``), kept here
    /// so the hot path never copies the compiled field out of its array to ask.
    var flagsAmbiguousDates: Bool
}

/// A record's bytes and field ends, borrowed for one row.
struct RowBytes {
    let bytes: UnsafeBufferPointer<UInt8>
    let ends: UnsafeBufferPointer<Int>

    /// Field `index`'s bytes.
    subscript(index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]])
    }

    func isEmpty(_ index: Int) -> Bool { ends[index] == (index == 0 ? 0 : ends[index - 1]) }
}

/// A ``Mapping`` bound to one file's header (CSV) or shape (JSON), ready to apply per row.
public struct CompiledMapping {
    public let mapping: Mapping
    /// The facts' ledger source (``Mapping/ledgerSource``), made once.
    let ledgerSource: String
    let fields: [CompiledField]
    let keyReader: Reader?
    /// The key's CSV column index, when the key is a column.
    let keyPosition: Int?
    /// The slots hashed into the key when the source has no id (all when empty).
    let keySlots: [Int]
    let slotCount: Int
    /// The loop's view of `fields` (same order), their columns and their chains.
    let plans: [FieldPlan]
    let planPositions: [Int]
    let planSteps: [Step]
    let program: TransformProgram
    /// Notices from binding, such as optional columns the file lacks.
    public private(set) var notices: [String] = []

    /// Binds `mapping` to a CSV header.
    /// - Throws: ``ConfigError`` when a required field or the key has none of its columns in the header.
    public init(_ mapping: Mapping, header: [String], settings: MappingSettings) throws(ConfigError) {
        let index = HeaderIndex(header)
        func bind(_ names: [String]) -> [Int] { names.compactMap(index.find) }
        var keyReader: Reader?
        if case .column(let column) = mapping.key {
            guard let position = index.find(column) else {
                throw ConfigError(
                    file: mapping.file, line: 0, column: 0,
                    message: "the key column '\(column)' is not in the file's header")
            }
            keyReader = .columns([position], names: [column])
        }
        var notices: [String] = []
        try self.init(mapping: mapping, keyReader: keyReader, settings: settings) { field throws(ConfigError) in
            let positions = bind(field.from)
            if positions.isEmpty {
                if field.required {
                    throw ConfigError(
                        file: mapping.file, line: field.line, column: field.column,
                        message: "required field '\(field.name)' reads "
                            + field.from.map { "'\($0)'" }.joined(separator: " or ")
                            + ", and the file's header has none of them")
                }
                notices.append(
                    "no column " + field.from.map { "'\($0)'" }.joined(separator: " or ")
                        + " in the header: field '\(field.name)' stays empty")
            }
            return .columns(positions, names: positions.map { header[$0] })
        }
        self.notices = notices
    }

    /// Binds `mapping` to JSON elements (paths parsed once).
    public init(jsonMapping mapping: Mapping, settings: MappingSettings) throws(ConfigError) {
        var keyReader: Reader?
        if case .column(let path) = mapping.key {
            keyReader = .paths([try JSONPath(path, file: mapping.file)], names: [path])
        }
        try self.init(mapping: mapping, keyReader: keyReader, settings: settings) { field throws(ConfigError) in
            var paths: [JSONPath] = []
            for path in field.from { paths.append(try JSONPath(path, file: mapping.file)) }
            return .paths(paths, names: field.from)
        }
    }

    private init(
        mapping: Mapping, keyReader: Reader?, settings: MappingSettings,
        reader: (Mapping.Field) throws(ConfigError) -> Reader
    ) throws(ConfigError) {
        self.mapping = mapping
        ledgerSource = mapping.ledgerSource
        self.keyReader = keyReader
        if case .columns(let positions, _)? = keyReader { keyPosition = positions.first } else { keyPosition = nil }
        let names = mapping.record.fieldNames
        var slots: [String: Int] = [:]
        for (slot, name) in names.enumerated() { slots[name] = slot }
        slotCount = names.count
        if case .hash(let fields) = mapping.key { keySlots = fields.compactMap { slots[$0] } } else { keySlots = [] }
        var compiled: [(field: CompiledField, steps: [Step])] = []
        var program = TransformProgram.Builder(settings: settings)
        for field in mapping.fields {
            guard let slot = slots[field.name] else { continue }
            var join: String?
            if case .join(let separator)? = field.transforms.first { join = separator }
            let runsLate = field.transforms.contains { if case .money = $0 { return true } else { return false } }
            let allowed = mapping.record.schema[slot].allowed.map(Set.init)
            compiled.append(
                (
                    CompiledField(
                        name: field.name, slot: slot, reader: try reader(field), joinSeparator: join,
                        required: field.required, onInvalid: field.onInvalid,
                        flagsAmbiguousDates: field.transforms.contains {
                            if case .datetime(_, _, _, false) = $0 { return true } else { return false }
                        },
                        allowed: allowed, runsLate: runsLate),
                    program.compile(field.transforms, slots: slots, slot: slot, allowed: allowed)
                ))
        }
        compiled = compiled.filter { !$0.field.runsLate } + compiled.filter(\.field.runsLate)
        fields = compiled.map(\.field)
        var plans: [FieldPlan] = [], positions: [Int] = [], steps: [Step] = []
        for (index, (field, chain)) in compiled.enumerated() {
            let columns = positions.count..<(positions.count + field.positions.count)
            positions += field.positions
            plans.append(
                FieldPlan(
                    field: index, slot: field.slot, positions: columns,
                    steps: steps.count..<(steps.count + chain.count),
                    defaultAt: chain.firstIndex { if case .defaultValue = $0 { return true } else { return false } }
                        ?? -1,
                    joins: field.joinSeparator != nil, required: field.required, checked: field.allowed != nil,
                    flagsAmbiguousDates: field.flagsAmbiguousDates))
            steps += chain
        }
        self.plans = plans
        planPositions = positions
        planSteps = steps
        self.program = TransformProgram(program)
    }

    /// Runs `body` with the row's scratch: per slot, the exponent a currency step found in this
    /// row (-1 where none did; money fields read it), and the plans' columns and steps.
    @inline(__always)
    private func withScratch<Result>(
        _ body: (
            UnsafeMutableBufferPointer<Int8>, UnsafeBufferPointer<FieldPlan>, UnsafeBufferPointer<Int>,
            UnsafeBufferPointer<Step>
        ) -> Result
    ) -> Result {
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: max(slotCount, 1)) { exponents in
            exponents.initialize(repeating: -1)
            return plans.withUnsafeBufferPointer { plans in
                planPositions.withUnsafeBufferPointer { positions in
                    planSteps.withUnsafeBufferPointer { steps in body(exponents, plans, positions, steps) }
                }
            }
        }
    }

    /// Maps one CSV record; `file` is the name used in provenance and issues.
    public func apply(_ record: CSVRecord, file: String, expectedFields: Int) -> Result<Fact, RowIssue> {
        let line = record.position.line
        if record.count != expectedFields {
            return .failure(
                RowIssue(file: file, line: line, reason: .fieldCount(expected: expectedFields, found: record.count)))
        }
        var context = RowContext(values: Self.emptyValues(slotCount))
        var key: String?
        let issue = record.withBytes { bytes, ends -> RowIssue? in
            let row = RowBytes(bytes: bytes, ends: ends)
            if let keyPosition { key = String(decoding: ByteText.trimmed(row[keyPosition]), as: UTF8.self) }
            // (Spelled out rather than through `withScratch`: its closure copied the whole mapping, nine
            // retains a row, measured with callgrind.)
            return withUnsafeTemporaryAllocation(of: Int8.self, capacity: max(slotCount, 1)) { exponents -> RowIssue? in
                exponents.initialize(repeating: -1)
                return plans.withUnsafeBufferPointer { plans in
                    planPositions.withUnsafeBufferPointer { positions in
                        planSteps.withUnsafeBufferPointer { steps in
                            for plan in plans {
                                let columns = UnsafeBufferPointer(rebasing: positions[plan.positions])
                                let chain = UnsafeBufferPointer(rebasing: steps[plan.steps])
                                let issue: RowIssue?
                                if plan.joins {
                                    issue = fillJoined(
                                        plan, chain, columns: columns, row: row, exponents: exponents,
                                        context: &context, file: file, line: line)
                                } else if let chosen = columns.first(where: { !row.isEmpty($0) }) {
                                    issue = fill(
                                        plan, chain, raw: row[chosen], column: chosen + 1, exponents: exponents,
                                        context: &context, file: file, line: line)
                                } else {
                                    issue = missing(
                                        plan, chain, column: columns.first.map { $0 + 1 }, exponents: exponents,
                                        context: &context, file: file, line: line)
                                }
                                if let issue { return issue }
                            }
                            return nil
                        }
                    }
                }
            }
        }
        if let issue { return .failure(issue) }
        return finish(context, key: key, file: file, line: line)
    }

    /// Maps one JSON element.
    public func apply(_ element: JSONElement, file: String) -> Result<Fact, RowIssue> {
        var context = RowContext(values: Self.emptyValues(slotCount))
        let line = element.line
        let issue = withScratch { exponents, plans, _, steps -> RowIssue? in
            for plan in plans {
                guard case .paths(let paths, _) = fields[plan.field].reader else { continue }
                let chain = UnsafeBufferPointer(rebasing: steps[plan.steps])
                let issue: RowIssue?
                if plan.joins {
                    let parts = paths.compactMap { $0.text(in: element.value)?.trimmed }.filter { !$0.isEmpty }
                    issue = fill(
                        plan, chain, joining: parts, column: nil, exponents: exponents, context: &context,
                        file: file, line: line)
                } else if var chosen = paths.lazy.compactMap({ $0.text(in: element.value) }).first(where: {
                    !$0.isEmpty
                }) {
                    issue = chosen.withUTF8 { raw in
                        fill(
                            plan, chain, raw: raw, column: nil, exponents: exponents, context: &context, file: file,
                            line: line)
                    }
                } else {
                    issue = missing(
                        plan, chain, column: nil, exponents: exponents, context: &context, file: file, line: line)
                }
                if let issue { return issue }
            }
            return nil
        }
        if let issue { return .failure(issue) }
        var key: String?
        if let keyReader, case .paths(let paths, _) = keyReader { key = paths.first?.text(in: element.value)?.trimmed }
        return finish(context, key: key, file: file, line: line)
    }

    /// A field whose columns are all empty: its chain's `default`, if it has one (and what the
    /// steps after it make of that); else the row's issue when the field is required.
    private func missing(
        _ plan: FieldPlan, _ chain: UnsafeBufferPointer<Step>, column: Int?,
        exponents: UnsafeMutableBufferPointer<Int8>, context: inout RowContext, file: String, line: Int
    ) -> RowIssue? {
        if plan.defaultAt >= 0 {
            return fill(
                plan, UnsafeBufferPointer(rebasing: chain[plan.defaultAt...]),
                raw: UnsafeBufferPointer(start: nil, count: 0),
                column: column, exponents: exponents, context: &context, file: file, line: line)
        }
        guard plan.required else { return nil }
        let field = fields[plan.field]
        return RowIssue(
            file: file, line: line, column: column, columnName: field.columnName(column), value: nil,
            reason: .missingRequired(field: field.name))
    }

    /// A CSV `join` field: its columns' non-empty values, trimmed, joined, then through its chain.
    private func fillJoined(
        _ plan: FieldPlan, _ chain: UnsafeBufferPointer<Step>, columns: UnsafeBufferPointer<Int>, row: RowBytes,
        exponents: UnsafeMutableBufferPointer<Int8>, context: inout RowContext, file: String, line: Int
    ) -> RowIssue? {
        var parts: [String] = []
        var first: Int?
        for position in columns {
            let part = ByteText.trimmed(row[position])
            if !part.isEmpty {
                parts.append(String(decoding: part, as: UTF8.self))
                first = first ?? position
            }
        }
        return fill(
            plan, chain, joining: parts, column: (first ?? columns.first).map { $0 + 1 }, exponents: exponents,
            context: &context, file: file, line: line)
    }

    /// A `join` field: its non-empty parts joined, then through its chain.
    private func fill(
        _ plan: FieldPlan, _ chain: UnsafeBufferPointer<Step>, joining parts: [String], column: Int?,
        exponents: UnsafeMutableBufferPointer<Int8>, context: inout RowContext, file: String, line: Int
    ) -> RowIssue? {
        guard !parts.isEmpty, let separator = fields[plan.field].joinSeparator else {
            return missing(
                plan, chain, column: column, exponents: exponents, context: &context, file: file, line: line)
        }
        var joined = parts.joined(separator: separator)
        return joined.withUTF8 { raw in
            fill(plan, chain, raw: raw, column: column, exponents: exponents, context: &context, file: file, line: line)
        }
    }

    /// A field's value (`raw`, not empty) through its chain, stored; returns the row's issue, if any.
    @inline(__always)
    private func fill(
        _ plan: FieldPlan, _ chain: UnsafeBufferPointer<Step>, raw: UnsafeBufferPointer<UInt8>, column: Int?,
        exponents: UnsafeMutableBufferPointer<Int8>, context: inout RowContext, file: String, line: Int
    ) -> RowIssue? {
        let result: StepResult
        switch program.run(chain, raw, exponents: exponents, row: &context) {
        case .interned(let text):
            // A table's text: stored as is when the field allows it (known when compiling).
            if !plan.checked || program.textAllowed[text] {
                context.values[plan.slot] = .text(program.texts[text])
                return nil
            }
            result = .value(.text(program.texts[text]))
        case .done(.value(let value)) where !plan.checked:
            context.values[plan.slot] = value
            // Date fields without an `order`: a slash date that read both ways is noted.
            if plan.flagsAmbiguousDates {
                noteAmbiguousDate(fields[plan.field], raw, column: column, context: &context, file: file, line: line)
            }
            return nil
        case .done(let done):
            result = done
        }
        return settle(
            fields[plan.field], result, raw: raw, column: column, context: &context, file: file, line: line)
    }

    /// Stores a field's outcome, or says why the row is rejected; `raw` is the value's bytes,
    /// made a String only when a rejection shows it.
    private func settle(
        _ field: CompiledField, _ result: StepResult, raw bytes: UnsafeBufferPointer<UInt8>, column: Int?,
        context: inout RowContext, file: String, line: Int
    ) -> RowIssue? {
        func raw() -> String { String(decoding: bytes, as: UTF8.self) }
        let value: FieldValue
        switch result {
        case .value(let final):
            value = final
            if field.flagsAmbiguousDates {
                noteAmbiguousDate(field, bytes, column: column, context: &context, file: file, line: line)
            }
        case .empty:
            if field.required {
                return RowIssue(
                    file: file, line: line, column: column, columnName: field.columnName(column),
                    value: raw(), reason: .missingRequired(field: field.name))
            }
            return nil
        case .failure(let why):
            if field.onInvalid == .skip { return nil }
            let name = field.columnName(column)
            let shown = name.map(SensitiveColumns.isSensitive) == true ? "[redacted]" : raw()
            return invalid(
                field,
                RowIssue(
                    file: file, line: line, column: column, columnName: name, value: shown,
                    reason: .invalidValue(field: field.name, reason: why)), context: &context)
        }
        if let allowed = field.allowed, !allowed.contains(value.text) {
            if field.onInvalid == .skip { return nil }
            return invalid(
                field,
                RowIssue(
                    file: file, line: line, column: column, columnName: field.columnName(column),
                    value: raw(),
                    reason: .invalidValue(
                        field: field.name,
                        reason: "'\(value.text)' is not one of " + allowed.sorted().joined(separator: ", "))),
                context: &context)
        }
        context.values[field.slot] = value
        return nil
    }

    /// Notes a slash date that reads both month first and day first (reported once per file).
    private func noteAmbiguousDate(
        _ field: CompiledField, _ raw: UnsafeBufferPointer<UInt8>, column: Int?,
        context: inout RowContext, file: String, line: Int
    ) {
        guard raw.contains(UInt8(ascii: "/")), UTCTime.isAmbiguousSlashDate(raw) else { return }
        context.warnings =
            (context.warnings ?? []) + [
                RowIssue(
                    file: file, line: line, column: column, columnName: field.columnName(column),
                    value: String(decoding: raw, as: UTF8.self),
                    reason: .ambiguousDates(field: field.name, count: 1), disposition: .warning)
            ]
    }

    /// A value a field cannot use: the row's rejection, or (for a field the record can do
    /// without) a warning kept with the row, the field left empty.
    private func invalid(_ field: CompiledField, _ issue: RowIssue, context: inout RowContext) -> RowIssue? {
        guard field.onInvalid == .warn else { return issue }
        var warning = issue
        warning.disposition = .warning
        context.warnings = (context.warnings ?? []) + [warning]
        return nil
    }

    private func finish(_ context: RowContext, key: String?, file: String, line: Int) -> Result<Fact, RowIssue> {
        let sourceID: String
        if let keyReader {
            guard let key, !key.isEmpty else {
                return .failure(
                    RowIssue(
                        file: file, line: line, column: keyPosition.map { $0 + 1 },
                        columnName: Self.names(of: keyReader).first, value: nil, reason: .missingKey))
            }
            sourceID = key
        } else {
            sourceID = Self.hash(keySlots.isEmpty ? context.values : keySlots.map { context.values[$0] })
        }
        return .success(
            Fact(
                kind: mapping.record, source: ledgerSource, sourceID: sourceID, file: file, line: line,
                values: context.values, storedWarnings: context.warnings))
    }

    /// `count` empty values. (`Array(repeating:count:)` copied the enum element by element:
    /// about 2,000 instructions a row, measured with callgrind.)
    static func emptyValues(_ count: Int) -> [FieldValue?] {
        [FieldValue?](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.initialize(repeating: nil)
            initialized = count
        }
    }

    static func names(of reader: Reader) -> [String] {
        switch reader {
        case .columns(_, let names), .paths(_, let names): return names
        }
    }

    /// A stable id for sources without one: a 128-bit FNV-1a over the mapped values.
    static func hash(_ values: [FieldValue?]) -> String {
        var hasher = StableHasher()
        for value in values { hasher.combine(value?.text ?? "") }
        return "h_" + hasher.hexDigest
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
