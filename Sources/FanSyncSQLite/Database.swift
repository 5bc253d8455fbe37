internal import CSQLite
import Foundation

/// An error from SQLite, with the extended result code, SQLite's message and
/// the statement that failed.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    /// The extended result code (`SQLITE_CONSTRAINT_PRIMARYKEY` and friends).
    public var code: Int32
    public var message: String
    public var sql: String?
    public var path: String

    /// True when another connection holds the lock past the busy timeout.
    public var isBusy: Bool { code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED }

    public var description: String {
        if isBusy {
            return
                "\(path): the database is locked by another fansync run (waited for the busy timeout). Try again when it has finished, or raise --busy-timeout."
        }
        var text = "\(path): SQLite error \(code): \(message)"
        if let sql { text += " (in: \(sql.prefix(120)))" }
        return text
    }
}

/// One SQLite connection. Not `Sendable`: use it from one task.
///
/// ```swift
/// let db = try Database(path: "fansync.db")
/// try db.execute("CREATE TABLE t (a INTEGER)")
/// let insert = try db.prepare("INSERT INTO t (a) VALUES (?)")
/// try db.transaction {
///     for value in 1...3 { try insert.bind(1, Int64(value)); try insert.run() }
/// }
/// ```
public final class Database {
    public let path: String
    let handle: OpaquePointer
    private var statementCache: [String: Statement] = [:]
    /// Process-wide settings, applied once before the first connection.
    private static let configured: Void = csqlite_disable_memstatus()

