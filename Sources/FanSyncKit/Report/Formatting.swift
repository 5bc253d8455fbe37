import Foundation

/// How listings are printed.
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, csv, json, ndjson
}

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

    /// Whether the column is written in `format`.
    public func isShown(in format: OutputFormat) -> Bool {
        switch (outputs, format) {
        case (.all, _), (.text, .table), (.text, .csv), (.json, .json), (.json, .ndjson): return true
        default: return false
        }
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
    public func tags(_ column: String) -> [String] { ValueFormatter.tags(value(column).string) }
}

extension Dictionary: ListingRow where Key == String, Value == ListingValue {
    public func value(_ column: String) -> ListingValue { self[column] ?? .null }
}

/// Rows of a query, ready to print in any ``OutputFormat``.
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

/// Renders values for people: money with its currency's decimals and symbol, times in UTC or a zone.
public struct ValueFormatter: Sendable {
    public var zone: TimeZone?

    public init(zone: TimeZone? = nil) { self.zone = zone }

    /// `¥4,700`, `$99.98`, `€1,250.00`, `KWD 12.500`.
    public static func money(_ minor: Int64, currency: String) -> String {
        let plain = Money.decimal(minor, currency: currency)
        let negative = plain.hasPrefix("-")
        let digits = negative ? String(plain.dropFirst()) : plain
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        grouped = whole + grouped
        let amount = parts.count > 1 ? grouped + "." + parts[1] : grouped
        let symbols = ["USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "INR": "₹",
                       "CHF": "CHF ", "KRW": "₩", "BRL": "R$", "MXN": "MX$", "CNY": "CN¥"]
        let symbol = symbols[currency] ?? currency + " "
        return (negative ? "-" : "") + symbol + amount
    }

    /// ISO 8601 in UTC (`2024-06-02T10:15:00Z`), or with the zone's offset.
    public func time(_ seconds: Int64) -> String {
        guard let zone, zone.identifier != "UTC", zone.identifier != "GMT" else { return UTCTime.iso8601(seconds) }
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        var text = UTCTime.iso8601(seconds + Int64(offset))
        text.removeLast()  // "Z"
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return text + sign + String(format: "%02d:%02d", magnitude / 3600, magnitude / 60 % 60)
    }

    /// A cell as display text: money with its symbol for tables, plain decimals for CSV.
    public func text(_ row: some ListingRow, _ column: ListingColumn, symbols: Bool = true) -> String {
        let value = row.value(column.name)
        switch column.kind {
        case .text, .integer, .json: return value.string ?? ""
        case .money(let currencyColumn):
            guard let minor = value.int else { return "" }
            let currency = row.value(currencyColumn).string ?? "USD"
            return symbols ? Self.money(minor, currency: currency) : Money.decimal(minor, currency: currency)
        case .timestamp: return value.int.map(time) ?? ""
        case .bool: return value.int.map { $0 != 0 ? "yes" : "no" } ?? ""
        case .tags: return row.tags(column.name).joined(separator: ", ")
        }
    }

    /// A cell as a JSON value.
    public func json(_ row: some ListingRow, _ column: ListingColumn) -> String {
        let value = row.value(column.name)
        if case .null = value { return "null" }
        switch column.kind {
        case .text: return JSONText.quoted(value.string ?? "")
        case .integer: return value.int.map(String.init) ?? JSONText.quoted(value.string ?? "")
        case .money(let currencyColumn):
            guard let minor = value.int else { return "null" }
            // Decimal text in major units: exact, unlike a float.
            return JSONText.quoted(Money.decimal(minor, currency: row.value(currencyColumn).string ?? "USD"))
        case .timestamp: return value.int.map { JSONText.quoted(time($0)) } ?? "null"
        case .bool: return value.int.map { $0 != 0 ? "true" : "false" } ?? "null"
        case .tags: return "[" + row.tags(column.name).map(JSONText.quoted).joined(separator: ",") + "]"
        case .json: return value.string ?? "null"
        }
    }

    static func tags(_ json: String?) -> [String] {
        guard let json, let data = json.data(using: .utf8),
              let list = try? JSONSerialization.jsonObject(with: data) as? [String] else { return [] }
        return list
    }
}

/// Writes listings.
public enum ListingWriter {
    /// The whole listing as text in `format`.
    public static func render(_ listing: Listing, format: OutputFormat, formatter: ValueFormatter) -> String {
        var listing = listing
        listing.columns = listing.columns.filter { $0.isShown(in: format) }
        switch format {
        case .table: return table(listing, formatter: formatter)
        case .csv:
            var text = listing.columns.map { csvCell($0.header) }.joined(separator: ",") + "\r\n"
            for row in listing.rows {
                text += listing.columns.map { column in
                    let cell = formatter.text(row, column, symbols: false)
                    if case .text = column.kind { return csvCell(CSVSafety.neutralize(cell)) }
                    if case .tags = column.kind { return csvCell(CSVSafety.neutralize(cell)) }
                    return csvCell(cell)
                }.joined(separator: ",") + "\r\n"
            }
            return text
        case .json:
            let objects = listing.rows.map { object($0, listing.columns, formatter) }
            var text = "{\"rows\":[" + objects.joined(separator: ",") + "]"
            if let total = listing.total { text += ",\"total\":\(total)" }
            return text + "}\n"
        case .ndjson:
            return listing.rows.map { object($0, listing.columns, formatter) + "\n" }.joined()
        }
    }

    static func object(_ row: [String: ListingValue], _ columns: [ListingColumn], _ formatter: ValueFormatter) -> String {
        "{" + columns.map { JSONText.quoted($0.name) + ":" + formatter.json(row, $0) }.joined(separator: ",") + "}"
    }

    static func csvCell(_ text: String) -> String {
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    static func table(_ listing: Listing, formatter: ValueFormatter) -> String {
        let cells = listing.rows.map { row in listing.columns.map { formatter.text(row, $0).replacingOccurrences(of: "\n", with: " ") } }
        var widths = listing.columns.map { $0.header.count }
        for row in cells { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        let rightAligned = listing.columns.map { column -> Bool in
            switch column.kind {
            case .integer, .money: return true
            default: return false
            }
        }
        func line(_ values: [String]) -> String {
            values.enumerated().map { index, value in
                let pad = String(repeating: " ", count: widths[index] - value.count)
                return rightAligned[index] ? pad + value : value + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var text = line(listing.columns.map(\.header)) + "\n"
        text += line(widths.map { String(repeating: "─", count: $0) }) + "\n"
        for row in cells { text += line(row) + "\n" }
        return text
    }
}

/// CSV cells that a spreadsheet would run as formulas are neutralized (OWASP:
/// prefix a single quote to cells starting with `=`, `+`, `-`, `@`, tab or CR).
///
/// Plain numbers and E.164 phone numbers (`-12.50`, `+14155550132`) are left
/// alone: they cannot run anything, and a quote would break a CRM import.
public enum CSVSafety {
    public static func neutralize(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return cell }
        if isPlainNumber(cell) { return cell }
        return "'" + cell
    }

    static func isPlainNumber(_ cell: String) -> Bool {
        var scalars = Substring(cell).unicodeScalars[...]
        if let sign = scalars.first, sign == "+" || sign == "-" { scalars = scalars.dropFirst() }
        guard !scalars.isEmpty, scalars.count <= 20 else { return false }
        var digits = 0, points = 0
        for scalar in scalars {
            if ("0"..."9").contains(scalar) { digits += 1 } else if scalar == "." { points += 1 } else { return false }
        }
        return digits > 0 && points <= 1
    }
}
