import Foundation

/// A column of a listing: its header and how to render a cell.
public struct ListingColumn: Sendable {
    public enum Kind: Sendable {
        case text
        case integer
        /// Minor units; the currency code is in another column.
        case money(currencyColumn: String)
        case timestamp
        case bool
        /// A JSON array of strings.
        case tags
        /// JSON text, written as it is in JSON outputs.
        case json
    }

    /// Which outputs carry a column.
    public enum Outputs: Sendable {
        case all
        /// Tables and CSV (a summary of what JSON gives in structured form).
        case text
        /// JSON and NDJSON (structured or machine-only values).
        case json
    }

    public var name: String
    public var header: String
    public var kind: Kind
    public var outputs: Outputs

    public init(_ name: String, header: String? = nil, _ kind: Kind = .text, in outputs: Outputs = .all) {
        self.name = name
        self.header = header ?? name
        self.kind = kind
        self.outputs = outputs
    }
}

/// One cell of a listing as the store holds it: nothing, a whole number, a real number or text.
public enum ListingValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var int: Int64? { if case .integer(let value) = self { return value } else { return nil } }
    /// The value as text (numbers written out), or nil for ``null``.
    public var string: String? {
        switch self {
        case .text(let value): return value
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .null: return nil
        }
    }
}

/// A row a ``ValueFormatter`` can read cells from, by column name.
public protocol ListingRow {
    /// The cell in `column`, ``ListingValue/null`` when the row has none.
    func value(_ column: String) -> ListingValue
    /// The labels in a ``ListingColumn/Kind/tags`` column.
    func tags(_ column: String) -> [String]
}

extension ListingRow {
    public func tags(_ column: String) -> [String] { JSONText.strings(value(column).string) }
}

extension Dictionary: ListingRow where Key == String, Value == ListingValue {
    public func value(_ column: String) -> ListingValue { self[column] ?? .null }
}

/// Rows of a query, ready to print (see ``ListingWriter``).
public struct Listing: Sendable {
    public var columns: [ListingColumn]
    public var rows: [[String: ListingValue]]
    /// All matches, not only the page shown.
    public var total: Int?

    public init(columns: [ListingColumn], rows: [[String: ListingValue]], total: Int? = nil) {
        self.columns = columns
        self.rows = rows
        self.total = total
    }
}
