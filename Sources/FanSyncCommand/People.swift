import ArgumentParser
import FanSyncKit
import Foundation

/// How listings print.
struct OutputOptions: ParsableArguments {
    @Option(help: "table (the default in a terminal), csv, json or ndjson (the default when piped: ndjson).")
    var format: OutputFormat?

    @Option(help: "Show times in this zone (IANA name) instead of UTC.")
    var tz: String?

    @Flag(help: "Print only the rows: no totals line.")
    var quiet = false

    @Flag(help: "Tables: show every column, even past the terminal's width.")
    var wide = false

    func validate() throws {
        if let tz, TimeZone(identifier: tz) == nil {
            throw ValidationError("--tz '\(tz)' is not a time zone; use an IANA name such as Europe/Berlin.")
        }
    }

    var resolvedFormat: OutputFormat { format ?? (isatty(STDOUT_FILENO) == 1 ? .table : .ndjson) }
    var formatter: ValueFormatter { ValueFormatter(zone: tz.flatMap(TimeZone.init(identifier:))) }

    /// Prints a listing already in memory.
    func print(_ listing: Listing, noun: String, offset: Int) {
        let printer = makePrinter(listing.columns)
        printer.sizingRows = max(1, listing.rows.count)  // in memory already: sized by every row
        for row in listing.rows { printer.add(row) }
        finish(printer, total: listing.total, noun: noun, offset: offset)
    }

    /// Prints rows as `produce` hands them over (it returns the total of matches): any number
    /// of rows in little memory.
    func stream(
        columns: [ListingColumn], noun: String, offset: Int,
        _ produce: (_ each: (any ListingRow) throws -> Void) throws -> Int
    ) throws -> Int {
        let printer = makePrinter(columns)
        let total = try produce { printer.add($0) }
        finish(printer, total: total, noun: noun, offset: offset)
        return total
    }

    private func makePrinter(_ columns: [ListingColumn]) -> ListingPrinter {
        let format = resolvedFormat
        // Fitted only on a terminal (COLUMNS, when set, says how wide it is); a pipe gets every column.
        let width = format == .table && !wide && isatty(STDOUT_FILENO) == 1 ? TerminalSize.columns(STDOUT_FILENO) : nil
        return ListingPrinter(columns: columns, format: format, formatter: formatter, maxWidth: width) {
            FileHandle.standardOutput.write(Data($0.utf8))
        }
    }

    private func finish(_ printer: ListingPrinter, total: Int?, noun: String, offset: Int) {
        printer.finish(total: total)
        guard resolvedFormat == .table else { return }
        if !printer.omitted.isEmpty {
            printError(
                Style.notice("note: ") + "left out to fit the terminal: " + printer.omitted.joined(separator: ", ")
                    + " (--wide shows every column, --format csv or json every value)")
        }
        if !quiet, let total {
            printError(Self.countLine(shown: printer.count, total: total, noun: noun, offset: offset))
        }
    }

    /// "1–20 of 1,234 customers", "1 of 1 customer", "no customers", "none of 12 customers (--offset 40 is past the end)".
    static func countLine(shown: Int, total: Int, noun: String, offset: Int) -> String {
        let singular = noun.hasSuffix("s") ? String(noun.dropLast()) : noun
        let name = total == 1 ? singular : noun
        if total == 0 { return "no \(noun)" }
        if shown == 0 {
            return "none of \(NumberText.grouped(total)) \(name) shown"
                + (offset >= total ? " (--offset \(offset) is past the end)" : " (--limit 0)")
        }
        let first = NumberText.grouped(offset + 1), last = NumberText.grouped(offset + shown)
        let range = shown == 1 ? first : first + "–" + last
        return "\(range) of \(NumberText.grouped(total)) \(name)"
    }
}

extension OutputFormat: ExpressibleByArgument {}
extension PeopleSort: ExpressibleByArgument {}
extension Segment: ExpressibleByArgument {}

struct PersonTypeArgument: ExpressibleByArgument {
    var type: PersonType
    init?(argument: String) {
        guard let type = PersonType(name: argument) else { return nil }
        self.type = type
    }
    static var allValueStrings: [String] { PersonType.allCases.map(\.name) }
}

/// Filters both listings share.
struct PeopleFilterOptions: ParsableArguments {
    @Option(help: "Only this type: user, lead, paying or subscription (repeatable).")
    var type: [PersonTypeArgument] = []

    @Option(help: "Only people with this tag (case-insensitive).")
    var tag: String?

    @Option(help: "Only people known to this source (a mapping name, e.g. stripe.payments).")
    var source: String?

    @Option(
        name: .customLong("min-spent"),
        help: "Only people who spent at least this much, in major units of their settlement currency.")
    var minSpent: String?

    @Option(name: .customLong("as-of"), help: "The date segments count back from (yyyy-MM-dd), instead of today.")
    var asOf: String?

    // `.unconditional`: `--limit -3` reaches validate() and is explained, instead of being
    // taken for an option.
    @Option(parsing: .unconditional, help: "How many rows to show.")
    var limit: Int?

    @Option(parsing: .unconditional, help: "How many rows to skip (for paging).")
    var offset = 0

