import Foundation

/// How listings are printed.
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, csv, json, ndjson
}

extension ListingColumn {
    /// Whether the column is written in `format`.
    public func isShown(in format: OutputFormat) -> Bool {
        switch (outputs, format) {
        case (.all, _), (.text, .table), (.text, .csv), (.json, .json), (.json, .ndjson): return true
        default: return false
        }
    }
}

/// Numbers for people to read: thousands grouped with commas.
public enum NumberText {
    /// `1234567` → `1,234,567`; `-1200` → `-1,200`.
    public static func grouped(_ number: Int) -> String {
        (number < 0 ? "-" : "") + grouped(digits: String(number.magnitude))
    }

    /// A string of digits grouped by threes from the right.
    public static func grouped(digits: String) -> String {
        var whole = digits, grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        return whole + grouped
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
        let grouped = NumberText.grouped(digits: String(parts[0]))
        let amount = parts.count > 1 ? grouped + "." + parts[1] : grouped
        let symbols = [
            "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "INR": "₹",
            "CHF": "CHF ", "KRW": "₩", "BRL": "R$", "MXN": "MX$", "CNY": "CN¥",
        ]
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

}

/// Writes listings.
public enum ListingWriter {
    /// The whole listing as text in `format`.
    public static func render(_ listing: Listing, format: OutputFormat, formatter: ValueFormatter) -> String {
        var text = ""
        let printer = ListingPrinter(columns: listing.columns, format: format, formatter: formatter) { text += $0 }
        printer.sizingRows = max(1, listing.rows.count)  // all in memory already: sized by every row
        for row in listing.rows { printer.add(row) }
        printer.finish(total: listing.total)
        return text
    }

    static func object(_ row: some ListingRow, _ columns: [ListingColumn], _ formatter: ValueFormatter) -> String {
        "{" + columns.map { JSONText.quoted($0.name) + ":" + formatter.json(row, $0) }.joined(separator: ",") + "}"
    }

    static func csvCell(_ text: String) -> String {
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }
}

/// Prints a listing row by row, so a listing of any length takes little memory: CSV, JSON and
/// NDJSON rows go out as they come; a table is sized by its first ``sizingRows`` rows (later
/// cells wider than their column are cut with "…") and fitted to ``maxWidth`` by leaving out
/// columns from the right (``omitted`` names them).
public final class ListingPrinter {
    public let format: OutputFormat
    public let formatter: ValueFormatter
    /// The widest a table line may be (a terminal's columns), or nil for no limit.
    public let maxWidth: Int?
    /// Rows a table holds back to size its columns.
    public var sizingRows = 1000
    /// Columns a table left out to fit ``maxWidth``.
    public private(set) var omitted: [String] = []
    /// Rows printed.
    public private(set) var count = 0

    private var columns: [ListingColumn]
    private let write: (String) -> Void
    private var held: [[String]] = []
    private var widths: [Int]?
    private var shown: [Int] = []
    private var rightAligned: [Bool] = []
    private var buffer = ""

    public init(
        columns: [ListingColumn], format: OutputFormat, formatter: ValueFormatter, maxWidth: Int? = nil,
        write: @escaping (String) -> Void
    ) {
        self.columns = columns.filter { $0.isShown(in: format) }
        self.format = format
        self.formatter = formatter
        self.maxWidth = maxWidth
        self.write = write
        rightAligned = self.columns.map { column in
            switch column.kind {
            case .integer, .money: return true
            default: return false
            }
        }
        switch format {
        case .csv: emit(self.columns.map { ListingWriter.csvCell($0.header) }.joined(separator: ",") + "\r\n")
        case .json: emit("{\"rows\":[")
        case .table, .ndjson: break
        }
    }

    public func add(_ row: some ListingRow) {
        switch format {
        case .table:
            // Control characters from a source (a CR, a tab, an escape sequence) are shown, not sent to the terminal.
            let cells = columns.map {
                formatter.text(row, $0).replacingOccurrences(of: "\n", with: " ").escapingControlCharacters
            }
            if widths == nil {
                held.append(cells)
                if held.count >= sizingRows { flushHeld() }
            } else {
                emit(line(cells))
            }
        case .csv:
            emit(
                columns.map { column in
                    let cell = formatter.text(row, column, symbols: false)
                    switch column.kind {
                    case .text, .tags: return ListingWriter.csvCell(CSVSafety.neutralize(cell))
                    default: return ListingWriter.csvCell(cell)
                    }
                }.joined(separator: ",") + "\r\n")
        case .json:
            emit((count > 0 ? "," : "") + ListingWriter.object(row, columns, formatter))
        case .ndjson:
            emit(ListingWriter.object(row, columns, formatter) + "\n")
        }
        count += 1
    }

