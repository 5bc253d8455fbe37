import FanSyncSQLite
import Foundation

/// What refreshing people did.
public struct PeopleCounts: Sendable, Equatable {
    public var new = 0
    public var updated = 0
    public var unchanged = 0
}

/// The embedded SQLite store: the ledger of facts and the people derived from it.
///
/// ```swift
/// let store = try Store(path: "fansync.db")
/// try store.db.transaction {
///     try store.land(fact, store: "default", importID: 1)
///     let counts = try store.refreshTouched()
/// }
/// ```
public final class Store {
    public let db: Database
    private var upserts: [RecordKind: Statement] = [:]
    private var raisePeak: Statement?
    /// Imports whose rows were landed since the last refresh.
    private var landedImports = Set<Int64>()

    /// Opens (creating and migrating as needed) the store at `path`.
    public init(path: String, busyTimeout: TimeInterval = 5) throws {
        db = try Database(path: path, busyTimeout: busyTimeout)
        try Schema.migrate(db)
        try db.execute("PRAGMA cache_size = -32768")  // 32 MiB of page cache for bulk work
        try db.execute("""
            CREATE TEMP TABLE IF NOT EXISTS touched (
              store TEXT NOT NULL, email TEXT NOT NULL, PRIMARY KEY (store, email)
            )
            """)
    }

    // MARK: Landing facts

    /// Writes `fact` into its ledger table (an upsert keyed by the source's own
    /// id) and raises its email's peak type. Call inside a transaction;
    /// ``refreshTouched()`` then recomputes the people it touched.
    public func land(_ fact: Fact, store defaultStore: String, importID: Int64) throws {
        let statement: Statement
        if let cached = upserts[fact.kind] {
            statement = cached
        } else {
            statement = try db.prepare(Schema.upsert(fact.kind))
            upserts[fact.kind] = statement
        }
        let storeName = fact.text("store").flatMap { $0.isEmpty ? nil : $0 } ?? defaultStore
        var index: Int32 = 1
        func bind(_ value: SQLValue) throws {
            try statement.bind(index, value)
            index += 1
        }
        try bind(.text(storeName))
        try bind(.text(fact.source))
        try bind(.text(fact.sourceID))
        for (field, value) in zip(fact.kind.schema, fact.values) where field.name != "store" {
            switch (field.type, value) {
            case (.email, .email(let normalized, let original)?):
                try bind(.text(normalized))
                try bind(.text(original))
            case (.email, _), (.phone, _):
                if case .phone(let number, let status)? = value {
                    try bind(.text(number))
                    try bind(.text(status.rawValue))
                } else {
                    try bind(.null)
                    try bind(.null)
                }
            case (_, .none): try bind(.null)
            case (_, .text(let text)?): try bind(.text(text))
            case (_, .money(let number)?), (_, .integer(let number)?), (_, .timestamp(let number)?): try bind(.integer(number))
            case (_, .bool(let flag)?): try bind(.integer(flag ? 1 : 0))
            case (_, .percent(let number)?): try bind(.real(number))
            case (_, .list(let labels)?): try bind(.text(labels.joined(separator: "\u{1F}")))
            case (_, .email(let normalized, _)?): try bind(.text(normalized))
            case (_, .phone(let number, _)?): try bind(.text(number))
            }
        }
        try bind(.integer(Int64(EvidenceRules.type(of: fact).rawValue)))
        try bind(EvidenceRules.seenAt(fact).map(SQLValue.integer) ?? .null)
        try bind(.integer(EvidenceRules.version(of: fact)))
        try bind(.text(CompiledMapping.hash(fact.values)))
        try bind(.text(fact.file))
        try bind(.integer(Int64(fact.line)))
        try bind(.integer(importID))
        try statement.run()
        if let email = fact.email {
            if raisePeak == nil {
                raisePeak = try db.prepare("""
                    INSERT INTO peaks (store, source, source_id, email, rank) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (store, source, source_id, email)
                    DO UPDATE SET rank = CASE WHEN excluded.rank > peaks.rank THEN excluded.rank ELSE peaks.rank END
                    """)
            }
            try raisePeak?.run([.text(storeName), .text(fact.source), .text(fact.sourceID), .text(email),
                                .integer(Int64(EvidenceRules.type(of: fact).rawValue))])
        }
        landedImports.insert(importID)
    }

    // MARK: Deriving people