    func validate() throws {
        if let minSpent, Self.amount(minSpent) == nil {
            throw ValidationError("--min-spent takes an amount such as 100, 1000, 1,000 or 49.99 (not '\(minSpent)').")
        }
        if let asOf, UTCTime.parse(asOf) == nil { throw ValidationError("--as-of takes a date, e.g. 2025-03-01.") }
        if let limit, limit < 0 { throw ValidationError("--limit is how many rows to show: 0 or more, not \(limit).") }
        if offset < 0 { throw ValidationError("--offset is how many rows to skip: 0 or more, not \(offset).") }
    }

    /// A non-negative amount in major units, read whole: digits with an optional decimal part,
    /// thousands separated by commas in groups of three or not at all. (`Decimal(string:)`
    /// alone read `1,000` as 1, stopping at the comma.)
    static func amount(_ text: String) -> Decimal? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.range(of: #"^(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$"#, options: .regularExpression) != nil else {
            return nil
        }
        return Decimal(
            string: trimmed.replacingOccurrences(of: ",", with: ""), locale: Locale(identifier: "en_US_POSIX"))
    }

    func filter(store: String) -> PeopleFilter {
        var filter = PeopleFilter(store: store)
        filter.types = type.map(\.type)
        filter.tag = tag
        filter.source = source
        filter.minSpent = minSpent.flatMap(Self.amount)
        if let asOf, let seconds = UTCTime.parse(asOf) { filter.asOf = seconds }
        return filter
    }
}

/// After an empty listing, says which filter names nothing in the store, and what it holds
/// (a typo in a store, source or status gives an empty answer, which must not look like "none").
func noticeUnknownNames(in people: Store, store: String, source: String?, status: String?) throws {
    let known = try people.knownNames(store: store, sources: source != nil, statuses: status != nil)
    func list(_ names: [String]) -> String { names.isEmpty ? "none yet" : names.joined(separator: ", ") }
    if !known.stores.contains(store) {
        printError(
            Style.notice("notice: ") + "no store named '\(store)' holds people; stores: \(list(known.stores)) (--store)"
        )
    }
    if let source, let sources = known.sources, !sources.contains(source) {
        printError(
            Style.notice("notice: ") + "no source named '\(source)' in store '\(store)'; sources: \(list(sources))")
    }
    if let status, let statuses = known.statuses, !statuses.contains(status) {
        printError(
            Style.notice("notice: ")
                + "no subscription has the status '\(status)' in store '\(store)'; statuses: \(list(statuses))")
    }
}

extension FanSync {
    struct Customers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List customers: who paid, how much, how often, and what they are now.",
            discussion: """
                Customers are people with evidence of at least a lead (registered users with nothing else \
                are fans only). total_spent is in the currency the customer paid (the one with most \
                purchases; the others in other_totals, or totals in JSON, with settlement_total beside them). \
                The count of every match is printed after the table (standard error), whatever --limit says.
                """)

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var filters: PeopleFilterOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "Only this subscription status (active, trialing, past_due, canceled…).")
        var status: String?

        @Option(
            help: """
                total-spent, last-activity, first-purchase or name. total-spent orders by the settlement \
                total (the processor's converted amount, comparable across currencies); amounts are shown \
                in the currency each customer paid.
                """)
        var sort: PeopleSort = .totalSpent

        func run() throws {
            let store = try storeOptions.openExisting()
            var filter = filters.filter(store: storeOptions.store)
            filter.status = status
            let total = try output.stream(columns: Store.customerColumns, noun: "customers", offset: filters.offset) {
                each in
                try store.customers(
                    matching: filter, sort: sort, limit: filters.limit, offset: filters.offset, each: each)
            }
            if total == 0 {
                try noticeUnknownNames(in: store, store: storeOptions.store, source: filters.source, status: status)
            }
        }
    }

    struct Fans: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List fans: everyone with an email, with tags, engagement score and producer profile.",
            discussion: "Segments:\n"
                + Segment.allCases.map { "  \($0.rawValue): \($0.definition)" }.joined(separator: "\n")
                + "\n\nScore: a purchase adds floor(net amount in major units of the settlement currency / 10).")

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var filters: PeopleFilterOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "Only fans using this DAW (e.g. \"FL Studio\").")
        var daw: String?
        @Option(help: "Only fans of this genre.")
        var genre: String?
        @Option(help: "Only fans at this level.")
        var level: String?
        @Option(
            help: ArgumentHelp(
                "A named group: registered-not-purchased, engaged-not-purchased, high-value-low-engagement, repeat or lapsed (see below)."
            ))
        var segment: Segment?

        @Option(help: "score, last-activity or name.")
        var sort: PeopleSort = .score

        func run() throws {
            let store = try storeOptions.openExisting()
            var filter = filters.filter(store: storeOptions.store)
            filter.daw = daw
            filter.genre = genre
            filter.level = level
            filter.segment = segment
            let total = try output.stream(columns: Store.fanColumns, noun: "fans", offset: filters.offset) { each in
                try store.fans(matching: filter, sort: sort, limit: filters.limit, offset: filters.offset, each: each)
            }
            if total == 0 {
                try noticeUnknownNames(in: store, store: storeOptions.store, source: filters.source, status: nil)
            }
        }
    }
}