    /// Ends the listing (a JSON object carries `total` when given).
    public func finish(total: Int?) {
        switch format {
        case .table: if widths == nil { flushHeld() }
        case .json: emit("]" + (total.map { ",\"total\":\($0)" } ?? "") + "}\n")
        case .csv, .ndjson: break
        }
        if !buffer.isEmpty { write(buffer); buffer = "" }
    }

    private func emit(_ text: String) {
        buffer += text
        if buffer.utf8.count >= 64 * 1024 { write(buffer); buffer = "" }
    }

    /// Sizes the columns from the rows held, fits them, prints the header and the rows held.
    private func flushHeld() {
        var sizes = columns.map { DisplayWidth.of($0.header) }
        for row in held {
            for (index, cell) in row.enumerated() { sizes[index] = max(sizes[index], DisplayWidth.of(cell)) }
        }
        shown = Array(columns.indices)
        if let maxWidth {
            func total() -> Int { shown.map { sizes[$0] }.reduce(0, +) + 2 * max(0, shown.count - 1) }
            while shown.count > 1, total() > maxWidth { shown.removeLast() }
            omitted = columns.indices.filter { !shown.contains($0) }.map { columns[$0].name }
            // One column still too wide: it is cut.
            if let only = shown.first, shown.count == 1, sizes[only] > maxWidth { sizes[only] = max(1, maxWidth) }
        }
        widths = sizes
        emit(line(columns.map(\.header)))
        emit(line(sizes.map { String(repeating: "─", count: $0) }))
        for row in held { emit(line(row)) }
        held = []
    }

    private func line(_ values: [String]) -> String {
        guard let widths else { return "" }
        var text = ""
        for (position, index) in shown.enumerated() {
            var value = values[index]
            var width = DisplayWidth.of(value)
            if width > widths[index] {
                value = DisplayWidth.truncate(value, to: widths[index])
                width = DisplayWidth.of(value)
            }
            let pad = String(repeating: " ", count: widths[index] - width)
            if position > 0 { text += "  " }
            text += rightAligned[index] ? pad + value : value + pad
        }
        while text.last == " " { text.removeLast() }
        return text + "\n"
    }
}

/// How many terminal columns text takes: East Asian wide and fullwidth characters and emoji
/// take two, combining marks and other zero-width characters none, everything else one;
/// measured per character (grapheme cluster), so "é" written as e + U+0301 is one column and a
/// family emoji joined with U+200D is two.
public enum DisplayWidth {
    public static func of(_ text: String) -> Int {
        var total = 0
        for character in text { total += of(character) }
        return total
    }

    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.value < 0x7F { return first.value < 0x20 ? 0 : 1 }  // ASCII (a CR LF cluster is a control)
        if scalars.contains(where: { $0.properties.isEmojiPresentation })
            || (first.properties.isEmoji && scalars.contains("\u{FE0F}"))
        {
            return 2
        }
        var width = 0
        for scalar in scalars { width += of(scalar) }
        return min(2, width)
    }

    static func of(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control, .lineSeparator, .paragraphSeparator: return 0
        default: break
        }
        let value = scalar.value
        if (0x1160...0x11FF).contains(value) { return 0 }  // Hangul medial vowels and final consonants
        return wide.contains { $0.contains(value) } ? 2 : 1
    }

    /// East Asian Wide and Fullwidth blocks (UAX #11) outside the emoji.
    static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
        0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60,
        0xFFE0...0xFFE6, 0x1B000...0x1B2FF, 0x1F200...0x1F2FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    /// `text` cut to at most `width` columns, ending in "…" when anything was cut.
    public static func truncate(_ text: String, to width: Int) -> String {
        guard of(text) > width else { return text }
        guard width > 1 else { return width == 1 ? "…" : "" }
        var kept = "", used = 0
        for character in text {
            let next = of(character)
            if used + next > width - 1 { break }
            kept.append(character)
            used += next
        }
        return kept + "…"
    }
}

/// CSV cells that a spreadsheet would run as formulas are neutralized (OWASP:
/// prefix a single quote to cells starting with `=`, `+`, `-`, `@`, tab or CR).
///
/// Plain numbers and E.164 phone numbers (`-12.50`, `+14155550132`) are left
/// alone: they cannot run anything, and a quote would break a CRM import.
public enum CSVSafety {
    public static func neutralize(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else {
            return cell
        }
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
