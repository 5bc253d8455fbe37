import Foundation

/// What `fansync export` writes.
public enum ExportKind: String, Sendable, CaseIterable {
    case customers, fans
}

/// Streams customers or fans to a file or standard output, one row at a time.
///
/// CSV headers follow the names ActiveCampaign's and Mailchimp's import
/// wizards match on their own (`Email Address`, `First Name`, `Last Name`,
/// `Phone Number`, `Tags`); other columns are mapped by hand in the wizard
/// or skipped. Text cells a spreadsheet would run as formulas are neutralized.
public enum Exporter {
    static let customerColumns: [(header: String, key: String, column: ListingColumn)] = [
        ("Email Address", "email", .init("email_display")), ("First Name", "first_name", .init("first_name")),
        ("Last Name", "last_name", .init("last_name")), ("Phone Number", "phone", .init("phone")),
        ("Tags", "tags", .init("tags", .tags)), ("Type", "type", .init("type")), ("Status", "status", .init("status")),
        // What the customer paid, in the currency they paid it in (the one with most purchases;
        // the others beside it), then the processor's converted figure.
        ("Total Spent", "total_spent", .init("total_spent", .money(currencyColumn: "currency"))),
        ("Currency", "currency", .init("currency")),
        ("Other Totals", "other_totals", .init("other_totals", in: .text)),
        ("Total Spent Minor", "total_spent_minor", .init("total_spent", .integer, in: .json)),
        ("Totals", "totals", .init("totals", .json, in: .json)),
        (
            "Settlement Total", "settlement_total",
            .init("settlement_net", .money(currencyColumn: "settlement_currency"))
        ),
        ("Settlement Currency", "settlement_currency", .init("settlement_currency")),
        ("Purchases", "purchases", .init("purchases", .integer)),
        ("First Purchase", "first_purchase_at", .init("first_purchase_at", .timestamp)),
        ("Last Purchase", "last_purchase_at", .init("last_purchase_at", .timestamp)),
        ("Repeat Customer", "repeat", .init("is_repeat", .bool)),
        ("First Source", "first_source", .init("first_source")),
        ("First Product", "first_product", .init("first_product")),
        ("Last Activity", "last_activity_at", .init("last_activity_at", .timestamp)),
    ]

    static let fanColumns: [(header: String, key: String, column: ListingColumn)] = [
        ("Email Address", "email", .init("email_display")), ("First Name", "first_name", .init("first_name")),
        ("Last Name", "last_name", .init("last_name")), ("Phone Number", "phone", .init("phone")),
        ("Tags", "tags", .init("tags", .tags)), ("Type", "type", .init("type")),
        ("Score", "score", .init("score", .integer)),
        ("DAW", "daw", .init("daw")), ("Genre", "genre", .init("genre")), ("Level", "level", .init("level")),
        ("Goals", "goals", .init("goals")), ("Source", "source", .init("first_source")),
        ("Last Activity", "last_activity_at", .init("last_activity_at", .timestamp)),
    ]

    /// Writes every customer or fan of `store` in `format` (csv, json or ndjson) through `write`;
    /// returns how many rows were written.
    @discardableResult
    public static func export(
        _ kind: ExportKind, store: String, from people: Store, format: OutputFormat,
        formatter: ValueFormatter, write: (String) throws -> Void
    ) throws -> Int {
        let columns = (kind == .customers ? customerColumns : fanColumns).filter { $0.column.isShown(in: format) }
        switch format {
        case .csv, .table:
            try write(columns.map { ListingWriter.csvCell($0.header) }.joined(separator: ",") + "\r\n")
        case .json:
            try write("[")
        case .ndjson:
            break
        }
        var count = 0
        try people.forEachPerson(in: store, customersOnly: kind == .customers) { row in
            switch format {
            case .csv, .table:
                try write(
                    columns.map { item -> String in
                        let cell = formatter.text(row, item.column, symbols: false)
                        switch item.column.kind {
                        case .text, .tags: return ListingWriter.csvCell(CSVSafety.neutralize(cell))
                        default: return ListingWriter.csvCell(cell)
                        }
                    }.joined(separator: ",") + "\r\n")
            case .json, .ndjson:
                let object =
                    "{"
                    + columns.map { JSONText.quoted($0.key) + ":" + formatter.json(row, $0.column) }
                    .joined(separator: ",") + "}"
                if format == .json { try write((count > 0 ? ",\n" : "\n") + object) } else { try write(object + "\n") }
            }
            count += 1
        }
        if format == .json { try write("\n]\n") }
        return count
    }
}
