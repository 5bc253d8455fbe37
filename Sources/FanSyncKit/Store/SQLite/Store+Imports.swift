import FanSyncSQLite
import Foundation

/// The counts a finished import of the same content left.
public struct PreviousImport: Sendable, Equatable {
    public var read: Int
    public var accepted: Int
    public var rejected: Int
}

/// Imports as the store keeps them: one row per file imported, its issues, and the kept
/// stats an import makes stale.
extension Store {
    /// Runs `body` in one write transaction: everything it does lands, or nothing does.
    ///
    /// A transaction that lands the store's first facts of `kind` (a backfill) writes with
    /// SQLite's rollback journal instead of the WAL when no other connection has the store
    /// open: the pages it adds are written once, straight into the file, where the WAL writes
    /// every page twice (into the log, then copied into the file at the checkpoint). Readers
    /// that open the store meanwhile may wait for it (up to their busy timeout), as writers do.
    /// The store is back in WAL when the transaction ends, committed or not; if a reader holds
    /// it just then, at its next open (``Database/init(path:busyTimeout:)``).
    public func transaction<T>(loading kind: RecordKind? = nil, _ body: () throws -> T) throws -> T {
        lastTransactionWroteOnce = false
        guard let kind, try ledgerRows(kind) == nil, try db.setJournalMode(.delete) else {
            return try db.transaction(body)
        }
        lastTransactionWroteOnce = true
        defer { _ = try? db.setJournalMode(.wal) }
        return try db.transaction(body)
    }

    /// The last finished import of the same content through the same mapping, if any.
    public func previousImport(store: String, fingerprint: String, mapping: String) throws -> PreviousImport? {
        let rows = try db.prepare(
            """
            SELECT rows_read, rows_accepted, rows_rejected FROM imports
            WHERE store = ? AND content_hash = ? AND mapping = ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1
            """
        ).rows([.text(store), .text(fingerprint), .text(mapping)])
        guard let counts = rows.first else { return nil }
        return PreviousImport(
            read: Int(counts[0].int ?? 0), accepted: Int(counts[1].int ?? 0),
            rejected: Int(counts[2].int ?? 0))
    }

    /// Records that an import of `file` began (inside the import's transaction); returns its id.
    public func beginImport(store: String, file: String, fingerprint: String, at started: Int64) throws -> Int64 {
        try db.prepare("INSERT INTO imports (store, file, content_hash, mapping, started_at) VALUES (?, ?, ?, '', ?)")
            .run([.text(store), .text(file), .text(fingerprint), .integer(started)])
        return db.lastInsertRowID
    }

    /// Keeps a file's rejected rows, warnings and unattributed rows with its import.
    public func recordIssues(_ issues: [RowIssue], importID: Int64) throws {
        let insert = try db.prepare(
            """
            INSERT INTO rejects (import_id, file, line, column_number, column_name, value, reason, disposition)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for issue in issues {
            try insert.run([
                .integer(importID), .text(issue.file), .integer(Int64(issue.line)),
                issue.column.map { .integer(Int64($0)) } ?? .null,
                issue.columnName.map(SQLValue.text) ?? .null, issue.value.map(SQLValue.text) ?? .null,
                .text(issue.reasonText), .text(issue.disposition.rawValue),
            ])
        }
    }

    /// Records how an import ended: the mapping, the row counts and what it did to people.
    public func finishImport(_ importID: Int64, report: FileReport, people: PeopleCounts, at finished: Int64) throws {
        try db.prepare(
            """
            UPDATE imports SET mapping = ?, finished_at = ?, rows_read = ?, rows_accepted = ?, rows_rejected = ?,
              rows_warned = ?, rows_unattributed = ?, people_new = ?, people_updated = ?, people_unchanged = ?,
              rejects_path = ? WHERE id = ?
            """
        ).run([
            .text(report.mapping), .integer(finished),
            .integer(Int64(report.read)), .integer(Int64(report.accepted)),
            .integer(Int64(report.rejected)), .integer(Int64(report.warnings)),
            .integer(Int64(report.unattributed)),
            .integer(Int64(people.new)), .integer(Int64(people.updated)), .integer(Int64(people.unchanged)),
            report.rejectsPath.map(SQLValue.text) ?? .null, .integer(importID),
        ])
    }

    /// How many people `store` holds (customers and fans alike).
    public func peopleCount(store: String) throws -> Int {
        Int(try db.prepare("SELECT count(*) FROM people WHERE store = ?").rows([.text(store)]).first?.first?.int ?? 0)
    }
}

/// The phone numbers libphonenumber has read for this store: segments of them, in key order
/// (``PhoneSegment``), one more each import that learns some, folded into one past
/// ``Store/phoneSegmentsBeforeFolding``.
extension Store {
    /// Every number the store has read, as a book the mapping threads share.
    public func phoneBook() throws -> PhoneBook {
        try db.transaction(immediate: false) { PhoneBook(segments: try phoneSegments()) }
    }

    /// The store's segments, in the order they were kept; first the numbers kept a row each
    /// before version 10, until they are folded. A segment that is not one is left out: its
    /// numbers are parsed again and kept again.
    private func phoneSegments() throws -> [PhoneSegment] {
        var segments: [PhoneSegment] = []
        let rows = try db.prepare("SELECT key, e164 FROM phone_numbers ORDER BY key")
        var rowsKept = PhoneSegment()
        while try rows.step() {
            if let key = rows.int(0), let answer = rows.int(1) { rowsKept.append(key, answer) }
        }
        if !rowsKept.isEmpty { segments.append(rowsKept) }
        // Each blob read a piece at a time (whole pairs each), as the kept tables of known content
        // are: a column read would hold the whole blob once more.
        let blobs = try db.prepare("SELECT id, length(entries) FROM phone_segments ORDER BY id")
        while try blobs.step() {
            guard let id = blobs.int(0), let size = blobs.int(1) else { continue }
            var segment = PhoneSegment(), pairs = true
            segment.reserveCapacity(Int(size / 16))
            try db.readBlob(table: "phone_segments", column: "entries", rowid: id, piece: 16 << 16) {
                pairs = pairs && segment.appendEncoded($0)
            }
            if pairs { segments.append(segment) }
        }
        return segments
    }

    /// Keeps what `book` learned (inside the import's transaction): a new segment, or, when the
    /// store holds ``phoneSegmentsBeforeFolding`` of them or numbers kept a row each, one
    /// segment of them all.
    public func rememberPhones(_ book: PhoneBook) throws {
        var segment = book.takeLearned()
        guard !segment.isEmpty else { return }
        let kept = try db.prepare("SELECT count(*) FROM phone_segments").rows().first?.first?.int ?? 0
        let rowsKept = try db.prepare("SELECT EXISTS (SELECT 1 FROM phone_numbers)").rows().first?.first?.int ?? 0
        if kept + 1 >= phoneSegmentsBeforeFolding || rowsKept != 0 {
            for older in try phoneSegments().reversed() { segment = PhoneSegment.merging(segment, older) }
            try db.execute("DELETE FROM phone_segments")
            try db.execute("DELETE FROM phone_numbers")
        }
        // Room first, then the pairs written into it (an INSERT binding them copies the whole
        // blob into its record: 15 MB for a million numbers).
        let insert = try db.prepare("INSERT INTO phone_segments (entries) VALUES (zeroblob(?)) RETURNING id")
        try insert.bind(1, Int64(16 * segment.count))
        guard try insert.step(), let id = insert.int(0) else { return }
        insert.reset()
        try segment.withEncodedBytes {
            try db.writeBlob(table: "phone_segments", column: "entries", rowid: id, bytes: $0)
        }
    }
}