    /// Recomputes the customers and fans whose emails were landed since the
    /// last refresh, from the ledger; returns how many are new, changed or the same.
    public func refreshTouched() throws -> PeopleCounts {
        var counts = PeopleCounts()
        // Touched: every address any row that won in these imports was ever about,
        // found set-wise (the ledger row's import id follows the winning version).
        for importID in landedImports.sorted() {
            for kind in RecordKind.allCases {
                try db.prepare("""
                    INSERT INTO touched (store, email)
                    SELECT DISTINCT p.store, p.email FROM \(kind.table) l
                    JOIN peaks p ON p.store = l.store AND p.source = l.source AND p.source_id = l.source_id
                    WHERE l.import_id = ?
                    ON CONFLICT DO NOTHING
                    """).run([.integer(importID)])
            }
        }
        landedImports.removeAll()
        let cursors = try RecordKind.allCases.map { kind in
            try LedgerCursor(db: db, kind: kind,
                             sql: "SELECT l.* FROM \(kind.table) l JOIN touched t ON t.store = l.store AND t.email = l.email ORDER BY l.store, l.email")
        }
        var heads = try cursors.map { try $0.next() }
        // One row per touched person: the peak type, and what was written for them last time.
        let peaks = try db.prepare("""
            SELECT p.store, p.email, max(p.rank), min(p.source), max(f.content_hash) FROM peaks p
            JOIN touched t ON t.store = p.store AND t.email = p.email
            LEFT JOIN people f ON f.store = p.store AND f.email = p.email
            GROUP BY p.store, p.email ORDER BY p.store, p.email
            """)
        var peak = try peaks.step() ? PeakRow(peaks) : nil
        let writer = try PeopleWriter(db: db)
        while true {
            // The smallest (store, email) among the cursors' heads is the next person.
            var keys = heads.compactMap { $0.map { ($0.store, $0.email) } }
            if let peak { keys.append((peak.store, peak.email)) }
            guard let key = keys.min(by: { $0 < $1 }) else { break }
            var evidence: [Evidence] = []
            for index in cursors.indices {
                while let head = heads[index], head.store == key.0, head.email == key.1 {
                    evidence.append(head.evidence)
                    heads[index] = try cursors[index].next()
                }
            }
            var history: PeakRow?
            if let current = peak, current.store == key.0, current.email == key.1 {
                history = current
                peak = try peaks.step() ? PeakRow(peaks) : nil
            }
            let person = PersonMerge.merge(store: key.0, email: key.1, evidence: evidence, peak: history?.type,
                                           peakSource: history?.source)
            switch try writer.write(person, previous: history?.writtenHash) {
            case .new: counts.new += 1
            case .updated: counts.updated += 1
            case .unchanged: counts.unchanged += 1
            }
        }
        try db.execute("DELETE FROM touched")
        return counts
    }

    /// The highest type `email` was ever evidence for, from the peaks table.
    public func peak(store: String, email: String) throws -> (type: PersonType, source: String)? {
        let rows = try db.prepare("SELECT max(rank), min(source) FROM peaks WHERE store = ? AND email = ?")
            .rows([.text(store), .text(email)])
        guard let row = rows.first, let rank = row[0].int, let type = PersonType(rawValue: Int(rank)) else { return nil }
        return (type, row[1].string ?? "")
    }

    /// Every ledger row with `email` in `store`, as evidence (for `explain` and tests).
    public func evidence(store: String, email: String) throws -> [Evidence] {
        var all: [Evidence] = []
        for kind in RecordKind.allCases {
            let cursor = try LedgerCursor(db: db, kind: kind,
                                          sql: "SELECT * FROM \(kind.table) WHERE store = ? AND email = ? ORDER BY source, source_id",
                                          bindings: [.text(store), .text(email)])
            while let row = try cursor.next() { all.append(row.evidence) }
        }
        return all
    }

    /// Recomputes one person from the ledger, without writing.
    public func person(store: String, email: String) throws -> Person? {
        let rows = try evidence(store: store, email: email)
        let history = try peak(store: store, email: email)
        if rows.isEmpty && history == nil { return nil }
        return PersonMerge.merge(store: store, email: email, evidence: rows, peak: history?.type, peakSource: history?.source)
    }
}

/// One row of the peaks summary: the highest type an email was ever evidence for.
struct PeakRow {
    var store: String
    var email: String
    var type: PersonType
    var source: String
    /// The content hash last written for this person, if any.
    var writtenHash: String?

