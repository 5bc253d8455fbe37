/// One normalized fact read from one row of an export, with its provenance.
public struct Fact: Sendable, Equatable {
    public var kind: RecordKind
    /// The mapping that produced it (e.g. `stripe.payments`): the ledger's source.
    public var source: String
    /// The source's own id, or a hash of the mapped values when it has none.
    public var sourceID: String
    /// Where the row came from.
    public var file: String
    public var line: Int
    /// Values in the kind's schema order; `nil` where the row had none. (Changing them drops
    /// ``landing``, which was worked out from them.)
    public var values: [FieldValue?] { didSet { landing = nil } }
    /// Values of the row that fields could not use and left empty (nil, not an empty array, on
    /// the rows that have none: a fact is copied and freed on every row).
    var storedWarnings: [RowIssue]?
    /// Values of the row that fields could not use and left empty (the row is still accepted).
    public var warnings: [RowIssue] { storedWarnings ?? [] }
    /// What landing the fact works out from it, when the thread that mapped the row did so
    /// already (``FileMapper/map(path:options:library:progress:preparing:onFact:)``); nil otherwise.
    var landing: Landing?

    /// What the store works out from a fact before writing it (``Store/prepareLanding(_:)``): pure,
    /// so a mapping thread can do it while the store's thread lands the rows before.
    struct Landing: Sendable, Equatable {
        /// The fingerprint of the values (the ledger's content hash).
        var digest: StableHasher
        /// The type the fact is evidence for, its version and its event time.
        var rank: Int64
        var version: Int64
        var seenAt: Int64?
    }

    public init(
        kind: RecordKind, source: String, sourceID: String, file: String, line: Int, values: [FieldValue?],
        warnings: [RowIssue] = []
    ) {
        self.init(
            kind: kind, source: source, sourceID: sourceID, file: file, line: line, values: values,
            storedWarnings: warnings.isEmpty ? nil : warnings)
    }

    init(
        kind: RecordKind, source: String, sourceID: String, file: String, line: Int, values: [FieldValue?],
        storedWarnings: [RowIssue]?
    ) {
        self.kind = kind
        self.source = source
        self.sourceID = sourceID
        self.file = file
        self.line = line
        self.values = values
        self.storedWarnings = storedWarnings
    }

    /// The value of field `name`, or `nil`.
    public subscript(name: String) -> FieldValue? {
        guard let index = kind.slot(of: name), index < values.count else { return nil }
        return values[index]
    }

    /// The value of `field`, or `nil`.
    public subscript(field: FieldSlot) -> FieldValue? {
        guard let index = field.slot(in: kind), index < values.count else { return nil }
        return values[index]
    }

    /// The normalized email, when the fact has one.
    public var email: String? {
        guard case .email(let normalized, _)? = self[FieldSlot.email] else {
            return nil
        }
        return normalized
    }

    /// The store the fact names (a mapping may read it from a column), when it names one.
    public var storeName: String? {
        guard case .text(let name)? = self[FieldSlot.store], !name.isEmpty
        else { return nil }
        return name
    }
}

/// A row that could not be turned into a fact. Collected, not thrown: one
/// bad row never stops an import.
public struct RowIssue: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// A required field has no value in any of its columns.
        case missingRequired(field: String)
        /// A value the field's transforms reject (bad email, amount, date…).
        case invalidValue(field: String, reason: String)
        /// The row has no source id.
        case missingKey
        /// The record has a different number of fields than the header.
        case fieldCount(expected: Int, found: Int)
        /// The JSON element could not be parsed.
        case malformedJSON(String)
        /// The row has no email, and its customer id (if any) names no known customer.
        case unattributed(customerID: String?)
        /// Slash dates that read both month first and day first (read month first, the default):
        /// one per row while mapping, then one per file and column with the count.
        case ambiguousDates(field: String, count: Int)
    }

    public var file: String
    public var line: Int
    /// The 1-based column (CSV) of the offending value, when there is one.
    public var column: Int?
    /// The column's name (CSV) or path (JSON).
    public var columnName: String?
    /// The raw value (redacted when the column is sensitive).
    public var value: String?
    public var reason: Reason
    /// What became of the row: rejected, or accepted with a warning about this value.
    public var disposition: Disposition = .rejected
    /// The source row as read, for the rejects file (its columns as ``FileMapper`` names them
    /// there; secret columns left out). Nil when there is none (rows found unattributed in the store).
    public var row: [String]?

    public enum Disposition: String, Sendable, Equatable {
        /// The row was not imported.
        case rejected
        /// The row was imported; the value was left empty.
        case warning
        /// The row was imported but belongs to nobody yet: no email, and no known customer id.
        case unattributed
    }

    public init(
        file: String, line: Int, column: Int? = nil, columnName: String? = nil, value: String? = nil,
        reason: Reason, disposition: Disposition = .rejected
    ) {
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
        self.value = value
        self.reason = reason
        self.disposition = disposition
    }

    public var reasonText: String {
        switch reason {
        case .missingRequired(let field): return "no value for required field '\(field)'"
        case .invalidValue(let field, let why): return "field '\(field)': \(why)"
        case .missingKey: return "no source id"
        case .fieldCount(let expected, let found): return "expected \(expected) fields, found \(found)"
        case .malformedJSON(let why): return "invalid JSON: \(why)"
        case .unattributed(let id?):
            return "no email, and Customer ID \(id) is not known yet (kept unattributed: it counts no money until an "
                + "export names the customer)"
        case .unattributed(nil): return "no email and no Customer ID (kept unattributed: it counts no money)"
        case .ambiguousDates(let field, let count):
            return "field '\(field)': \(count) date" + (count == 1 ? "" : "s")
                + " like this one read both month first and "
                + "day first; read month first. Say { datetime: { order: mdy } } (or dmy) in the mapping"
        }
    }

    public var description: String {
        var location = "\(file):\(line)"
        if let column { location += ":\(column)" }
        let shown = value.map { " '\($0.escapingControlCharacters)'" } ?? ""
        let label = disposition == .rejected ? "" : disposition.rawValue + ": "
        return "\(location): " + label + reasonText.escapingControlCharacters
            + (columnName.map { " (column '\($0.escapingControlCharacters)'\(shown))" } ?? "")
    }
}
