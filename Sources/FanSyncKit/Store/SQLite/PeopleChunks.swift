import FanSyncSQLite

// The people phase's pieces: ledger rows copied out in chunks (``LedgerCursor``), merged and
// encoded on a worker (``PeopleWriter/prepare(_:)``), written back by the connection's thread.

/// One touched person as read from the store: what the merge needs.
struct MergeInput: Sendable {
    var store: String
    var email: String
    /// The highest type the history keeps for them, and a source that knew them.
    var history: PersonType?
    var historySource: String?
    /// The content hash written for them last time (nil for someone new).
    var written: String?
    /// What the people indexes hold for them (when written before).
    var indexed = PeopleWriter.Indexed()
    /// What their row added to the kept stats (when written before; nil when it has no share).
    var former: StatsShare?
    /// Their ledger rows: indexes into their chunk's rows.
    var rows: Range<Int> = 0..<0
}

/// A chunk of touched people and their ledger rows as copied out of SQLite (decoded on the worker).
struct MergeChunk: Sendable {
    var people: [MergeInput] = []
    /// Each row's kind; its values are ``LedgerCursor/Field/allCases``'s count at a time in ``rows``.
    var kinds: [RecordKind] = []
    var rows: Cells

    init(people capacity: Int) {
        people.reserveCapacity(capacity)
        kinds.reserveCapacity(capacity * 2)
        rows = Cells(reservingCapacity: capacity * 2 * LedgerCursor.Field.allCases.count)
    }

    /// Copies the row `cursor` is on and moves it to the next.
    mutating func take(_ cursor: LedgerCursor) throws {
        kinds.append(cursor.kind)
        try cursor.take(into: &rows)
    }

    /// The evidence of row `index`.
    func evidence(_ index: Int) -> Evidence {
        LedgerCursor.evidence(kinds[index], in: rows, at: index * LedgerCursor.Field.allCases.count)
    }
}

/// A merged person, as what writing them needs (computed off the writing thread).
struct PreparedPerson: Sendable {
    /// Their content is what was written for them last time: nothing to write.
    var unchanged: Bool
    /// Written before (an update) or new (an insert).
    var writtenBefore: Bool
    /// Whether the columns the people indexes hold change (``PeopleWriter/Indexed``).
    var spentChanges: Bool
    var firstSeenChanges: Bool
    /// Their row's values, in ``PeopleWriter/columns``' order, in the chunk's ``PreparedChunk/values``.
    var values: Range<Int>
}

/// A chunk of merged people and the values of the rows to write.
struct PreparedChunk: Sendable {
    var people: [PreparedPerson] = []
    var values = Cells()
    /// How the people rewritten move each store's kept stats (their new shares in, the former out).
    var tally: [String: StatsTally] = [:]
    /// Stores with a person rewritten whose former share is not known: their tally cannot follow.
    var untallied: Set<String> = []
}

final class MergedChunk: @unchecked Sendable {
    var prepared = PreparedChunk()
}

/// The rows of one ledger table in a query's order, each copied out as values (``take(into:)``)
/// and made into evidence from them (``evidence(_:in:at:)``), so the copying and the decoding can
/// run on different threads.
final class LedgerCursor {
    /// What a ledger row gives the merge, in the order ``take(into:)`` copies it.
    enum Field: Int, CaseIterable {
        case source, sourceID, file, line, rank, seenAt, emailDisplay, firstName, lastName, name, phone, phoneStatus
        case tags, daw, genre, level, goals, imageURL, status, currency, createdAt, enrolledAt, amount, amountRefunded
        case convertedAmount, convertedRefunded, convertedCurrency, product, description, refundedAt, canceledAt
        case endedAt, price, course, progress

        var column: String {
            switch self {
            case .sourceID: return "source_id"
            case .seenAt: return "seen_at"
            case .emailDisplay: return "email_display"
            case .firstName: return "first_name"
            case .lastName: return "last_name"
            case .phoneStatus: return "phone_status"
            case .imageURL: return "image_url"
            case .createdAt: return "created_at"
            case .enrolledAt: return "enrolled_at"
            case .amountRefunded: return "amount_refunded"
            case .convertedAmount: return "converted_amount"
            case .convertedRefunded: return "converted_amount_refunded"
            case .convertedCurrency: return "converted_currency"
            case .refundedAt: return "refunded_at"
            case .canceledAt: return "canceled_at"
            case .endedAt: return "ended_at"
            default: return "\(self)"
            }
        }

        enum Read { case text, integer, real }
        var read: Read {
            switch self {
            case .line, .rank, .seenAt, .createdAt, .enrolledAt, .amount, .amountRefunded, .convertedAmount,
                .convertedRefunded, .refundedAt, .canceledAt, .endedAt, .price:
                return .integer
            case .progress: return .real
            default: return .text
            }
        }
    }