    init?(_ statement: Statement) {
        guard let store = statement.text(0), let email = statement.text(1), let rank = statement.int(2),
              let type = PersonType(rawValue: Int(rank)) else { return nil }
        self.store = store
        self.email = email
        self.type = type
        source = statement.text(3) ?? ""
        writtenHash = statement.text(4)
    }
}

/// Reads ledger rows of one kind as evidence, one at a time.
final class LedgerCursor {
    struct Row {
        var store: String
        var email: String
        var evidence: Evidence
    }

    let kind: RecordKind
    let statement: Statement
    private var columns: [String: Int32] = [:]

    init(db: Database, kind: RecordKind, sql: String, bindings: [SQLValue] = []) throws {
        self.kind = kind
        statement = try db.prepare(sql)
        if !bindings.isEmpty { try statement.bind(bindings) }
        for index in 0..<statement.columnCount { columns[statement.columnName(index)] = index }
    }

    func next() throws -> Row? {
        guard try statement.step() else { return nil }
        func text(_ name: String) -> String? { columns[name].flatMap(statement.text) }
        func int(_ name: String) -> Int64? { columns[name].flatMap(statement.int) }
        guard let store = text("store"), let email = text("email") else { return try next() }
        var item = Evidence(kind: kind, source: text("source") ?? "", sourceID: text("source_id") ?? "",
                            file: text("file") ?? "", line: Int(int("line") ?? 0),
                            peak: PersonType(rawValue: Int(int("rank") ?? 1)) ?? .lead, seenAt: int("seen_at"))
        item.emailDisplay = text("email_display")
        item.firstName = text("first_name")
        item.lastName = text("last_name")
        item.name = text("name")
        item.phone = text("phone")
        item.phoneStatus = text("phone_status").flatMap(PhoneStatus.init(rawValue:))
        item.tags = text("tags")?.split(separator: "\u{1F}").map(String.init) ?? []
        item.daw = text("daw")
        item.genre = text("genre")
        item.level = text("level")
        item.goals = text("goals")
        item.imageURL = text("image_url")
        item.status = text("status")
        item.currency = text("currency")
        item.createdAt = int("created_at") ?? int("enrolled_at")
        switch kind {
        case .payment:
            item.amount = int("amount")
            item.amountRefunded = int("amount_refunded")
            item.convertedAmount = int("converted_amount")
            item.convertedRefunded = int("converted_amount_refunded")
            item.convertedCurrency = text("converted_currency")
            item.product = text("product") ?? text("description")
            item.endedAt = int("refunded_at")
        case .subscription:
            item.amount = int("amount")
            item.product = text("product")
            let ends = [int("canceled_at"), int("ended_at")].compactMap { $0 }
            item.endedAt = ends.max()
        case .enrollment:
            item.amount = int("price")
            item.product = text("course")
            item.createdAt = int("enrolled_at")
            item.progress = columns["progress"].flatMap(statement.double)
        case .stripeCustomer:
            item.name = text("name")
        default:
            break
        }
        return Row(store: store, email: email, evidence: item)
    }
}

/// Writes derived people, skipping those whose content did not change.
final class PeopleWriter {
    enum Outcome { case new, updated, unchanged }

    let db: Database
    let upsertPerson: Statement
    let deleteTotals: Statement
    let insertTotal: Statement
    let deleteActivity: Statement
    let insertActivity: Statement

