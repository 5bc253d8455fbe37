import FanSyncSQLite
import Foundation

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
    let db: Database
    private var recordLoser: Statement?
    /// Which ledgers each import wrote since the last refresh.
    private struct Landed: Hashable {
        var importID: Int64
        var kind: RecordKind
    }
    /// Rows landed per (import, kind) since the last refresh: its keys are what to refresh.
    private var landed: [Landed: Int] = [:]
    /// How this file's rows of a kind are landed, decided at the first.
    private struct LoadPlan {
        /// Rows after which the ledger's secondary indexes are set aside (see ``loadPlan(_:)``).
        var bulkThreshold: Int
        /// The ledger was empty: try each row as a new key first (one statement instead of a
        /// lookup and an insert); a key the file carries twice is then decided as usual.
        var insertFirst: Bool
    }
    private var loadPlans = PerKind<LoadPlan>()
    /// The insert of a new key that does nothing when the key is there, per kind.
    private var inserts = PerKind<Statement>()
    /// The lookup of a stored row's version, per kind.
    private var storedVersion = PerKind<Statement>()
    /// The rewrites of a stored row by a newer version (``Schema/replace(_:email:customer:)``),
    /// by kind and by which indexed columns change.
    private var replaces: [Int: Statement] = [:]
    /// What each kind's ledger holds by key (``KnownContent``), read once this file has brought
    /// ``knownContentAfter`` rows of the kind into a ledger that had rows; until then, and for a
    /// ledger too large or a table that filled up, each row is looked up in SQLite.
    private var knownContent = PerKind<KnownContent>()
    /// This file's rows of each kind so far, and whether the kind's table is given up for it.
    private var rowsSeen = PerKind<Int>()
    private var withoutKnownContent = PerKind<Bool>()
    /// For each kind with a table: this file's import id, and how many rows were written since the
    /// table the store kept (nil: none was kept, or it was not used). ``keepKnownContent()`` keeps
    /// the table again past a sixty-fourth of its rows, so the rows read back by import stay few.
    private var keepingKnownContent = PerKind<(importID: Int64, since: Int?)>()
    /// The rows of a file after which its kind's ledger is read into memory: a small import (a
    /// daily delta) looks its rows up one by one, cheaper than reading a large ledger once
    /// (lowered by tests, so the table is used on the samples).
    var knownContentAfter = 20_000
    /// Rows of this file without an address that it did not write (the ledger had them already):
    /// still the file's rows, so ``unattributed(importID:file:limit:)`` reports those still nobody's.
    private var unaddressedSeen: [(kind: RecordKind, store: String, source: String, sourceID: String, line: Int)] = []
    private var setAsideIndexes: [Schema.Index] = []
    /// The fewest rows (landed, or people touched) that make a load a bulk load
    /// (lowered by tests, so the bulk path runs on the samples).
    var bulkMinimum = 50_000
    /// Called as people are recomputed: how many are written, of how many touched.
    public var onPeopleProgress: ((Int, Int) -> Void)?
    /// People written between two calls of ``onPeopleProgress`` (lowered by tests).
    var peopleProgressEvery = 100_000
    /// How many segments of phone numbers the store keeps before folding them into one (lowered
    /// by tests). A book merges them as it opens: eight stay cheap to read.
    var phoneSegmentsBeforeFolding = 8
    /// People merged per chunk handed to the worker (lowered by tests, so runs span chunks).
    var mergeChunk = 512
    /// Whether the first file into an empty store has its people read from its ledger alone
    /// (turned off by tests, to hold that way to the general one).
    var readsFirstFileAlone = true
    /// How many files had their people read that way (for tests).
    private(set) var firstFilesReadAlone = 0
    /// How many times a file read a ledger whole for its table of known content (for tests).
    private(set) var ledgersReadWhole = 0
    /// Whether the last ``transaction(loading:_:)`` wrote with the rollback journal.
    public internal(set) var lastTransactionWroteOnce = false
    /// Where the last ``refreshTouched()`` spent its time.
    public private(set) var peopleLaps = PeopleLaps()

    /// Opens (creating and migrating as needed) the store at `path`.
    public init(path: String, busyTimeout: TimeInterval = 5) throws {
        db = try Database(path: path, busyTimeout: busyTimeout)
        let before = try Schema.migrate(db)
        try db.execute("PRAGMA cache_size = -16384")  // 16 MiB of page cache for bulk work
        // Sorts (rebuilding indexes after a bulk load, DISTINCT, ORDER BY) may use two helper
        // threads, each sorting up to the cache's size of rows: a 1M + 1M backfill, 60 s with
        // none, 54 s with one and 49-51 s with two, peak memory 99, 116 and 130 MB.
        try db.execute("PRAGMA threads = 2")
        try db.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS touched (
              store TEXT NOT NULL, email TEXT NOT NULL, PRIMARY KEY (store, email)
            )
            """)
        if before > 0 && before < Schema.ledgerRewrittenVersion {
            // Kept tables of what the ledgers hold describe the rows as they were: the migration
            // rewrote them.
            try db.execute("DELETE FROM known_content")
        }
        if before > 0 && before < Schema.peopleRecomputedVersion {
            // People written by an older schema: recompute them all, once.
            try db.transaction {
                try db.execute("DELETE FROM summaries")  // kept from before: computed again when asked
                try db.execute("INSERT INTO touched (store, email) SELECT store, email FROM people")
                _ = try recomputeTouched()
            }
        }
    }

    // MARK: Landing facts

    /// Writes `fact` into its ledger table, keyed by the source's own id: a new key or a newer
    /// version is written, and what the version that lost or was replaced was evidence for goes
    /// to `peak_history`. Call inside a transaction;
    /// ``refreshTouched()`` then recomputes the people it touched.
    public func land(_ fact: Fact, store defaultStore: String, importID: Int64) throws {
        let storeName = fact.storeName ?? defaultStore
        // Worked out on a mapping thread as a rule (``prepareLanding(_:)``), here otherwise.
        let landing = fact.landing ?? Self.landing(of: fact)
        let digest = landing.digest
        let plan = try loadPlan(fact.kind)
        let email = fact.email ?? (fact.kind.isAttributable ? "" : nil)
        // The same content as the stored row, known from the table: nothing to write (and no
        // hex digest made: the table holds the digest's first lane).
        var key: (UInt64, UInt64)?
        if let table = try knownContent(fact.kind, plan: plan, importID: importID) {
            let keyHash = KnownContent.key(store: storeName, source: fact.source, sourceID: fact.sourceID)
            if table.content(of: keyHash) == KnownContent.content(lane: digest.a) {
                noteUnaddressed(fact, email: email, store: storeName)
                return
            }
            key = keyHash
        }
        let hash = digest.hexDigest
        // Into a ledger that was empty (a first import) nearly every key is new: the insert is
        // tried first and, when the file carried the key already, does nothing, and the row is
        // decided below like any other.
        if plan.insertFirst,
            try insertNew(fact, store: storeName, hash: hash, landing: landing, importID: importID)
        {
            return try noteLanded(fact.kind, importID: importID, plan: plan)
        }
        // The stored version, looked up by key, decides before anything is written: most rows of
        // a re-imported export are there already with the same content (a lookup of three values
        // says so, instead of binding the whole row for a statement that writes nothing); an older
        // version loses; a new key or a newer version is written. (Letting the upsert decide and
        // return the row as it then stands cost SQLite's RETURNING, about 6 µs a row: more than
        // the lookup, which warms the very index pages the insert then writes.)
        // The same content (compared in place, no String made: most rows of a nightly re-import),
        // or an older version (a re-import of last month's file) that loses, costs this lookup
        // and nothing more.
        // A row without an address (`email` is then empty) loses only by rank; what it was
        // evidence for is kept under the empty address until attribution hands it to the
        // customer's addresses.
        let known = try statement(&storedVersion, Schema.storedVersion, fact.kind)
        let rank = landing.rank, version = landing.version
        // Twice at most: a new key is inserted after the lookup found none, and the insert does
        // nothing only when the key is there after all (which in one transaction it cannot be);
        // the stored version then decides on the second lap.
        for _ in 0..<2 {
            try known.bind(1, .text(storeName))
            try known.bind(2, .text(fact.source))
            try known.bind(3, .text(fact.sourceID))
            let found = try known.step()
            if found, known.textEquals(0, hash) {
                known.rewind()
                noteUnaddressed(fact, email: email, store: storeName)
                return
            }
            if found {
                // A higher version wins, then the greater content hash (any order, the same winner).
                let storedHash = known.text(0) ?? "", stored = known.int(1) ?? 0
                if version < stored || (version == stored && hash.utf8.lexicographicallyPrecedes(storedHash.utf8)) {
                    let lost = Self.loses(email, rank: rank, against: known, email: 2, rank: 3)
                    known.rewind()
                    if lost, let email {
                        try recordHistory(of: fact, store: storeName, email: email, rank: rank, importID: importID)
                    }
                    noteUnaddressed(fact, email: email, store: storeName)
                    return
                }
                // A newer version of a stored row: rewritten in place, its address and customer id
                // (indexed) only when they change, and what the version it replaces was evidence
                // for kept in the history.
                let newEmail = fact.email, newCustomer = fact["customer_id"].map(\.text)
                let emailChanges = newEmail.map { !known.textEquals(2, $0) } ?? (known.text(2) != nil)
                let customerChanges = known.columnCount > 4 && known.text(4) != newCustomer
                let replaced = Self.replacedEvidence(
                    known, kind: fact.kind, emailChanges: emailChanges, hasEmail: newEmail != nil, rank: rank)
                known.rewind()
                let variant = fact.kind.ordinal * 4 + (emailChanges ? 1 : 0) + (customerChanges ? 2 : 0)
                let replace: Statement
                if let cached = replaces[variant] {
                    replace = cached
                } else {
                    replace = try db.prepare(Schema.replace(fact.kind, email: emailChanges, customer: customerChanges))
                    replaces[variant] = replace
                }
                try bindRow(fact, into: replace, store: storeName, hash: hash, landing: landing, importID: importID)
                try replace.step()
                replace.rewind()
                for evidence in replaced {
                    try recordHistory(
                        of: fact, store: storeName, email: evidence.email, rank: evidence.rank, importID: importID)
                }
                remember(key, content: digest.a, kind: fact.kind)
                return try noteLanded(fact.kind, importID: importID, plan: plan)
            }
            known.rewind()
            // A new key: a plain insert.
            if try insertNew(fact, store: storeName, hash: hash, landing: landing, importID: importID) {
                remember(key, content: digest.a, kind: fact.kind)
                return try noteLanded(fact.kind, importID: importID, plan: plan)
            }
        }
        throw StoreError.unreadableKey(table: fact.kind.table, sourceID: fact.sourceID, path: db.path)
    }

    /// What the stored version `row` (``Schema/storedVersion(_:)``'s columns) was evidence for,
    /// now that a newer version of `kind` with `rank` (and an address of its own, or none)
    /// replaces it: its address at its rank, when the address changes or the rank falls; and,
    /// for a row whose address was none or attribution's, its rank under the empty address
    /// (attribution hands it to the customer's addresses), when the rank falls or the new version
    /// brings an address of its own.
    private static func replacedEvidence(
        _ row: Statement, kind: RecordKind, emailChanges: Bool, hasEmail: Bool, rank: Int64
    ) -> [(email: String, rank: Int64)] {
        let stored = row.int(3) ?? 0, storedEmail = row.text(2)
        var evidence: [(email: String, rank: Int64)] = []
        if let storedEmail, emailChanges || stored > rank {
            evidence.append((storedEmail, stored))
        }
        if kind.isAttributable, storedEmail == nil || row.int(5) == 1, stored > rank || hasEmail {
            evidence.append(("", stored))
        }
        return evidence
    }

    /// Inserts `fact` as a new key (``Schema/insertNew(_:)``); false when the key is there already.
    private func insertNew(
        _ fact: Fact, store: String, hash: String, landing: Fact.Landing, importID: Int64
    ) throws -> Bool {
        let insert = try statement(&inserts, Schema.insertNew, fact.kind)
        try bindRow(fact, into: insert, store: store, hash: hash, landing: landing, importID: importID)
        try insert.step()
        insert.rewind()
        return db.changes == 1
    }

    /// The kind's table of what its ledger holds (see ``knownContent``), made at this file's
    /// ``knownContentAfter``th row of the kind; nil before, or when there is none. It is the
    /// table the store kept (migration 12) with the rows written since set over it, or, without
    /// one, every row of the ledger read. The file keeps its table at its end (``keepKnownContent()``).
    private func knownContent(_ kind: RecordKind, plan: LoadPlan, importID: Int64) throws -> KnownContent? {
        if let table = knownContent[kind] { return table }
        guard !plan.insertFirst, withoutKnownContent[kind] != true else { return nil }
        let seen = (rowsSeen[kind] ?? 0) + 1
        rowsSeen[kind] = seen
        guard seen >= knownContentAfter else { return nil }
        // Every row the ledger holds now: those from before the file and those it wrote so far.
        let rows = Int(try ledgerRows(kind) ?? 0)
        if let (kept, stamp) = try keptContent(kind, rows: rows),
            let later = try kept.update(from: kind.table, after: stamp, in: db)
        {
            knownContent[kind] = kept
            keepingKnownContent[kind] = (importID, later)
            return kept
        }
        ledgersReadWhole += 1
        guard let table = try KnownContent.read(kind.table, rows: rows, from: db) else {
            withoutKnownContent[kind] = true
            return nil
        }
        knownContent[kind] = table
        keepingKnownContent[kind] = (importID, nil)
        return table
    }

    /// The table of `kind`'s ledger the store kept, and the import it was kept by; nil when there
    /// is none, it does not read, or its rows since could not be found by import (the import
    /// index set aside by this file's bulk load).
    private func keptContent(_ kind: RecordKind, rows: Int) throws -> (KnownContent, Int64)? {
        guard !setAsideIndexes.contains(where: { $0.name == Schema.ledgerImportIndex(kind).name }) else { return nil }
        let kept = try db.prepare("SELECT rowid, import_id, length(entries) FROM known_content WHERE ledger = ?")
        defer { kept.reset() }
        try kept.bind(1, kind.table)
        guard try kept.step(), let rowid = kept.int(0), let stamp = kept.int(1), let size = kept.int(2) else {
            return nil
        }
        // Rows written since are each a lookup at random (some 3 µs); past an eighth of the ledger,
        // reading it whole in table order is cheaper. (Counted off the import index alone.)
        let since = try db.prepare("SELECT count(*) FROM \(kind.table) WHERE import_id > ?").rows([.integer(stamp)])
        guard let count = since.first?.first?.int, count <= rows / 8,
            let table = KnownContent(rows: max(rows, Int(size / 24)))
        else { return nil }
        // A piece at a time, whole entries each (24 bytes): the blob of a million rows is 24 MB.
        var fits = true
        try db.readBlob(table: "known_content", column: "entries", rowid: rowid, piece: 24 << 15) {
            fits = fits && table.add(entries: $0)
        }
        return fits ? (table, stamp) : nil
    }

    /// Whether the table the store kept for `kind`, with the rows written since set over it, holds
    /// exactly what reading the whole ledger does (for tests); nil when none is kept.
    func keptContentIsExact(_ kind: RecordKind) throws -> Bool? {
        let rows = Int(try ledgerRows(kind) ?? 0)
        guard let (kept, stamp) = try keptContent(kind, rows: rows) else { return nil }
        guard try kept.update(from: kind.table, after: stamp, in: db) != nil,
            let read = try KnownContent.read(kind.table, rows: rows, from: db)
        else { return false }
        return kept.entries() == read.entries()
    }

    /// Keeps the tables this file is to keep (inside its transaction), each with the file's import
    /// id: the table holds every row of its ledger now, those the file wrote included. (The
    /// tables are let go of: the file's landing is over.)
    private func keepKnownContent() throws {
        for kind in RecordKind.allCases {
            guard let (importID, since) = keepingKnownContent[kind], let table = knownContent[kind] else { continue }
            if let since, since * 64 <= table.count { continue }
            // Room first, then the entries written into it a piece at a time (an INSERT binding
            // them would copy 24 MB a million rows into its record).
            let keep = try db.prepare(
                """
                INSERT INTO known_content (ledger, import_id, entries) VALUES (?1, ?2, zeroblob(?3))
                ON CONFLICT (ledger) DO UPDATE SET import_id = excluded.import_id, entries = excluded.entries
                RETURNING rowid
                """)
            try keep.bind(1, kind.table)
            try keep.bind(2, importID)
            try keep.bind(3, Int64(24 * table.count))
            guard try keep.step(), let rowid = keep.int(0) else { continue }
            keep.reset()
            try table.emptying {
                try db.writeBlob(table: "known_content", column: "entries", rowid: rowid, bytes: $0)
            }
            knownContent[kind] = nil
        }
    }

    /// Keeps the table in step with a row just written under `key` (when there is a table), so a
    /// key the file carries again with the same content is known without SQLite. (A stale entry
    /// could not change what lands: it would hold content that an earlier row of the file replaced,
    /// which is older and loses to it, and what it was evidence for the ledger's trigger kept.)
    private func remember(_ key: (UInt64, UInt64)?, content lane: UInt64, kind: RecordKind) {
        guard let key, let table = knownContent[kind] else { return }
        keepingKnownContent[kind]?.since? += 1
        guard table.set(key, KnownContent.content(lane: lane)) else {
            // Full: the rest of the file asks SQLite.
            knownContent[kind] = nil
            withoutKnownContent[kind] = true
            return
        }
    }

    /// A kind's statement from `cache`, prepared from `sql` the first time.
    private func statement(
        _ cache: inout PerKind<Statement>, _ sql: (RecordKind) -> String, _ kind: RecordKind
    ) throws -> Statement {
        if let cached = cache[kind] { return cached }
        let statement = try db.prepare(sql(kind))
        cache[kind] = statement
        return statement
    }

    /// Binds a ledger row's columns (``Schema/ledgerColumnNames(_:)``, in order) for `fact`.
    private func bindRow(
        _ fact: Fact, into statement: Statement, store storeName: String, hash: String, landing: Fact.Landing,
        importID: Int64
    ) throws {
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
            case (_, .money(let number)?), (_, .integer(let number)?), (_, .timestamp(let number)?):
                try bind(.integer(number))
            case (_, .bool(let flag)?): try bind(.integer(flag ? 1 : 0))
            case (_, .percent(let number)?): try bind(.real(number))
            case (_, .list(let labels)?): try bind(.text(labels.joined(separator: "\u{1F}")))
            case (_, .email(let normalized, _)?): try bind(.text(normalized))
            case (_, .phone(let number, _)?): try bind(.text(number))
            }
        }
        try bind(.integer(landing.rank))
        try bind(landing.seenAt.map(SQLValue.integer) ?? .null)
        try bind(.integer(landing.version))
        try bind(.text(hash))
        try bind(.text(fact.file))
        try bind(.integer(Int64(fact.line)))
        try bind(.integer(importID))
    }

    /// Counts a row written into `kind`'s ledger; past the plan's threshold the ledger's
    /// secondary indexes are set aside until the refresh.
    private func noteLanded(_ kind: RecordKind, importID: Int64, plan: LoadPlan) throws {
        let current = Landed(importID: importID, kind: kind)
        landed[current, default: 0] += 1
        if landed[current] == plan.bulkThreshold {
            try setAside(Schema.ledgerEmailIndex(kind))
            try setAside(Schema.ledgerImportIndex(kind))
            if let customer = Schema.ledgerCustomerIndex(kind) { try setAside(customer) }
        }
    }

    /// Whether a version that lost to the stored row (`row`'s columns `email` and `rank`)
    /// was evidence for something the row does not show: another address, or a higher rank.
    private static func loses(
        _ email: String?, rank: Int64, against row: Statement, email emailColumn: Int32,
        rank rankColumn: Int32
    ) -> Bool {
        guard let email else { return false }
        let stored = row.int(rankColumn) ?? 0
        return email.isEmpty
            ? row.text(emailColumn) != nil || stored < rank
            : !row.textEquals(emailColumn, email) || stored < rank
    }

    /// `email` as `land` has it: empty for an attributable fact without an address.
    private func noteUnaddressed(_ fact: Fact, email: String?, store storeName: String) {
        guard email?.isEmpty == true else { return }
        unaddressedSeen.append((fact.kind, storeName, fact.source, fact.sourceID, fact.line))
    }

    /// Keeps in the history what a version of `fact`'s row was evidence for (another address, or
    /// a higher rank): one that lost to the stored row, or the stored one a newer version
    /// replaced. The type then cannot depend on import order.
    private func recordHistory(
        of fact: Fact, store storeName: String, email: String, rank: Int64, importID: Int64
    ) throws {
        if recordLoser == nil {
            recordLoser = try db.prepare(Schema.raisePeakHistory("VALUES (?, ?, ?, ?, ?, ?)"))
        }
        try recordLoser?.run([
            .text(storeName), .text(fact.source), .text(fact.sourceID), .text(email),
            .integer(rank), .integer(importID),
        ])
        // The history row carries this import's id: the refresh looks there for whom it touched.
        landed[Landed(importID: importID, kind: fact.kind), default: 0] += 0
    }

    /// Works out what ``land(_:store:importID:)`` needs from `fact` besides its values (pure: the
    /// importer has the mapping threads do it, so the store's thread, which lands the rows one
    /// after the other and sets the pace of a large import, does not).
    static func prepareLanding(_ fact: inout Fact) {
        fact.landing = landing(of: fact)
    }

    /// What landing `fact` needs besides its values: its digest, type, version and time.
    private static func landing(of fact: Fact) -> Fact.Landing {
        Fact.Landing(
            digest: contentDigest(fact.values), rank: Int64(EvidenceRules.type(of: fact).rawValue),
            version: EvidenceRules.version(of: fact), seenAt: EvidenceRules.seenAt(fact))
    }

    /// A fingerprint of a fact's values (stored as its `hexDigest`), for the ledger's tie-break
    /// between two versions of a row with the same version number. (Not an id: ids of sources
    /// without one come from ``CompiledMapping/hash(_:)``, which must never change.)
    static func contentDigest(_ values: [FieldValue?]) -> StableHasher {
        var hasher = StableHasher()
        for value in values {
            switch value {
            case nil: hasher.combine(UInt8(0))
            case .text(let text)?: hasher.combine(UInt8(1)); hasher.combine(text)
            case .email(let normalized, let original)?:
                hasher.combine(UInt8(2)); hasher.combine(normalized); hasher.combine(original)
            case .phone(let number, let status)?:
                hasher.combine(UInt8(3)); hasher.combine(number); hasher.combine(status.rawValue)
            case .money(let number)?, .integer(let number)?, .timestamp(let number)?:
                hasher.combine(UInt8(4)); hasher.combine(word: UInt64(bitPattern: number))
            case .percent(let number)?: hasher.combine(UInt8(5)); hasher.combine(word: number.bitPattern)
            case .bool(let flag)?: hasher.combine(UInt8(flag ? 7 : 6))
            case .list(let labels)?:
                hasher.combine(UInt8(8))
                for label in labels { hasher.combine(label) }
            }
        }
        return hasher
    }

    /// Forgets what was landed since the last refresh, after the caller's transaction
    /// rolled back (the rollback also brought back any index set aside).
    public func forgetLanded() {
        landed.removeAll()
        unaddressedSeen.removeAll()
        loadPlans.removeAll()
        forgetKnownContent()
        setAsideIndexes.removeAll()
    }

    /// How many rows `kind`'s ledger holds, about (its largest rowid: rows are never deleted),
    /// without counting them; nil when it is empty.
    func ledgerRows(_ kind: RecordKind) throws -> Int64? {
        try db.prepare("SELECT max(rowid) FROM \(kind.table)").rows().first?.first?.int
    }

    /// Drops the tables of what the ledgers hold (at the end of each file: the next one reads
    /// them again if it is large).
    private func forgetKnownContent() {
        knownContent.removeAll()
        rowsSeen.removeAll()
        withoutKnownContent.removeAll()
        keepingKnownContent.removeAll()
    }

    // MARK: Bulk loads

    /// How a file's rows of `kind` land, decided at its first row: after how many rows landing
    /// continues without the ledger's secondary indexes (rebuilt in one sort each before the
    /// merge reads them: a file that large relative to its ledger is cheaper to index afterwards
    /// than row by row), and whether the ledger was empty (every row tried as a new key first).
    private func loadPlan(_ kind: RecordKind) throws -> LoadPlan {
        if let known = loadPlans[kind] { return known }
        let existing = try ledgerRows(kind)
        let plan = LoadPlan(bulkThreshold: max(bulkMinimum, Int(existing ?? 0) / 4), insertFirst: existing == nil)
        loadPlans[kind] = plan
        return plan
    }

    /// Drops a secondary index until ``restoreIndexes()``, inside the caller's transaction
    /// (a crash rolls the drop back with everything else).
    ///
    /// The drop frees the index's pages as they are (`secure_delete = FAST` for it): Debian's
    /// SQLite zeroes every page it frees, and zeroing them made the drop's statement journal
    /// outgrow its 64 KiB in memory and move to a temporary file that every later statement of
    /// the file's transaction then wrote to. The pages hold what the table does, and the index
    /// rebuilt before the file commits takes them again.
    private func setAside(_ index: Schema.Index) throws {
        guard !setAsideIndexes.contains(where: { $0.name == index.name }) else { return }
        let secureDelete = try db.prepare("PRAGMA main.secure_delete").rows().first?.first?.int ?? 1
        try db.execute("PRAGMA main.secure_delete = FAST")
        try db.execute("DROP INDEX IF EXISTS \(index.name)")
        try db.execute("PRAGMA main.secure_delete = \(secureDelete)")
        setAsideIndexes.append(index)
    }

    /// Rebuilds every index set aside.
    private func restoreIndexes() throws {
        // IF NOT EXISTS: after a failed import rolled the drop back, the index is there.
        for index in setAsideIndexes {
            try db.execute(index.create.replacingOccurrences(of: "CREATE INDEX", with: "CREATE INDEX IF NOT EXISTS"))
        }
        setAsideIndexes.removeAll()
    }

    // MARK: Deriving people

    /// Recomputes the customers and fans whose emails were landed since the
    /// last refresh, from the ledger; returns how many are new, changed or the same.
    public func refreshTouched() throws -> PeopleCounts {
        peopleLaps = PeopleLaps()
        var clock = PeopleLaps.Clock()
        try restoreIndexes()
        peopleLaps.ledgerIndexes = clock.lap()
        func recompute(firstFile: RecordKind? = nil) throws -> PeopleCounts {
            peopleLaps.finding = clock.lap()
            return try recomputeTouched(firstFile: firstFile)
        }
        // A ledger that was empty before this file holds only the file's rows.
        let wholeLedger = Set(RecordKind.allCases.filter { loadPlans[$0]?.insertFirst == true })
        loadPlans.removeAll()
        try keepKnownContent()
        forgetKnownContent()
        let items = landed.keys.sorted(by: { ($0.importID, $0.kind.table) < ($1.importID, $1.kind.table) })
        landed.removeAll()
        // The first file into an empty store: its people are the addresses of its own ledger, and
        // nobody has a history or a row written before (unless attribution just gave someone a
        // history): they are read from that ledger alone, in its email index's order.
        if readsFirstFileAlone, items.count == 1, let only = items.first?.kind, wholeLedger.contains(only),
            try storeHolds(only: only)
        {
            try attribute()
            if try isEmpty("peak_history") {
                try db.execute("DELETE FROM touched")  // what attribution touched is in the ledger
                firstFilesReadAlone += 1
                return try recompute(firstFile: only)
            }
            try touch(items, wholeLedger: wholeLedger)
        } else {
            try touch(items, wholeLedger: wholeLedger)
            try attribute()
        }
        return try recompute()
    }

    /// Whether the store holds nothing but `kind`'s ledger: no other ledger rows, no people and no history.
    private func storeHolds(only kind: RecordKind) throws -> Bool {
        for other in RecordKind.allCases where other != kind {
            if try ledgerRows(other) != nil { return false }
        }
        return try isEmpty("people") && isEmpty("peak_history")
    }

    /// Whether `table` has no rows.
    private func isEmpty(_ table: String) throws -> Bool {
        try db.prepare("SELECT 1 FROM \(table) LIMIT 1").rows().isEmpty
    }

    /// Marks as touched the addresses of the rows `items` wrote, and the former addresses they
    /// moved away from (kept in the history under the import's id). `OR IGNORE` rather than an
    /// upsert clause: with no constraint left that could abort the statement halfway, SQLite
    /// keeps no statement journal for it (one of 10,000 addresses outgrew the journal's 64 KiB
    /// in memory and moved it to a temporary file for the rest of the transaction).
    private func touch(_ items: [Landed], wholeLedger: Set<RecordKind>) throws {
        let imports = Set(items.map(\.importID))
        for item in items {
            if imports.count == 1, wholeLedger.contains(item.kind) {
                // All of it: its email index lists the addresses in order, no row read (a third
                // of the time of finding them through the import's rows and sorting them).
                try db.execute(
                    """
                    INSERT OR IGNORE INTO touched (store, email)
                    SELECT DISTINCT store, email FROM \(item.kind.table) WHERE email IS NOT NULL
                    """)
                continue
            }
            try db.prepare(
                """
                INSERT OR IGNORE INTO touched (store, email)
                SELECT DISTINCT store, email FROM \(item.kind.table) WHERE import_id = ? AND email IS NOT NULL
                """
            ).run([.integer(item.importID)])
        }
        for importID in imports.sorted() {
            try db.prepare(
                """
                INSERT OR IGNORE INTO touched (store, email)
                SELECT DISTINCT store, email FROM peak_history WHERE import_id = ? AND email <> ''
                """
            ).run([.integer(importID)])
        }
    }

    /// Rows without an email of their own (payments, subscriptions) take the email of the
    /// customer their customer id names: a Stripe customers row with that id, else any row
    /// that carries the id with its own email (the smallest address, so the answer does not
    /// depend on import order). Derived again after every import, so a customers export
    /// imported after the payments attributes them, and a row still unknown stays
    /// unattributed (no email: it belongs to nobody and counts no money). Every address a
    /// customer id was ever known by, through any version of any row that carries it (versions
    /// that lost included: the history keeps their addresses), keeps what the versions without
    /// an address of their own were evidence for, attributed or not yet (`peak_history`), so a
    /// customer who changed address is typed the same whatever order the exports came in. (What
    /// a version with its own address was evidence for stays with that address.) The people rows
    /// leave and join, or whose history rose, are touched.
    ///
    /// The work is driven from the few rows it concerns (rows without an address, attributed
    /// rows and their history, each behind a partial index), never from the size of the import.
    private func attribute() throws {
        let touch = try db.prepare("INSERT INTO touched (store, email) VALUES (?, ?) ON CONFLICT DO NOTHING")
        func touchAll(_ statement: Statement) throws {
            var found: [(String, String)] = []
            while try statement.step() {
                if let store = statement.text(0), let email = statement.text(1) { found.append((store, email)) }
            }
            statement.reset()
            for (store, email) in found { try touch.run([.text(store), .text(email)]) }
        }
        let attributable = RecordKind.allCases.filter(\.isAttributable)
        // Each customer id such a row names, and its address now, found once per id (a correlated
        // query per row was quadratic for a customer with thousands of rows without an address).
        // Attribution never changes a row with an address of its own, so the answers hold
        // while the rows are updated.
        let named = attributable.map { kind in
            """
            SELECT store, customer_id FROM \(kind.table) WHERE email IS NULL AND customer_id IS NOT NULL
            UNION SELECT store, customer_id FROM \(kind.table) WHERE email_via_customer = 1
            """
        }.joined(separator: "\nUNION ")
        try db.execute("DROP TABLE IF EXISTS temp.attribution_target")
        try db.execute(
            """
            CREATE TEMP TABLE attribution_target (
              store TEXT NOT NULL, customer_id TEXT NOT NULL, email TEXT, PRIMARY KEY (store, customer_id)
            ) WITHOUT ROWID;
            INSERT INTO attribution_target
            SELECT i.store, i.customer_id, coalesce(
              (SELECT min(+c.email) FROM stripe_customers c
               WHERE c.store = i.store AND c.source_id = i.customer_id AND c.email IS NOT NULL),
              (SELECT min(+o.email) FROM (
                 SELECT p.email FROM payments p WHERE p.store = i.store AND p.customer_id = i.customer_id
                   AND p.email IS NOT NULL AND p.email_via_customer = 0
                 UNION ALL
                 SELECT s.email FROM subscriptions s WHERE s.store = i.store AND s.customer_id = i.customer_id
                   AND s.email IS NOT NULL AND s.email_via_customer = 0) o))
            FROM (\(named)) i;
            """)
        for kind in attributable {
            let t = kind.table
            let known = """
                (SELECT a.email FROM attribution_target a WHERE a.store = l.store AND a.customer_id = l.customer_id)
                """
            // The rows without an address, then the attributed ones: each pass reads one partial index.
            for rows in ["l.email IS NULL", "l.email_via_customer = 1"] {
                let stale = "\(rows) AND l.customer_id IS NOT NULL AND l.email IS NOT \(known)"
                // Whom the rows leave…
                try db.execute(
                    """
                    INSERT OR IGNORE INTO touched (store, email)
                    SELECT l.store, l.email FROM \(t) AS l WHERE \(stale) AND l.email IS NOT NULL
                    """)
                // What the rows were evidence for under the address they leave stays there.
                try db.execute(
                    Schema.raisePeakHistory(
                        """
                        SELECT l.store, l.source, l.source_id, l.email, l.rank, l.import_id FROM \(t) AS l
                        WHERE \(stale) AND l.email IS NOT NULL
                        """))
                // …and whom they join.
                try touchAll(
                    try db.prepare(
                        """
                        UPDATE \(t) AS l SET email = \(known), email_display = NULL,
                          email_via_customer = CASE WHEN \(known) IS NULL THEN 0 ELSE 1 END
                        WHERE \(stale)
                        RETURNING store, email
                        """))
            }
        }

        try db.execute("DROP TABLE temp.attribution_target")

        // What the attributed rows, and the versions without an address, were evidence for goes to
        // every address their customer id was known by.
        try db.execute("DROP TABLE IF EXISTS temp.attribution_drivers")
        try db.execute(
            """
            CREATE TEMP TABLE attribution_drivers (
              store TEXT NOT NULL, source TEXT NOT NULL, source_id TEXT NOT NULL, customer_id TEXT NOT NULL,
              rank INTEGER NOT NULL, email TEXT
            )
            """)
        for kind in attributable {
            let t = kind.table
            try db.execute(
                """
                INSERT INTO attribution_drivers
                SELECT l.store, l.source, l.source_id, l.customer_id,
                  max(l.rank, coalesce((SELECT max(r.rank) FROM peak_history r
                    WHERE r.store = l.store AND r.source = l.source AND r.source_id = l.source_id AND r.email = ''), 0)),
                  l.email
                FROM \(t) AS l WHERE l.email_via_customer = 1;
                INSERT INTO attribution_drivers
                SELECT l.store, l.source, l.source_id, l.customer_id, l.rank, NULL
                FROM \(t) AS l WHERE l.email IS NULL AND l.customer_id IS NOT NULL;
                INSERT INTO attribution_drivers
                SELECT l.store, l.source, l.source_id, l.customer_id, r.rank, NULL
                FROM peak_history r JOIN \(t) AS l ON l.store = r.store AND l.source = r.source AND l.source_id = r.source_id
                WHERE r.email = '' AND l.customer_id IS NOT NULL;
                """)
        }
        // Every address each of their customer ids was ever known by, found once per id (not
        // once per row: a customer with thousands of rows without an address would make it
        // quadratic): the addresses of the Stripe customer rows and of the rows that carry the id
        // with an address of their own, and every address their versions had (the history).
        try db.execute("DROP TABLE IF EXISTS temp.attribution_known")
        try db.execute(
            """
            CREATE TEMP TABLE attribution_known (
              store TEXT NOT NULL, customer_id TEXT NOT NULL, email TEXT NOT NULL,
              PRIMARY KEY (store, customer_id, email)
            ) WITHOUT ROWID
            """)
        let ids = "(SELECT DISTINCT store, customer_id FROM attribution_drivers) i"
        for own in attributable.map(\.table) + ["stripe_customers"] {
            let carries =
                own == "stripe_customers"
                ? "o.store = i.store AND o.source_id = i.customer_id"
                : "o.store = i.store AND o.customer_id = i.customer_id"
            let ownAddress =
                own == "stripe_customers" ? "o.email IS NOT NULL" : "o.email IS NOT NULL AND o.email_via_customer = 0"
            try db.execute(
                """
                INSERT OR IGNORE INTO attribution_known
                SELECT i.store, i.customer_id, o.email FROM \(ids) CROSS JOIN \(own) o ON \(carries) WHERE \(ownAddress);
                INSERT OR IGNORE INTO attribution_known
                SELECT i.store, i.customer_id, h.email FROM \(ids) CROSS JOIN \(own) o ON \(carries)
                  CROSS JOIN peak_history h ON h.store = o.store AND h.source = o.source AND h.source_id = o.source_id
                WHERE h.email <> '';
                """)
        }
        try touchAll(
            try db.prepare(
                """
                INSERT INTO peak_history (store, source, source_id, email, rank, import_id)
                SELECT k.store, k.source, k.source_id, k.email, k.rank, 0 FROM (
                  SELECT d.store AS store, d.source AS source, d.source_id AS source_id, d.email AS email, d.rank AS rank
                    FROM attribution_drivers d WHERE d.email IS NOT NULL
                  UNION SELECT d.store, d.source, d.source_id, a.email, d.rank FROM attribution_drivers d
                    JOIN attribution_known a ON a.store = d.store AND a.customer_id = d.customer_id
                ) k WHERE k.email IS NOT NULL AND k.email <> ''
                ON CONFLICT (store, source, source_id, email) DO UPDATE SET rank = excluded.rank
                  WHERE excluded.rank > peak_history.rank
                RETURNING store, email
                """))
        try db.execute("DROP TABLE temp.attribution_known")
        try db.execute("DROP TABLE temp.attribution_drivers")
    }

    /// The rows an import landed that belong to nobody (no email, no known customer id):
    /// how many, and the first `limit` as issues of `file`.
    public func unattributed(importID: Int64, file: String, limit: Int) throws -> (count: Int, samples: [RowIssue]) {
        var count = 0
        var samples: [RowIssue] = []
        for kind in RecordKind.allCases where kind.isAttributable {
            let rows = try db.prepare(
                """
                SELECT line, customer_id FROM \(kind.table) WHERE import_id = ? AND email IS NULL ORDER BY line
                """
            ).rows([.integer(importID)])
            count += rows.count
            for row in rows.prefix(max(0, limit - samples.count)) {
                samples.append(
                    RowIssue(
                        file: file, line: Int(row[0].int ?? 0), columnName: "customer_id",
                        value: row[1].string, reason: .unattributed(customerID: row[1].string),
                        disposition: .unattributed))
            }
        }
        // Rows the file carried that the ledger had already (a re-export): reported while still nobody's.
        defer { unaddressedSeen.removeAll() }
        var statements: [RecordKind: Statement] = [:]
        for seen in unaddressedSeen {
            let statement =
                try statements[seen.kind]
                ?? db.prepare(
                    """
                    SELECT customer_id FROM \(seen.kind.table) WHERE store = ? AND source = ? AND source_id = ?
                      AND email IS NULL AND import_id <> ?
                    """)
            statements[seen.kind] = statement
            let rows = try statement.rows([
                .text(seen.store), .text(seen.source), .text(seen.sourceID), .integer(importID),
            ])
            guard let row = rows.first else { continue }
            count += 1
            if samples.count < limit {
                samples.append(
                    RowIssue(
                        file: file, line: seen.line, columnName: "customer_id", value: row[0].string,
                        reason: .unattributed(customerID: row[0].string), disposition: .unattributed))
            }
        }
        return (count, samples.sorted { $0.line < $1.line })
    }

    /// Recomputes every person in the `touched` table from the ledger, then empties it; or,
    /// after the first file into an empty store (`firstFile`), everyone in that file's ledger.
    private func recomputeTouched(firstFile: RecordKind? = nil) throws -> PeopleCounts {
        var counts = PeopleCounts()
        var clock = PeopleLaps.Clock()
        // Writing most of the people: their listing indexes are rebuilt after, in one sort each.
        // (The first file's rows: as many as its people or more, which is all the bulk decision needs.)
        let touchedCount =
            try firstFile.map { try ledgerRows($0) ?? 0 }
            ?? db.prepare("SELECT count(*) FROM touched").rows().first?.first?.int ?? 0
        // How many people the progress counts towards: the first file's addresses are counted
        // (off its email index) only for someone watching.
        let peopleTotal =
            try firstFile.flatMap { kind in
                try onPeopleProgress.map { _ in
                    try db.prepare(
                        "SELECT count(*) FROM (SELECT DISTINCT store, email FROM \(kind.table) WHERE email IS NOT NULL)"
                    ).rows().first?.first?.int ?? 0
                }
            } ?? touchedCount
        if touchedCount >= bulkMinimum {
            let people = try db.prepare("SELECT count(*) FROM people").rows().first?.first?.int ?? 0
            if touchedCount >= people / 4 { for index in Schema.peopleIndexes { try setAside(index) } }
        }
        defer { try? restoreIndexes() }
        // A few people among many: look each one up (touched drives the join; left to itself the
        // planner walks the whole email index in order to skip a sort, which made a 2,000-row
        // daily import read every ledger). Most of the ledger: walk it in order.
        let known = try db.prepare("SELECT count(*) FROM people").rows().first?.first?.int ?? 0
        let few = touchedCount * 8 < known
        let cursors = try (firstFile.map { [$0] } ?? RecordKind.allCases).map { kind in
            try LedgerCursor(
                db: db, kind: kind,
                sql: firstFile != nil
                    ? "SELECT * FROM \(kind.table) WHERE email IS NOT NULL ORDER BY store, email"
                    : few
                        ? "SELECT l.* FROM touched t CROSS JOIN \(kind.table) l ON t.store = l.store AND t.email = l.email ORDER BY t.store, t.email"
                        : "SELECT l.* FROM \(kind.table) l JOIN touched t ON t.store = l.store AND t.email = l.email ORDER BY l.store, l.email"
            )
        }
        // One row per touched person, in the cursors' order: the highest type the history
        // keeps for them, and what was written for them last time (its hash, the columns the
        // people indexes hold, and what the row added to the kept stats).
        let people = try db.prepare(
            """
            SELECT t.store, t.email,
              (SELECT max(h.rank) FROM peak_history h INDEXED BY peak_history_email WHERE h.store = t.store AND h.email = t.email),
              (SELECT min(h.source) FROM peak_history h INDEXED BY peak_history_email WHERE h.store = t.store AND h.email = t.email),
              f.content_hash, f.settlement_net, f.first_seen_at,
              f.type_rank, f.purchases, f.first_source, f.settlement_currency, f.stats_share
            FROM touched t LEFT JOIN people f ON f.store = t.store AND f.email = t.email
            ORDER BY t.store, t.email
            """)
        // How the people written move each store's kept tally (see ``keepTallies``).
        var tallies: [String: StatsTally] = [:], untallied: Set<String> = []
        let writer = try PeopleWriter(db: db)
        // People go in chunks: while a worker merges one chunk (pure Swift), this thread
        // writes the chunk before it and reads the next one (SQLite, one connection).
        var exhausted = false  // stepping a finished statement would start it over
        func readChunk() throws -> MergeChunk {
            var chunk = MergeChunk(people: mergeChunk)
            if firstFile != nil {
                // Everyone in the one ledger, no one known before: its rows grouped by address.
                let cursor = cursors[0]
                while chunk.people.count < mergeChunk, let store = cursor.store, let email = cursor.email {
                    var input = MergeInput(store: store, email: email)
                    let first = chunk.kinds.count
                    while cursor.isAt(store: store, email: email) { try chunk.take(cursor) }
                    input.rows = first..<chunk.kinds.count
                    chunk.people.append(input)
                }
                return chunk
            }
            while chunk.people.count < mergeChunk, !exhausted {
                guard try people.step() else { exhausted = true; break }
                guard let store = people.text(0), let email = people.text(1) else { continue }
                var input = MergeInput(
                    store: store, email: email,
                    history: people.int(2).flatMap { PersonType(rawValue: Int($0)) },
                    historySource: people.text(3), written: people.text(4),
                    indexed: PeopleWriter.Indexed(settlementNet: people.int(5), firstSeenAt: people.int(6)),
                    former: StatsShare(
                        typeRank: people.int(7), purchases: people.int(8), firstSource: people.text(9),
                        settlementCurrency: people.text(10), settlementNet: people.int(5), encoded: people.text(11)))
                let first = chunk.kinds.count
                for cursor in cursors {
                    while cursor.isAt(store: store, email: email) { try chunk.take(cursor) }
                }
                input.rows = first..<chunk.kinds.count
                // Nothing in the ledger and no history: nothing to say about this address.
                if input.rows.isEmpty && input.history == nil { continue }
                chunk.people.append(input)
            }
            return chunk
        }
        var merging: (done: DispatchSemaphore, result: MergedChunk)?
        var written = 0
        peopleLaps.finding += clock.lap()
        while true {
            let inputs = try readChunk()
            peopleLaps.reading += clock.lap()
            var next: (done: DispatchSemaphore, result: MergedChunk)?
            if !inputs.people.isEmpty {
                let done = DispatchSemaphore(value: 0), result = MergedChunk()
                DispatchQueue.global().async {
                    result.prepared = PeopleWriter.prepare(inputs)
                    done.signal()
                }
                next = (done, result)
            }
            if let (done, result) = merging {
                done.wait()
                peopleLaps.waiting += clock.lap()
                let prepared = result.prepared
                if let onPeopleProgress,
                    (written + prepared.people.count) / peopleProgressEvery > written / peopleProgressEvery
                {
                    onPeopleProgress(written + prepared.people.count, Int(peopleTotal))
                }
                written += prepared.people.count
                for (store, change) in prepared.tally { tallies[store, default: StatsTally()].add(change) }
                untallied.formUnion(prepared.untallied)
                for person in prepared.people {
                    switch try writer.write(person, values: prepared.values) {
                    case .new: counts.new += 1
                    case .updated: counts.updated += 1
                    case .unchanged: counts.unchanged += 1
                    }
                }
                peopleLaps.writing += clock.lap()
            }
            guard let next else { break }
            merging = next
        }
        try db.execute("DELETE FROM touched")
        try keepTallies(tallies, untallied: untallied, fromNothing: known == 0)
        peopleLaps.writing += clock.lap()
        try restoreIndexes()
        peopleLaps.peopleIndexes = clock.lap()
        return counts
    }

    /// Moves each store's kept tally by what its people rewritten changed. A store whose tally
    /// cannot follow (a person rewritten whose former share is unknown) loses it, and so does
    /// one that had none, unless the store held no people at all before (`fromNothing`): `stats`
    /// then sums its people, once.
    private func keepTallies(_ changes: [String: StatsTally], untallied: Set<String>, fromNothing: Bool) throws {
        let queries = Queries(db: db)
        for (store, change) in changes.sorted(by: { $0.key < $1.key }) {
            if untallied.contains(store) {
                try db.prepare("DELETE FROM summaries WHERE store = ?").run([.text(store)])
                continue
            }
            guard var tally = try queries.keptTally(store: store) ?? (fromNothing ? StatsTally() : nil) else {
                continue
            }
            tally.add(change)
            try queries.keep(tally, store: store)
        }
    }

    /// The highest type `email` was ever evidence for: its ledger rows now, and the history.
    public func peak(store: String, email: String) throws -> (type: PersonType, source: String)? {
        // Each part by its email index: left to itself the planner read peak_history by its primary
        // key's first column, the whole store (a second for one person of a million).
        let all = (["peak_history INDEXED BY peak_history_email"] + RecordKind.allCases.map(\.table))
            .map { "SELECT rank, source FROM \($0) WHERE store = ?1 AND email = ?2" }.joined(separator: " UNION ALL ")
        let rows = try db.prepare("SELECT max(rank), min(source) FROM (\(all))").rows([.text(store), .text(email)])
        guard let row = rows.first, let rank = row[0].int, let type = PersonType(rawValue: Int(rank)) else {
            return nil
        }
        return (type, row[1].string ?? "")
    }

    /// Every ledger row with `email` in `store`, as evidence (for `explain` and tests).
    public func evidence(store: String, email: String) throws -> [Evidence] {
        var all: [Evidence] = []
        for kind in RecordKind.allCases {
            let cursor = try LedgerCursor(
                db: db, kind: kind,
                // `+`: sorting a person's few rows beats walking the whole store in key
                // order to skip that sort, which is what the planner chose.
                sql: "SELECT * FROM \(kind.table) WHERE store = ? AND email = ? ORDER BY +source, +source_id",
                bindings: [.text(store), .text(email)])
            while let row = try cursor.next() { all.append(row) }
        }
        return all
    }

    /// Recomputes one person from the ledger, without writing.
    public func person(store: String, email: String) throws -> Person? {
        let rows = try evidence(store: store, email: email)
        let history = try peak(store: store, email: email)
        if rows.isEmpty && history == nil { return nil }
        return PersonMerge.merge(
            store: store, email: email, evidence: rows, peak: history?.type, peakSource: history?.source)
    }
}