    /// Opens (creating if needed) the database at `path`, with extended result
    /// codes, a busy timeout, foreign keys on and WAL journaling.
    public init(path: String, busyTimeout: TimeInterval = 5) throws(DatabaseError) {
        self.path = path
        _ = Database.configured
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw DatabaseError(code: status, message: message, sql: nil, path: path)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Int32(max(0, busyTimeout * 1000)))
        try execute("PRAGMA foreign_keys = ON")
        // Another connection writing with the rollback journal (``setJournalMode(_:)``) keeps
        // the database as it is until it has finished; this one reads it that way meanwhile.
        try setJournalMode(.wal)
        try execute("PRAGMA synchronous = NORMAL")
    }

    /// How a database keeps a transaction undoable until it commits.
    public enum JournalMode: String, Sendable {
        /// Changed pages go to the write-ahead log and are copied into the database later:
        /// readers go on reading the last commit while a transaction writes.
        case wal
        /// The rollback journal: each changed page's former content is saved first (pages the
        /// database did not have need nothing), then the page is written in place, once.
        /// Readers wait while a large transaction writes.
        case delete
    }

    /// Puts the database in `mode`, outside a transaction; returns whether it now is. Leaving
    /// WAL needs the database to itself, and entering it needs no writer on the other journal:
    /// when another connection stands in the way, the mode stays as it was (no wait, no error).
    @discardableResult
    public func setJournalMode(_ mode: JournalMode) throws(DatabaseError) -> Bool {
        do {
            let statement = try prepare("PRAGMA journal_mode = \(mode.rawValue.uppercased())")
            guard try statement.step() else { return false }
            return statement.text(0)?.lowercased() == mode.rawValue
        } catch  where error.isBusy {
            return false
        }
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ status: Int32, sql: String?) -> DatabaseError {
        DatabaseError(
            code: sqlite3_extended_errcode(handle) != 0 ? sqlite3_extended_errcode(handle) : status,
            message: String(cString: sqlite3_errmsg(handle)), sql: sql, path: path)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(DatabaseError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        if status != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw DatabaseError(code: sqlite3_extended_errcode(handle), message: text, sql: sql, path: path)
        }
    }

    /// Hands `body` the blob in `column` of row `rowid` of `table` a piece at a time, each at most
    /// `piece` bytes (the last one shorter), read with SQLite's incremental blob I/O: a large blob
    /// is never whole in memory (a column read would load it into one allocation). Returns the
    /// blob's size.
    @discardableResult
    public func readBlob(
        table: String, column: String, rowid: Int64, piece: Int = 1 << 20,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        try withBlob(table: table, column: column, rowid: rowid, writing: false) { blob in
            let size = Int(sqlite3_blob_bytes(blob))
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, min(piece, size)), alignment: 8)
            defer { buffer.deallocate() }
            var offset = 0
            while offset < size {
                let length = min(buffer.count, size - offset)
                let read = sqlite3_blob_read(blob, buffer.baseAddress, Int32(length), Int32(offset))
                if read != SQLITE_OK { throw error(read, sql: nil) }
                try body(UnsafeRawBufferPointer(rebasing: buffer[..<length]))
                offset += length
            }
            return size
        }
    }

    /// Writes `bytes` over the blob in `column` of row `rowid` of `table` (which must be as long,
    /// as a `zeroblob(n)` is) a piece at a time, with SQLite's incremental blob I/O: binding a
    /// large blob to an INSERT copies it whole into the record first.
    public func writeBlob(
        table: String, column: String, rowid: Int64, bytes: UnsafeRawBufferPointer, piece: Int = 1 << 20
    ) throws {
        try withBlob(table: table, column: column, rowid: rowid, writing: true) { blob in
            var offset = 0
            while offset < bytes.count {
                let length = min(piece, bytes.count - offset)
                let wrote = sqlite3_blob_write(
                    blob, bytes.baseAddress.map { $0 + offset }, Int32(length), Int32(offset))
                if wrote != SQLITE_OK { throw error(wrote, sql: nil) }
                offset += length
            }
        }
    }

    /// `body` with the blob in `column` of row `rowid` of `table` open for incremental I/O.
    private func withBlob<Result>(
        table: String, column: String, rowid: Int64, writing: Bool, _ body: (OpaquePointer) throws -> Result
    ) throws -> Result {
        var blob: OpaquePointer?
        let status = sqlite3_blob_open(handle, "main", table, column, rowid, writing ? 1 : 0, &blob)
        defer { sqlite3_blob_close(blob) }
        guard status == SQLITE_OK, let blob else { throw error(status, sql: nil) }
        return try body(blob)
    }

    /// A new prepared statement.
    public func prepare(_ sql: String) throws(DatabaseError) -> Statement {
        try Statement(database: self, sql: sql)
    }

    /// A prepared statement kept for reuse on the hot path (reset before it is handed out).
    public func cached(_ sql: String) throws(DatabaseError) -> Statement {
        if let statement = statementCache[sql] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// `immediate` takes the write lock at the start (waiting up to the busy timeout).
    public func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the last row inserted on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// The SQLite library version, e.g. `3.40.1`.
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

/// A value to bind or read.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var int: Int64? { if case .integer(let value) = self { return value } else { return nil } }
    public var string: String? {
        switch self {
        case .text(let value): return value
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .null: return nil
        }
    }
    public var double: Double? {
        switch self {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }
}

/// A prepared statement: bind, step, read columns, reset, reuse.
public final class Statement {
    unowned let database: Database
    let handle: OpaquePointer
    public let sql: String
    /// Each parameter's text, copied into a buffer this statement owns and bound
    /// `SQLITE_STATIC`, so SQLite keeps a pointer instead of a copy of its own (a malloc and a
    /// free for every value on the import's hot paths). SQLite reads a static value until the
    /// statement is finalized or the same parameter is bound again, and a parameter's buffer
    /// is written only when that parameter is bound again, so every pointer stays valid.
    /// (A buffer of buffers allocated once: a `let`, so reaching a slot costs no exclusivity check.)
    private let parameterText: UnsafeMutableBufferPointer<UnsafeMutableRawBufferPointer?>

    init(database: Database, sql: String) throws(DatabaseError) {
        self.database = database
        self.sql = sql
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw database.error(status, sql: sql) }
        handle = statement
        parameterText = .allocate(capacity: Int(sqlite3_bind_parameter_count(statement)))
        parameterText.initialize(repeating: nil)
    }

    deinit {
        sqlite3_finalize(handle)
        for buffer in parameterText { buffer?.deallocate() }
        parameterText.deallocate()
    }

    /// Rewinds, keeping the bindings (for a loop that rebinds every parameter).
    public func rewind() {
        sqlite3_reset(handle)
    }

    /// Clears bindings and rewinds, ready to run again.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    public func bind(_ index: Int32, _ value: SQLValue) throws(DatabaseError) {
        let status: Int32
        switch value {
        case .null: status = sqlite3_bind_null(handle, index)
        case .integer(let number): status = sqlite3_bind_int64(handle, index, number)
        case .real(let number): status = sqlite3_bind_double(handle, index, number)
        case .text(let text):
            var text = text
            status = text.withUTF8 { bindText(index, $0) }
        }
        if status != SQLITE_OK { throw database.error(status, sql: sql) }
    }

    /// Binds UTF-8 `text` (copied) as parameter `index`, with no String made.
    public func bind(_ index: Int32, utf8 text: UnsafeBufferPointer<UInt8>) throws(DatabaseError) {
        let status = bindText(index, text)
        if status != SQLITE_OK { throw database.error(status, sql: sql) }
    }

    /// Binds `bytes` as parameter `index`'s text through the parameter's own buffer.
    private func bindText(_ index: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let slot = Int(index) - 1
        guard parameterText.indices.contains(slot) else {
            // No such parameter: SQLite says so (SQLITE_RANGE).
            return sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
        }
        // The old buffer is still bound until the new one is: it goes after.
        var retired: UnsafeMutableRawBufferPointer?
        var buffer: UnsafeMutableRawBufferPointer
        if let owned = parameterText[slot], owned.count >= bytes.count {
            buffer = owned
        } else {
            retired = parameterText[slot]
            // Never empty: SQLite needs a pointer for '' (a NULL pointer binds NULL).
            buffer = .allocate(byteCount: max(32, bytes.count + bytes.count / 2), alignment: 1)
            parameterText[slot] = buffer
        }
        if let base = bytes.baseAddress, !bytes.isEmpty {
            buffer.baseAddress?.copyMemory(from: base, byteCount: bytes.count)
        }
        let status = sqlite3_bind_text(
            handle, index, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
        retired?.deallocate()
        return status
    }

    public func bind(_ index: Int32, _ text: String?) throws(DatabaseError) {
        try bind(index, text.map(SQLValue.text) ?? .null)
    }

    public func bind(_ index: Int32, _ number: Int64?) throws(DatabaseError) {
        try bind(index, number.map(SQLValue.integer) ?? .null)
    }

    /// Binds `values` to parameters 1…n.
    public func bind(_ values: [SQLValue]) throws(DatabaseError) {
        for (offset, value) in values.enumerated() { try bind(Int32(offset + 1), value) }
    }

    /// Steps once: true when a row is ready to read, false when done.
    @discardableResult
    public func step() throws(DatabaseError) -> Bool {
        let status = sqlite3_step(handle)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(status, sql: sql)
        }
    }

    /// Runs to completion (for statements that return no rows), then resets.
    public func run(_ values: [SQLValue] = []) throws(DatabaseError) {
        if !values.isEmpty { try bind(values) }
        defer { reset() }
        while try step() {}
    }

    public var columnCount: Int32 { sqlite3_column_count(handle) }

    public func columnName(_ index: Int32) -> String { String(cString: sqlite3_column_name(handle, index)) }

    public func value(_ index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        default: return .text(text(index) ?? "")
        }
    }

    public func text(_ index: Int32) -> String? {
        guard !isNull(index), let bytes = sqlite3_column_text(handle, index) else {
            return nil
        }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// `body` over column `index`'s text as UTF-8 bytes (no String made); nil for NULL.
    public func withTextBytes<Result>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        guard !isNull(index), let bytes = sqlite3_column_text(handle, index) else {
            return nil
        }
        return body(UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, index))))
    }

    /// Whether column `index` holds exactly `text` (compared as bytes, no String made).
    public func textEquals(_ index: Int32, _ text: String) -> Bool {
        var text = text
        return withTextBytes(index) { stored in
            text.withUTF8 { utf8 in
                guard utf8.count == stored.count else { return false }
                guard let base = utf8.baseAddress, let other = stored.baseAddress, stored.count > 0 else { return true }
                return memcmp(base, other, stored.count) == 0
            }
        } ?? false
    }

    /// Whether column `index` is NULL.
    public func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

    public func int(_ index: Int32) -> Int64? {
        isNull(index) ? nil : sqlite3_column_int64(handle, index)
    }

    public func double(_ index: Int32) -> Double? {
        isNull(index) ? nil : sqlite3_column_double(handle, index)
    }

    /// Runs a query and returns every row as values (for small results).
    public func rows(_ values: [SQLValue] = []) throws(DatabaseError) -> [[SQLValue]] {
        if !values.isEmpty { try bind(values) }
        defer { reset() }
        var rows: [[SQLValue]] = []
        while try step() { rows.append((0..<columnCount).map(value)) }
        return rows
    }
}
