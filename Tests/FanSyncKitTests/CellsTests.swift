import FanSyncSQLite
import Foundation
import Testing

@testable import FanSyncKit

/// The buffer the people phase copies ledger rows into and people rows out of: what goes in
/// comes out the same, from Swift values, from a statement's columns and into a statement's
/// parameters.
@Suite struct CellsTests {
    @Test("texts, integers, doubles and NULLs read back as appended; an empty text is not NULL")
    func valuesReadBackAsAppended() {
        var cells = Cells()
        cells.append("Zoë Ångström")
        cells.append("")
        cells.append(nil as String?)
        cells.append(Int64.min)
        cells.append(Int64(0))
        cells.append(nil as Int64?)
        cells.append(-0.125)
        cells.append(nil as Double?)
        cells.appendNull()
        cells.append("a\u{1F}Zoë\u{1F}\u{1F}b c\u{1F}")
        #expect(cells.count == 10)
        #expect(cells.text(0) == "Zoë Ångström")
        #expect(cells.text(1) == "")
        #expect(cells.text(2) == nil)
        #expect(cells.int(3) == Int64.min)
        #expect(cells.int(4) == 0)
        #expect(cells.int(5) == nil)
        #expect(cells.double(6) == -0.125)
        #expect(cells.double(7) == nil)
        #expect(cells.text(8) == nil && cells.int(8) == nil && cells.double(8) == nil)
        // A value read as another type is nobody's: no conversion happens.
        #expect(cells.int(0) == nil && cells.text(3) == nil && cells.int(6) == nil)
        // Split as a ledger's tags column is: empty pieces left out.
        #expect(cells.texts(9, separatedBy: 0x1F) == ["a", "Zoë", "b c"])
        #expect(cells.texts(1, separatedBy: 0x1F) == [])
        #expect(cells.texts(2, separatedBy: 0x1F) == nil)
    }

    @Test("columns copied from a row read as the statement reads them, and bind back to the same row")
    func columnsCopiedAndBoundBack() throws {
        let db = try Database(path: try temporaryDirectory() + "/cells.db")
        try db.execute("CREATE TABLE t (a TEXT, b INTEGER, c REAL, d TEXT, e INTEGER, f TEXT)")
        try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)").run([
            .text("Łódź ✓"), .integer(-42), .real(12.5), .null, .null, .text(""),
        ])
        let select = try db.prepare("SELECT a, b, c, d, e, f FROM t")
        #expect(try select.step())
        var cells = Cells()
        cells.append(text: 0, of: select)
        cells.append(integer: 1, of: select)
        cells.append(real: 2, of: select)
        cells.append(text: 3, of: select)
        cells.append(integer: 4, of: select)
        cells.append(text: 5, of: select)
        cells.append(text: -1, of: select)  // no such column: NULL
        #expect(cells.text(0) == select.text(0))
        #expect(cells.int(1) == select.int(1))
        #expect(cells.double(2) == select.double(2))
        #expect(cells.text(3) == nil && cells.int(4) == nil)
        #expect(cells.text(5) == "")
        #expect(cells.text(6) == nil)
        select.reset()

        try db.execute("CREATE TABLE u (a TEXT, b INTEGER, c REAL, d TEXT, e INTEGER, f TEXT)")
        let insert = try db.prepare("INSERT INTO u VALUES (?, ?, ?, ?, ?, ?)")
        // Only a range is bound, to parameters 1…n: the values of one row among many.
        var two = Cells()
        two.append("before")
        for index in 0..<6 {
            switch index {
            case 1, 4: two.append(cells.int(index))
            case 2: two.append(cells.double(index))
            default: two.append(cells.text(index))
            }
        }
        try two.bind(1..<7, to: insert)
        try insert.run()
        let copied = try db.prepare("SELECT a, b, c, d, e, f FROM u").rows()
        let original = try db.prepare("SELECT a, b, c, d, e, f FROM t").rows()
        #expect(copied == original)
        #expect(copied.first?.last == .text(""))  // empty, not NULL
    }
}

/// The fields a ledger row gives the merge name real columns, read as their declared types: a
/// misspelt column would be read as NULL on every row, and a text column read as an integer
/// would lose its value, and neither would fail anywhere else.
@Suite struct LedgerFieldTests {
    @Test("every field the people phase copies is a ledger column of its declared SQL type")
    func everyFieldIsAColumnOfItsType() {
        var declared: [String: Set<String>] = ["source": ["TEXT"], "source_id": ["TEXT"]]
        for kind in RecordKind.allCases {
            for column in Schema.columns(of: kind) + Schema.bookkeeping {
                // The type's name, without its constraints ("INTEGER NOT NULL").
                declared[column.name, default: []].insert(String(column.type.prefix { $0 != " " }))
            }
        }
        for field in LedgerCursor.Field.allCases {
            let type: String
            switch field.read {
            case .text: type = "TEXT"
            case .integer: type = "INTEGER"
            case .real: type = "REAL"
            }
            #expect(declared[field.column] == [type], "\(field) reads column '\(field.column)' as \(type)")
        }
    }
}
