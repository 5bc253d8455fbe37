/// Where one complete record lies in the batch buffers.
struct RecordSpan {
    var byteStart: Int
    var fieldStart: Int
    var fieldEnd: Int
    var line: Int
    var index: Int
}

/// What libcsv's callbacks write into while one chunk is parsed: the bytes
/// and field ends of every record completed in the chunk, plus the record
/// still being built. Plain manually managed buffers, reached through a raw
/// pointer, keep the per-field path free of ARC and exclusivity checks; this
/// is the one place in the reader where that trade is made.
struct ParseState {
    private(set) var bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 17)
    private var byteCapacity = 1 << 17
    private var byteCount = 0
    private(set) var ends = UnsafeMutablePointer<Int>.allocate(capacity: 1 << 12)
    private var endCapacity = 1 << 12
    private var endCount = 0
    private(set) var records = UnsafeMutablePointer<RecordSpan>.allocate(capacity: 1 << 10)
    private var recordCapacity = 1 << 10
    private(set) var recordCount = 0

    // The record being built starts here.
    private var buildingByteStart = 0
    private var buildingFieldStart = 0
    private(set) var recordLine = 1

    private(set) var line = 1
    private var recordIndex = 0
    private var afterCR = false
    private(set) var lineEndings = LineEndings()
    private(set) var blankLines = 0

    init() {}

    func release() {
        bytes.deallocate()
        ends.deallocate()
        records.deallocate()
    }

    var isBuilding: Bool { endCount > buildingFieldStart }
    var buildingBytes: Int { byteCount - buildingByteStart }
    /// The line the record in progress starts on (its first field may still be inside libcsv).
    var currentRecordLine: Int { isBuilding ? recordLine : line }

    /// Drops the records already handed out, moving the one being built to the front.
    mutating func compact() {
        recordCount = 0
        let movedBytes = byteCount - buildingByteStart
        let movedFields = endCount - buildingFieldStart
        if movedBytes > 0 { bytes.update(from: bytes + buildingByteStart, count: movedBytes) }
        for index in 0..<movedFields { ends[index] = ends[buildingFieldStart + index] - buildingByteStart }
        byteCount = movedBytes
        endCount = movedFields
        buildingByteStart = 0
        buildingFieldStart = 0
    }

    /// Copies a completed record into `record`, reusing its storage.
    func copy(_ span: RecordSpan, into record: inout CSVRecord) {
        let end = span.fieldEnd > span.fieldStart ? ends[span.fieldEnd - 1] : span.byteStart
        record.position = CSVPosition(line: span.line, record: span.index)
        record.bytes.removeAll(keepingCapacity: true)
        record.bytes.append(contentsOf: UnsafeBufferPointer(start: bytes + span.byteStart, count: end - span.byteStart))
        record.ends.removeAll(keepingCapacity: true)
        for index in span.fieldStart..<span.fieldEnd { record.ends.append(ends[index] - span.byteStart) }
    }

    @inline(__always)
    mutating func append(field: UnsafeMutableRawPointer?, count: Int) {
        if afterCR { lineEndings.cr += 1; afterCR = false }
        if endCount == buildingFieldStart { recordLine = line }
        if byteCount + count > byteCapacity { growBytes(to: byteCount + count) }
        if endCount == endCapacity { growEnds() }
        if count > 0, let field {
            // Copy: libcsv reuses its buffer after the callback returns.
            (bytes + byteCount).update(from: field.assumingMemoryBound(to: UInt8.self), count: count)
            // Line breaks inside quoted fields still count as lines, so line
            // numbers stay physical. A cheap test first: any byte below 0x0E?
            if Self.mayHoldLineBreak(UnsafeRawPointer(field), count: count) {
                countLineBreaks(from: byteCount, count: count)
            }
            byteCount += count
        }
        ends[endCount] = byteCount
        endCount += 1
    }

    /// True when some byte is below 0x0E (CR is 0x0D, LF 0x0A); eight bytes
    /// at a time (the classic "has a byte less than n" test).
    @inline(__always)
    static func mayHoldLineBreak(_ base: UnsafeRawPointer, count: Int) -> Bool {
        var index = 0
        while index + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if (word &- 0x0E0E_0E0E_0E0E_0E0E) & ~word & 0x8080_8080_8080_8080 != 0 { return true }
            index += 8
        }
        while index < count {
            if base.load(fromByteOffset: index, as: UInt8.self) < 0x0E { return true }
            index += 1
        }
        return false
    }

    private mutating func countLineBreaks(from start: Int, count: Int) {
        var index = start
        let end = start + count
        while index < end {
            let byte = bytes[index]
            if byte == 0x0A || (byte == 0x0D && (index + 1 == end || bytes[index + 1] != 0x0A)) { line += 1 }
            index += 1
        }
    }

    mutating func endRecord(terminator: Int32) {
        let hasFields = endCount > buildingFieldStart
        switch terminator {
        case 0x0D:
            if afterCR { lineEndings.cr += 1 }
            if !hasFields { blankLines += 1 }
            line += 1
            afterCR = true
        case 0x0A where afterCR:  // LF of a CRLF pair
            lineEndings.crlf += 1
            afterCR = false
        case 0x0A:
            lineEndings.lf += 1
            if !hasFields { blankLines += 1 }
            line += 1
        default:  // -1: end of input
            break
        }
        guard hasFields else { return }
        if recordCount == recordCapacity { growRecords() }
        records[recordCount] = RecordSpan(
            byteStart: buildingByteStart, fieldStart: buildingFieldStart,
            fieldEnd: endCount, line: recordLine, index: recordIndex)
        recordCount += 1
        recordIndex += 1
        buildingByteStart = byteCount
        buildingFieldStart = endCount
    }

    /// Settles a CR that ended the input.
    mutating func finish() {
        if afterCR { lineEndings.cr += 1; afterCR = false }
    }

    private mutating func growBytes(to needed: Int) {
        var capacity = byteCapacity * 2
        while capacity < needed { capacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        grown.update(from: bytes, count: byteCount)
        bytes.deallocate()
        bytes = grown
        byteCapacity = capacity
    }

    private mutating func growEnds() {
        let grown = UnsafeMutablePointer<Int>.allocate(capacity: endCapacity * 2)
        grown.update(from: ends, count: endCount)
        ends.deallocate()
        ends = grown
        endCapacity *= 2
    }

    private mutating func growRecords() {
        let grown = UnsafeMutablePointer<RecordSpan>.allocate(capacity: recordCapacity * 2)
        grown.update(from: records, count: recordCount)
        records.deallocate()
        records = grown
        recordCapacity *= 2
    }
}
