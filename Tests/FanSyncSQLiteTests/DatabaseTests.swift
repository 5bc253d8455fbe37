import Foundation
import Testing

@testable import FanSyncSQLite

func temporaryDatabase() throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fansync-sqlite-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("test.db").path
}

@Suite struct DatabaseBasics {
    @Test("bound values are written in a transaction and read back with their types")
    func bindStepAndRead() throws {
        let db = try Database(path: try temporaryDatabase())
        try db.execute("CREATE TABLE t (a INTEGER, b TEXT, c REAL)")
        let insert = try db.prepare("INSERT INTO t VALUES (?, ?, ?)")
        try db.transaction {
            try insert.run([.integer(1), .text("Zoë"), .real(1.5)])
            try insert.run([.integer(2), .null, .real(2)])
        }
        let rows = try db.prepare("SELECT a, b, c FROM t ORDER BY a").rows()
        #expect(rows == [[.integer(1), .text("Zoë"), .real(1.5)], [.integer(2), .null, .real(2)]])
    }

    @Test("a parameter's text stays what was bound while others are rebound, longer, shorter, empty or NULL")
    func reboundTextKeepsEachParameterItsOwn() throws {
        let db = try Database(path: try temporaryDatabase())
        try db.execute("CREATE TABLE t (n INTEGER, a TEXT, b TEXT)")
        let insert = try db.prepare("INSERT INTO t VALUES (?, ?, ?)")
        let long = String(repeating: "é", count: 300)
        // Small strings (stored inside the String), a long one, empty ('' is not NULL), NULL.
        let pairs: [(SQLValue, SQLValue)] = [
            (.text("a"), .text(long)), (.text(long + "x"), .text("b")), (.text(""), .null),
            (.null, .text("")), (.text("c"), .text("d")), (.text(String(long.prefix(40))), .text("ü")),
        ]
        try db.transaction {
            for (index, (a, b)) in pairs.enumerated() { try insert.run([.integer(Int64(index)), a, b]) }
            // Bound one by one and rewound, as the ledger's landing does: a rebind replaces one value only.
            try insert.bind(1, .integer(100))
            try insert.bind(2, .text("kept"))
            try insert.bind(3, .text(long))
            try insert.step()
            insert.rewind()
            try insert.bind(1, .integer(101))
            try insert.bind(3, .text("short"))
            try insert.step()
            insert.reset()
        }
        let rows = try db.prepare("SELECT a, b FROM t ORDER BY n").rows()
        let expected: [[SQLValue]] =
            pairs.map { [$0.0, $0.1] } + [[.text("kept"), .text(long)], [.text("kept"), .text("short")]]
        #expect(rows == expected)
        #expect(throws: DatabaseError.self) { try insert.bind(4, .text("no such parameter")) }
    }

    @Test("an error carries SQLite's extended code and the SQL that failed")
    func errorsCarryTheExtendedCodeAndTheSQL() throws {
        let db = try Database(path: try temporaryDatabase())
        try db.execute("CREATE TABLE t (a INTEGER PRIMARY KEY)")
        try db.prepare("INSERT INTO t VALUES (1)").run()
        do {
            try db.prepare("INSERT INTO t VALUES (1)").run()
            Issue.record("expected a constraint error")
        } catch {
            #expect(error.code == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
            #expect(error.sql == "INSERT INTO t VALUES (1)")
        }
        #expect(throws: DatabaseError.self) { try db.prepare("SELEC nonsense") }
    }

