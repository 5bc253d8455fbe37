/// Where a record starts in its input.
///
/// Lines count from 1, like an editor; the header is line 1 unless blank
/// lines come before it. Records count from 0, and the header row, when
/// there is one, is record 0.
public struct CSVPosition: Hashable, Sendable {
    /// The physical line on which the record starts.
    public var line: Int
    /// The index of the record among all records of the input.
    public var record: Int

    public init(line: Int, record: Int) {
        self.line = line
        self.record = record
    }
}

/// One CSV record: a single UTF-8 byte buffer plus the end offset of each
/// field, so a record costs two allocations however many fields it has, and
/// none when it is reused (see ``CSVReader/read(into:)``).
///
/// The bytes are always valid UTF-8: the reader has validated or transcoded
/// them (Windows-1252, UTF-16) before handing the record out.
public struct CSVRecord: Sendable, Equatable {
    /// Where the record starts in its input.
    public internal(set) var position = CSVPosition(line: 1, record: 0)
    @usableFromInline var bytes: [UInt8] = []
    @usableFromInline var ends: [Int] = []

    public init() {}

    /// A record made of `fields`, for tests and writers.
    public init<S: Sequence>(_ fields: S, position: CSVPosition = .init(line: 1, record: 0)) where S.Element == String {
        self.position = position
        for field in fields {
            bytes.append(contentsOf: field.utf8)
            ends.append(bytes.count)
        }
    }

    /// The number of fields in the record.
    @inlinable public var count: Int { ends.count }

    /// The field at `index` as a string, or `nil` when the record has fewer fields.
    public subscript(index: Int) -> String? {
        guard index >= 0, index < ends.count else { return nil }
        let start = index == 0 ? 0 : ends[index - 1]
        return bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[start..<ends[index]]), as: UTF8.self)
        }
    }

    /// Calls `body` with the raw UTF-8 bytes of field `index`, without
    /// building a `String`; returns `nil` when the record has fewer fields.
    @inlinable
    public func withField<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard index >= 0, index < ends.count else { return nil }
        let start = index == 0 ? 0 : ends[index - 1]
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<ends[index]])) }
    }

    /// Calls `body` with the record's bytes and each field's end offset in them (field `i`
    /// spans `ends[i - 1]..<ends[i]`, the first starting at 0): one borrow for a whole row.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { bytes in try ends.withUnsafeBufferPointer { try body(bytes, $0) } }
    }

    /// All fields as strings.
    public var fields: [String] { (0..<count).map { self[$0] ?? "" } }

    /// The offset in ``bytes`` where field `index` starts.
    func start(of index: Int) -> Int { index == 0 ? 0 : ends[index - 1] }

    mutating func append(field: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: field)
        ends.append(bytes.count)
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }
}
