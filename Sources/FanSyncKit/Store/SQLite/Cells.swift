import FanSyncSQLite

/// SQL values of many rows in one buffer: the ledger rows of a chunk of people, copied out of
/// SQLite by the writing thread and decoded into evidence by a worker; and the column values of
/// a chunk of merged people, encoded by the worker and bound by the writing thread. The thread
/// that owns the connection then copies bytes and makes no String, array or value of its own (a
/// String a column was about half of that thread's time in a people phase, measured), and a
/// chunk is two allocations, freed at once.
struct Cells: Sendable {
    /// One value: text (`length` bytes at offset `value` of ``bytes``), an integer or a double
    /// (its bits), or NULL.
    private struct Cell {
        static let null: Int32 = -1, integer: Int32 = -2, real: Int32 = -3
        var value: Int64
        var length: Int32
    }

    private var bytes: [UInt8] = []
    private var cells: [Cell] = []

    /// How many values are held.
    var count: Int { cells.count }

    init(reservingCapacity values: Int = 0) {
        cells.reserveCapacity(values)
        bytes.reserveCapacity(values * 16)
    }

    // MARK: Writing

    mutating func appendNull() { cells.append(Cell(value: 0, length: Cell.null)) }

    mutating func append(_ number: Int64?) {
        guard let number else { return appendNull() }
        cells.append(Cell(value: number, length: Cell.integer))
    }

    mutating func append(_ number: Double?) {
        guard let number else { return appendNull() }
        cells.append(Cell(value: Int64(bitPattern: number.bitPattern), length: Cell.real))
    }

    mutating func append(_ text: String?) {
        guard var text else { return appendNull() }
        text.withUTF8 { append(utf8: $0) }
    }

    mutating func append(utf8 text: UnsafeBufferPointer<UInt8>) {
        cells.append(Cell(value: Int64(bytes.count), length: Int32(text.count)))
        bytes.append(contentsOf: text)
    }

    /// Column `index` of `statement`'s row read as text (NULL stays NULL), as ``Statement/text(_:)`` reads it.
    mutating func append(text index: Int32, of statement: Statement) {
        guard index >= 0, statement.withTextBytes(index, { append(utf8: $0) }) != nil else { return appendNull() }
    }

    /// Column `index` read as an integer (NULL, or no such column, stays NULL).
    mutating func append(integer index: Int32, of statement: Statement) {
        append(index < 0 ? nil : statement.int(index))
    }

    /// Column `index` read as a double (NULL, or no such column, stays NULL).
    mutating func append(real index: Int32, of statement: Statement) {
        append(index < 0 ? nil : statement.double(index))
    }

    // MARK: Reading

    func text(_ index: Int) -> String? {
        let cell = cells[index]
        guard cell.length >= 0 else { return nil }
        return bytes.withUnsafeBufferPointer { all in
            String(
                decoding: UnsafeBufferPointer(rebasing: all[Int(cell.value)..<Int(cell.value) + Int(cell.length)]),
                as: UTF8.self)
        }
    }

    /// The text at `index` split at `separator` (an ASCII byte, so never inside a character),
    /// empty pieces left out, as `split(separator:)` does; nil for NULL. One String a piece,
    /// none for the whole (a ledger's tags column).
    func texts(_ index: Int, separatedBy separator: UInt8) -> [String]? {
        let cell = cells[index]
        guard cell.length >= 0 else { return nil }
        return bytes.withUnsafeBufferPointer { all in
            all[Int(cell.value)..<Int(cell.value) + Int(cell.length)].split(separator: separator).map {
                String(decoding: UnsafeBufferPointer(rebasing: $0), as: UTF8.self)
            }
        }
    }

    func int(_ index: Int) -> Int64? {
        cells[index].length == Cell.integer ? cells[index].value : nil
    }

    func double(_ index: Int) -> Double? {
        cells[index].length == Cell.real ? Double(bitPattern: UInt64(bitPattern: cells[index].value)) : nil
    }

    /// Binds the values `range` holds to `statement`'s parameters 1…n, in order.
    func bind(_ range: Range<Int>, to statement: Statement) throws(DatabaseError) {
        try bytes.withUnsafeBufferPointer { (all) throws(DatabaseError) in
            for (offset, index) in range.enumerated() {
                let cell = cells[index], parameter = Int32(offset + 1)
                switch cell.length {
                case Cell.null: try statement.bind(parameter, .null)
                case Cell.integer: try statement.bind(parameter, .integer(cell.value))
                case Cell.real: try statement.bind(parameter, .real(Double(bitPattern: UInt64(bitPattern: cell.value))))
                default:
                    try statement.bind(
                        parameter,
                        utf8: UnsafeBufferPointer(rebasing: all[Int(cell.value)..<Int(cell.value) + Int(cell.length)]))
                }
            }
        }
    }
}