    @Test("a transaction whose body throws rolls back")
    func rollbackOnThrow() throws {
        let db = try Database(path: try temporaryDatabase())
        try db.execute("CREATE TABLE t (a INTEGER)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.prepare("INSERT INTO t VALUES (1)").run()
                throw Boom()
            }
        }
        #expect(try db.prepare("SELECT count(*) FROM t").rows() == [[.integer(0)]])
    }

    @Test("a locked database is waited for up to the busy timeout, then said to be locked")
    func aLockedDatabaseWaitsThenSaysSo() throws {
        let path = try temporaryDatabase()
        let first = try Database(path: path)
        try first.execute("CREATE TABLE t (a INTEGER)")
        try first.execute("BEGIN IMMEDIATE")
        let second = try Database(path: path, busyTimeout: 0.2)
        let started = Date()
        do {
            try second.execute("BEGIN IMMEDIATE")
            Issue.record("expected busy")
        } catch {
            #expect(error.isBusy)
            #expect(error.description.contains("locked by another fansync run"))
        }
        #expect(Date().timeIntervalSince(started) >= 0.15)
        try first.execute("COMMIT")
    }

    @Test("the rollback journal is taken only by a connection that has the database alone, and given back")
    func theRollbackJournalNeedsTheDatabaseAlone() throws {
        let path = try temporaryDatabase()
        let writer = try Database(path: path)
        try writer.execute("CREATE TABLE t (a INTEGER)")
        func mode(_ db: Database) throws -> String? {
            try db.prepare("PRAGMA journal_mode").rows().first?.first?.string
        }
        #expect(try mode(writer) == "wal")
        // Another connection open: the mode stays WAL, at once and without an error.
        do {
            let reader = try Database(path: path, busyTimeout: 2)
            #expect(try reader.prepare("SELECT count(*) FROM t").rows() == [[.integer(0)]])
            let started = Date()
            #expect(try writer.setJournalMode(.delete) == false)
            #expect(Date().timeIntervalSince(started) < 1)
            #expect(try mode(writer) == "wal")
        }
        // Alone: the rollback journal, and WAL again after.
        #expect(try writer.setJournalMode(.delete))
        #expect(try mode(writer) == "delete")
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(try writer.setJournalMode(.wal))
        #expect(try mode(writer) == "wal")
    }

    @Test("a connection opened while another writes with the rollback journal reads the last commit")
    func aReaderOpensBesideARollbackJournalWriter() throws {
        let path = try temporaryDatabase()
        let writer = try Database(path: path)
        try writer.execute("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)")
        #expect(try writer.setJournalMode(.delete))
        try writer.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (2)")
        // Opening would put the database back in WAL; the writer is in the way, so it reads as is.
        let reader = try Database(path: path, busyTimeout: 0.2)
        #expect(try reader.prepare("SELECT count(*) FROM t").rows() == [[.integer(1)]])
        try writer.execute("COMMIT")
        #expect(try reader.prepare("SELECT count(*) FROM t").rows() == [[.integer(2)]])
        // An idle reader holds no lock on the rollback journal: WAL comes back, and it reads on.
        #expect(try writer.setJournalMode(.wal))
        try writer.execute("INSERT INTO t VALUES (3)")
        #expect(try reader.prepare("SELECT count(*) FROM t").rows() == [[.integer(3)]])
    }

    @Test("a cached statement is reused for the same SQL")
    func cachedStatementsAreReused() throws {
        let db = try Database(path: try temporaryDatabase())
        let one = try db.cached("SELECT 1")
        let two = try db.cached("SELECT 1")
        #expect(one === two)
    }

    @Test("a blob is written into its room, zero bytes included, and read back; an empty one is not NULL")
    func blobsRoundTrip() throws {
        let db = try Database(path: try temporaryDatabase())
        try db.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, bytes BLOB)")
        let insert = try db.prepare("INSERT INTO b (id, bytes) VALUES (?, zeroblob(?))")
        let bytes: [UInt8] = [0, 1, 0, 255, 0x1F, 0]
        for (id, value) in [(1, bytes), (2, []), (4, bytes)] {
            try insert.run([.integer(Int64(id)), .integer(Int64(value.count))])
            try value.withUnsafeBytes { try db.writeBlob(table: "b", column: "bytes", rowid: Int64(id), bytes: $0) }
        }
        try db.prepare("INSERT INTO b (id, bytes) VALUES (3, NULL)").run()
        #expect(
            try db.prepare("SELECT typeof(bytes), length(bytes) FROM b ORDER BY id").rows() == [
                [.text("blob"), .integer(6)], [.text("blob"), .integer(0)], [.text("null"), .null],
                [.text("blob"), .integer(6)],
            ])
        var found: [[UInt8]?] = []
        for row in try db.prepare("SELECT id, bytes IS NULL FROM b ORDER BY id").rows() {
            guard let id = row[0].int, row[1].int == 0 else {
                found.append(nil)
                continue
            }
            var read: [UInt8] = []
            try db.readBlob(table: "b", column: "bytes", rowid: id) { read += $0 }
            found.append(read)
        }
        #expect(found == [bytes, [], nil, bytes])
    }

    @Test("a blob is written and read a piece at a time, pieces of any size giving the same bytes")
    func blobsInPieces() throws {
        let db = try Database(path: try temporaryDatabase())
        try db.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, bytes BLOB)")
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        try db.execute("INSERT INTO b (id, bytes) VALUES (1, zeroblob(10000)), (2, zeroblob(0))")
        try bytes.withUnsafeBytes { try db.writeBlob(table: "b", column: "bytes", rowid: 1, bytes: $0, piece: 999) }
        #expect(
            try db.prepare("SELECT hex(bytes) FROM b WHERE id = 1").rows().first?.first?.string
                == bytes.map { String(format: "%02X", $0) }.joined())
        for piece in [1, 24, 4096, 10_000, 1 << 20] {
            var read: [UInt8] = [], pieces = 0
            let size = try db.readBlob(table: "b", column: "bytes", rowid: 1, piece: piece) {
                #expect($0.count <= piece)
                read += $0
                pieces += 1
            }
            #expect(size == bytes.count)
            #expect(read == bytes)
            #expect(pieces == (bytes.count + piece - 1) / piece)
        }
        var empty = 0
        #expect(try db.readBlob(table: "b", column: "bytes", rowid: 2) { _ in empty += 1 } == 0)
        #expect(empty == 0)
        // Writing past the room the row has, or a row that is not there, is an error.
        #expect(throws: DatabaseError.self) {
            try bytes.withUnsafeBytes { try db.writeBlob(table: "b", column: "bytes", rowid: 2, bytes: $0) }
        }
        #expect(throws: DatabaseError.self) { try db.readBlob(table: "b", column: "bytes", rowid: 3) { _ in } }
    }
}