    let kind: RecordKind
    let statement: Statement
    private let storeColumn, emailColumn: Int32
    /// Each field's column in the result, by ``Field`` (-1 when the kind has none), looked up once.
    private let columns: [(column: Int32, read: Field.Read)]
    /// Whether the cursor is on a row (with a store and an address).
    private(set) var onRow = false

    init(db: Database, kind: RecordKind, sql: String, bindings: [SQLValue] = []) throws {
        self.kind = kind
        statement = try db.prepare(sql)
        if !bindings.isEmpty { try statement.bind(bindings) }
        var names: [String: Int32] = [:]
        for index in 0..<statement.columnCount { names[statement.columnName(index)] = index }
        storeColumn = names["store"] ?? -1
        emailColumn = names["email"] ?? -1
        columns = Field.allCases.map { (names[$0.column] ?? -1, $0.read) }
        try advance()
    }

    /// The store and address of the row the cursor is on.
    var store: String? { onRow ? statement.text(storeColumn) : nil }
    var email: String? { onRow ? statement.text(emailColumn) : nil }

    /// Whether the cursor is on a row of `store` and `email` (compared as bytes).
    func isAt(store: String, email: String) -> Bool {
        onRow && statement.textEquals(emailColumn, email) && statement.textEquals(storeColumn, store)
    }

    /// Steps to the next row with a store and an address (a row without belongs to nobody).
    /// At the end it stays there: stepping a finished statement would start it over.
    private func advance() throws {
        while try statement.step() {
            if storeColumn >= 0, emailColumn >= 0, !statement.isNull(storeColumn), !statement.isNull(emailColumn) {
                onRow = true
                return
            }
        }
        onRow = false
    }

    /// Copies the row the cursor is on into `cells` (a value per ``Field``) and moves to the next.
    func take(into cells: inout Cells) throws {
        for (column, read) in columns {
            switch read {
            case .text: cells.append(text: column, of: statement)
            case .integer: cells.append(integer: column, of: statement)
            case .real: cells.append(real: column, of: statement)
            }
        }
        try advance()
    }

    /// The next row as evidence (for a few rows; a chunk copies with ``take(into:)``).
    func next() throws -> Evidence? {
        guard onRow else { return nil }
        var cells = Cells(reservingCapacity: Field.allCases.count)
        try take(into: &cells)
        return Self.evidence(kind, in: cells, at: 0)
    }

    /// The evidence of a `kind` row that ``take(into:)`` copied into `cells` from value `start` on.
    static func evidence(_ kind: RecordKind, in cells: Cells, at start: Int) -> Evidence {
        func text(_ field: Field) -> String? { cells.text(start + field.rawValue) }
        func int(_ field: Field) -> Int64? { cells.int(start + field.rawValue) }
        var item = Evidence(
            kind: kind, source: text(.source) ?? "", sourceID: text(.sourceID) ?? "",
            file: text(.file) ?? "", line: Int(int(.line) ?? 0),
            peak: PersonType(rawValue: Int(int(.rank) ?? 1)) ?? .lead, seenAt: int(.seenAt))
        item.emailDisplay = text(.emailDisplay)
        item.firstName = text(.firstName)
        item.lastName = text(.lastName)
        item.name = text(.name)
        item.phone = text(.phone)
        item.phoneStatus = text(.phoneStatus).flatMap(PhoneStatus.init(rawValue:))
        item.tags = cells.texts(start + Field.tags.rawValue, separatedBy: 0x1F) ?? []
        item.daw = text(.daw)
        item.genre = text(.genre)
        item.level = text(.level)
        item.goals = text(.goals)
        item.imageURL = text(.imageURL)
        item.status = text(.status)
        item.currency = text(.currency)
        item.createdAt = int(.createdAt) ?? int(.enrolledAt)
        switch kind {
        case .payment:
            item.amount = int(.amount)
            item.amountRefunded = int(.amountRefunded)
            item.convertedAmount = int(.convertedAmount)
            item.convertedRefunded = int(.convertedRefunded)
            item.convertedCurrency = text(.convertedCurrency)
            item.product = text(.product) ?? text(.description)
            item.endedAt = int(.refundedAt)
        case .subscription:
            item.amount = int(.amount)
            item.product = text(.product)
            let ends = [int(.canceledAt), int(.endedAt)].compactMap { $0 }
            item.endedAt = ends.max()
        case .enrollment:
            item.amount = int(.price)
            item.product = text(.course)
            item.createdAt = int(.enrolledAt)
            item.progress = cells.double(start + Field.progress.rawValue)
        case .stripeCustomer:
            item.name = text(.name)
        default:
            break
        }
        return item
    }
}