    init(db: Database) throws {
        self.db = db
        let columns = ["store", "email", "email_display", "name", "first_name", "last_name", "phone", "type", "type_rank",
                       "status", "purchases", "first_purchase_at", "last_purchase_at", "is_repeat", "settlement_currency",
                       "settlement_net", "first_source", "first_product", "first_seen_at", "last_activity_at", "sources",
                       "tags", "score", "daw", "genre", "level", "goals", "image_url", "content_hash"]
        upsertPerson = try db.cached(
            "INSERT INTO people (" + columns.joined(separator: ", ") + ") VALUES ("
                + columns.map { _ in "?" }.joined(separator: ", ") + ") ON CONFLICT (store, email) DO UPDATE SET "
                + columns.dropFirst(2).map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        deleteTotals = try db.cached("DELETE FROM customer_totals WHERE store = ? AND email = ?")
        insertTotal = try db.cached("""
            INSERT INTO customer_totals (store, email, kind, currency, gross, refunded, net, purchases)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        deleteActivity = try db.cached("DELETE FROM fan_activity WHERE store = ? AND email = ?")
        insertActivity = try db.cached("""
            INSERT INTO fan_activity (store, email, at, text, source, source_id) VALUES (?, ?, ?, ?, ?, ?)
            """)
    }

    /// Writes `person`; `previous` is the hash written last time (nil for a new person).
    func write(_ person: Person, previous: String?) throws -> Outcome {
        let hash = PeopleWriter.hash(person)
        let key: [SQLValue] = [.text(person.store), .text(person.email)]
        if previous == hash { return .unchanged }
        func text(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
        func int(_ value: Int64?) -> SQLValue { value.map(SQLValue.integer) ?? .null }
        var tags = "["
        for (index, tag) in person.tags.enumerated() {
            if index > 0 { tags += "," }
            JSONText.appendQuoted(tag, to: &tags)
        }
        tags += "]"
        let main = person.settlement.count == 1 ? person.settlement.first : nil
        try upsertPerson.run(key + [
            .text(person.emailDisplay), text(person.name), text(person.firstName), text(person.lastName),
            text(person.phone), .text(person.type.name), .integer(Int64(person.type.rawValue)),
            text(person.subscriptionStatus), .integer(Int64(person.purchases)), int(person.firstPurchaseAt),
            int(person.lastPurchaseAt), .integer(person.isRepeat ? 1 : 0), text(main?.currency), int(main?.net),
            .text(person.firstSource), text(person.firstProduct), int(person.firstSeenAt), int(person.lastActivityAt),
            .text(person.sources.joined(separator: ",")), .text(tags), .integer(person.score), text(person.daw),
            text(person.genre), text(person.level), text(person.goals), text(person.imageURL), .text(hash),
        ])
        if previous != nil { try deleteTotals.run(key) }
        for (kind, totals) in [("charge", person.totals), ("settlement", person.settlement)] {
            for total in totals {
                try insertTotal.run(key + [.text(kind), .text(total.currency), .integer(total.gross),
                                           .integer(total.refunded), .integer(total.net), .integer(Int64(total.purchases))])
            }
        }
        if previous != nil { try deleteActivity.run(key) }
        for item in person.activity {
            try insertActivity.run(key + [int(item.at), .text(item.text), .text(item.source), .text(item.sourceID)])
        }
        return previous == nil ? .new : .updated
    }

    /// A fingerprint of everything written for a person.
    static func hash(_ person: Person) -> String {
        var hasher = StableHasher()
        func add(_ text: String?) { hasher.combine(text ?? "\u{0}") }
        func add(_ number: Int64?) { hasher.combine(number.map { String($0) } ?? "\u{0}") }
        add(person.emailDisplay); add(person.firstName); add(person.lastName); add(person.name); add(person.phone)
        add(person.type.name); add(person.subscriptionStatus)
        for total in person.totals + [CurrencyTotal(currency: "|", gross: 0, refunded: 0, purchases: 0)] + person.settlement {
            add(total.currency); add(total.gross); add(total.refunded); add(Int64(total.purchases))
        }
        add(Int64(person.purchases)); add(person.firstPurchaseAt); add(person.lastPurchaseAt)
        add(person.firstSource); add(person.firstProduct); add(person.firstSeenAt); add(person.lastActivityAt)
        for tag in person.tags { add(tag) }
        add("|")
        add(person.score); add(person.daw); add(person.genre); add(person.level); add(person.goals); add(person.imageURL)
        for item in person.activity { add(item.at); add(item.text); add(item.source); add(item.sourceID) }
        add("|")
        for source in person.sources { add(source) }
        return hasher.hexDigest
    }
}

/// FNV-1a, 128 bits as two 64-bit lanes: stable across runs (unlike Swift's `Hasher`).
struct StableHasher {
    var a: UInt64 = 0xcbf2_9ce4_8422_2325
    var b: UInt64 = 0x8422_2325_cbf2_9ce4

    mutating func combine(_ text: String) {
        for byte in text.utf8 { combine(byte) }
        combine(0x1F)
    }

    mutating func combine(_ byte: UInt8) {
        a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 &+ 0x9E37_79B9
    }

    var hexDigest: String {
        let left = String(a, radix: 16), right = String(b, radix: 16)
        return String(repeating: "0", count: 16 - left.count) + left + String(repeating: "0", count: 16 - right.count) + right
    }
}