/// Writes derived people, skipping those whose content did not change.
final class PeopleWriter {
    enum Outcome { case new, updated, unchanged }

    /// The values of a person's row that the people indexes (``Schema/peopleIndexes``) hold
    /// besides the key: a rewrite that leaves them as they were leaves the indexes alone.
    struct Indexed: Sendable, Equatable {
        var settlementNet: Int64?
        var firstSeenAt: Int64?
    }

    let db: Database
    let upsertPerson: Statement
    /// The rewrites of a person written before, by which indexed columns change (see ``update(changing:)``).
    private var updates: [Statement?] = [nil, nil, nil, nil]
    static let columns = [
        "store", "email", "email_display", "name", "first_name", "last_name", "phone", "type", "type_rank",
        "status", "purchases", "first_purchase_at", "last_purchase_at", "is_repeat", "currency", "total_spent",
        "other_totals", "totals", "settlement_currency", "settlement_net", "first_source", "first_product",
        "first_seen_at", "last_activity_at", "sources",
        "tags", "score", "daw", "genre", "level", "goals", "image_url", "registered", "stats_share", "content_hash",
    ]

    init(db: Database) throws {
        self.db = db
        let columns = Self.columns
        upsertPerson = try db.cached(
            "INSERT INTO people (" + columns.joined(separator: ", ") + ") VALUES ("
                + columns.map { _ in "?" }.joined(separator: ", ") + ") ON CONFLICT (store, email) DO UPDATE SET "
                + columns.dropFirst(2).map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        // customer_totals and fan_activity are views of the ledger (migration 8): nothing to write.
    }

    /// The UPDATE of a person's row that sets the indexed columns only when they change: SQLite
    /// rewrites an index entry for every column a statement sets, changed or not, and in a
    /// store of a million people each rewrite is a page read and written at random. Its
    /// parameters are numbered as ``columns``, so a person binds the same values as for the insert.
    private func update(changing spent: Bool, _ firstSeen: Bool) throws -> Statement {
        let slot = (spent ? 1 : 0) + (firstSeen ? 2 : 0)
        if let known = updates[slot] { return known }
        var set: [String] = []
        for (index, column) in Self.columns.enumerated().dropFirst(2) {
            if (column == "settlement_net" && !spent) || (column == "first_seen_at" && !firstSeen) { continue }
            set.append("\(column) = ?\(index + 1)")
        }
        let statement = try db.prepare(
            "UPDATE people SET " + set.joined(separator: ", ") + " WHERE store = ?1 AND email = ?2")
        updates[slot] = statement
        return statement
    }

    /// Merges a chunk of people and encodes the rows to write (pure: runs on any thread).
    static func prepare(_ chunk: MergeChunk) -> PreparedChunk {
        var prepared = PreparedChunk()
        prepared.people.reserveCapacity(chunk.people.count)
        prepared.values = Cells(reservingCapacity: chunk.people.count * columns.count)
        for input in chunk.people {
            let evidence = input.rows.map(chunk.evidence)
            let person = PersonMerge.merge(
                store: input.store, email: input.email, evidence: evidence, peak: input.history,
                peakSource: input.historySource)
            let share = StatsShare(person, evidence: evidence), encodedShare = share.encoded
            let hash = hash(person, share: encodedShare), start = prepared.values.count
            let main = person.settlementTotal
            var item = PreparedPerson(
                unchanged: input.written == hash, writtenBefore: input.written != nil,
                spentChanges: main?.net != input.indexed.settlementNet,
                firstSeenChanges: person.firstSeenAt != input.indexed.firstSeenAt, values: start..<start)
            if !item.unchanged {
                encode(
                    person, registered: share.registered, share: encodedShare, hash: hash, into: &prepared.values)
                item.values = start..<prepared.values.count
                prepared.tally[input.store, default: StatsTally()].add(share)
                if item.writtenBefore {
                    if let former = input.former {
                        prepared.tally[input.store, default: StatsTally()].add(former, sign: -1)
                    } else {
                        prepared.untallied.insert(input.store)
                    }
                }
            }
            prepared.people.append(item)
        }
        return prepared
    }

    /// A person's row, as values in ``columns``' order (`registered`: whether the store has an
    /// account at the address; the row's hash covers it, through `share`).
    static func encode(_ person: Person, registered: Bool, share: String, hash: String, into values: inout Cells) {
        var tags = "["
        for (index, tag) in person.tags.enumerated() {
            if index > 0 { tags += "," }
            JSONText.appendQuoted(tag, to: &tags)
        }
        tags += "]"
        let others = person.otherTotals.map { "\($0.currency) " + Money.decimal($0.net, currency: $0.currency) }
        var totals: String?
        if !person.totals.isEmpty {
            // One string appended to (a concatenation per part made a string each: 11,000
            // instructions a paying person, measured).
            var json = "["
            for (index, total) in person.totals.enumerated() {
                json += index == 0 ? "{\"currency\":" : ",{\"currency\":"
                JSONText.appendQuoted(total.currency, to: &json)
                json += ",\"total_spent\":"
                JSONText.appendQuoted(Money.decimal(total.net, currency: total.currency), to: &json)
                json += ",\"total_spent_minor\":"
                json += String(total.net)
                json += ",\"purchases\":"
                json += String(total.purchases)
                json += "}"
            }
            json += "]"
            totals = json
        }
        let main = person.settlementTotal, primary = person.primaryTotal
        values.append(person.store)
        values.append(person.email)
        values.append(person.emailDisplay)
        values.append(person.name)
        values.append(person.firstName)
        values.append(person.lastName)
        values.append(person.phone)
        values.append(person.type.name)
        values.append(Int64(person.type.rawValue))
        values.append(person.subscriptionStatus)
        values.append(Int64(person.purchases))
        values.append(person.firstPurchaseAt)
        values.append(person.lastPurchaseAt)
        values.append(Int64(person.isRepeat ? 1 : 0))
        values.append(primary?.currency)
        values.append(primary?.net)
        values.append(others.isEmpty ? nil : others.joined(separator: "; "))
        values.append(totals)
        values.append(main?.currency)
        values.append(main?.net)
        values.append(person.firstSource)
        values.append(person.firstProduct)
        values.append(person.firstSeenAt)
        values.append(person.lastActivityAt)
        values.append(person.sources.joined(separator: ","))
        values.append(tags)
        values.append(person.score)
        values.append(person.daw)
        values.append(person.genre)
        values.append(person.level)
        values.append(person.goals)
        values.append(person.imageURL)
        values.append(Int64(registered ? 1 : 0))
        values.append(share)
        values.append(hash)
    }

    /// Writes a prepared person (their values are in `values`), unless their content is what
    /// was written last time.
    func write(_ prepared: PreparedPerson, values: Cells) throws -> Outcome {
        if prepared.unchanged { return .unchanged }
        guard prepared.writtenBefore else {
            try values.bind(prepared.values, to: upsertPerson)
            try upsertPerson.run()
            return .new
        }
        // Written before: rewritten in place, its index entries only where they change.
        let update = try update(changing: prepared.spentChanges, prepared.firstSeenChanges)
        try values.bind(prepared.values, to: update)
        try update.run()
        // (The row was read in this transaction; should it be gone, the insert puts it back.)
        if db.changes == 0 {
            try values.bind(prepared.values, to: upsertPerson)
            try upsertPerson.run()
        }
        return .updated
    }

    /// A fingerprint of everything written for a person (`share`: their encoded ``StatsShare``).
    /// (Stores keep it: the bytes it combines never change. A number is combined as its decimal
    /// digits, an absent value as a zero byte.)
    static func hash(_ person: Person, share: String) -> String {
        var hasher = StableHasher()
        func add(_ text: String?) { hasher.combine(text ?? "\u{0}") }
        func add(_ number: Int64?) {
            if let number { hasher.combine(decimal: number) } else { hasher.combine("\u{0}") }
        }
        func add(_ total: CurrencyTotal) {
            add(total.currency); add(total.gross); add(total.refunded); add(Int64(total.purchases))
        }
        add(person.emailDisplay); add(person.firstName); add(person.lastName); add(person.name); add(person.phone)
        add(person.type.name); add(person.subscriptionStatus); add(person.primaryCurrency)
        // The totals, a separator as a total of currency "|", then the settlement totals.
        for total in person.totals { add(total) }
        add(CurrencyTotal(currency: "|", gross: 0, refunded: 0, purchases: 0))
        for total in person.settlement { add(total) }
        add(Int64(person.purchases)); add(person.firstPurchaseAt); add(person.lastPurchaseAt)
        add(person.firstSource); add(person.firstProduct); add(person.firstSeenAt); add(person.lastActivityAt)
        for tag in person.tags { add(tag) }
        add("|")
        add(person.score); add(person.daw); add(person.genre); add(person.level); add(person.goals);
        add(person.imageURL)
        for item in person.activity { add(item.at); add(item.text); add(item.source); add(item.sourceID) }
        add("|")
        for source in person.sources { add(source) }
        add("|")
        add(share)
        return hasher.hexDigest
    }
}
