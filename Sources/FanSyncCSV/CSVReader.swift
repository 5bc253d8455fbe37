internal import CLibCSV
import FanSyncIO

/// How a ``CSVReader`` reads its input.
public struct CSVReaderOptions: Sendable {
    /// The encoding to assume; `.auto` detects UTF-16 marks and falls back to
    /// Windows-1252 when the bytes are not valid UTF-8.
    public var encoding: TextEncoding = .auto
    /// The field delimiter; `nil` sniffs it from the header line among
    /// `,` `;` tab and `|`.
    public var delimiter: UInt8? = nil
    /// How many bytes to hand libcsv at a time.
    public var chunkSize = 64 * 1024
    /// Whether the first record is a header (validated: no blank or duplicate names).
    public var hasHeader = true
    /// A record larger than this is an error (it guards memory against a
    /// quote that is never closed).
    public var maxRecordBytes = 16 * 1024 * 1024

    public init(
        encoding: TextEncoding = .auto, delimiter: UInt8? = nil, chunkSize: Int = 64 * 1024,
        hasHeader: Bool = true
    ) {
        self.encoding = encoding
        self.delimiter = delimiter
        self.chunkSize = chunkSize
        self.hasHeader = hasHeader
    }

    /// The delimiters the sniffer considers, in order of preference on a tie.
    public static let sniffedDelimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")]
}

/// How the lines of an input ended.
public struct LineEndings: Sendable, Equatable {
    public var crlf = 0
    public var lf = 0
    public var cr = 0

    /// `CRLF`, `LF`, `CR`, `mixed (…)`, or `none` for a single line.
    public var summary: String {
        let kinds = [("CRLF", crlf), ("LF", lf), ("CR", cr)].filter { $0.1 > 0 }
        switch kinds.count {
        case 0: return "none"
        case 1: return kinds[0].0
        default: return "mixed (" + kinds.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + ")"
        }
    }
}

/// Reads a CSV file one record at a time, in constant memory.
///
/// libcsv pushes fields to C callbacks; this type turns that into a pull
/// API. Bytes are read in chunks; the records libcsv completes while parsing
/// a chunk wait in a small pool until ``next()`` or ``read(into:)`` pulls them.
///
/// ```swift
/// let reader = try CSVReader(path: "samples/stripe/unified_payments.csv")
/// print(reader.headerNames)
/// var record = CSVRecord()
/// while try reader.read(into: &record) {
///     print(record.position.line, record[0] ?? "")
/// }
/// ```
///
/// What it handles: RFC 4180 quoting (commas, doubled quotes, CR/LF inside
/// quotes), CRLF, LF and lone-CR line endings, a last line without a newline,
/// blank lines (skipped, still counted in line numbers), a UTF-8 byte-order
/// mark, UTF-16 with a mark, Windows-1252, gzip, and standard input (`-`).
/// Spaces around fields are kept, as RFC 4180 asks. A stray quote inside an
/// unquoted field is kept as a literal character.
///
/// A record whose field count differs from the header's is still returned:
/// compare ``CSVRecord/count`` with ``header``'s count (``raggedRecords``
/// counts them).
///
/// A class because it owns a file and a C parser, both released in `deinit`.
/// Not `Sendable`: use it from one task.
public final class CSVReader {
    /// The path as given (`-` for standard input).
    public let path: String
    /// The header record (record 0), when the options say there is one.
    public private(set) var header: CSVRecord?
    /// The delimiter in use.
    public let delimiter: UInt8
    /// True when ``delimiter`` was sniffed rather than given.
    public let delimiterWasSniffed: Bool
    /// The encoding the records are decoded from. In `.auto` mode this turns
    /// to Windows-1252 at the first byte that is not valid UTF-8.
    public private(set) var encoding: DetectedEncoding
    /// Whether a byte-order mark was removed.
    public let hadByteOrderMark: Bool
    /// Whether the input was gzip-compressed.
    public var wasCompressed: Bool { input.source.isCompressed }
    /// Human-readable notices, such as an encoding fallback. Few and short.
    public private(set) var notices: [String] = []
    /// Data records (not the header) returned so far.
    public private(set) var recordsRead = 0
    /// Data records whose field count differs from the header's.
    public private(set) var raggedRecords = 0

    private let input: TextInput
    private let options: CSVReaderOptions
    private var decodeMode: TextEncoding  // .utf8 (strict), .auto, or .windows1252
    // The C parser and the callbacks' state, reached through raw pointers: no
    // ARC traffic and no exclusivity checks on the per-field path. `parsing`
    // owns both, so they are freed even when the initializer throws before
    // every property is set (a class's deinit does not run then).
    private let parsing = ParserStorage()
    private var parser: UnsafeMutablePointer<csv_parser> { parsing.parser }
    private var state: UnsafeMutablePointer<ParseState> { parsing.state }
    private var chunk: [UInt8]
    private var prefixCount = 0  // sniffed bytes in `chunk` not yet parsed
    private var readyIndex = 0  // next record span to hand out
    private var scratch: [UInt8] = []  // for transcoding
    private var finished = false
    private var failure: CSVError?  // thrown once the records before it are out

    /// The path to show in messages.
    public var displayName: String { input.displayName }

    /// The header's field names (empty when there is no header).
    public var headerNames: [String] { header?.fields ?? [] }

    /// Line endings seen so far.
    public var lineEndings: LineEndings { state.pointee.lineEndings }
    /// Bytes of the file read so far and its size when known (safe from any thread).
    public var progress: (bytes: Int, total: Int?) { input.source.progress }
    /// Blank lines skipped so far.
    public var blankLines: Int { state.pointee.blankLines }

    /// Opens `path` (`-` for standard input), sniffs encoding and delimiter,
    /// and reads the header.
    ///
    /// - Throws: ``CSVError`` if the input cannot be opened or its header is
    ///   missing, blank or duplicated.
    public init(path: String, options: CSVReaderOptions = CSVReaderOptions()) throws(CSVError) {
        self.path = path
        self.options = options
        let input: TextInput
        do {
            input = try TextInput(path: path, encoding: options.encoding)
        } catch {
            throw CSVError(.input(error), path: path == "-" ? "<stdin>" : path)
        }
        self.input = input
        self.hadByteOrderMark = input.hadByteOrderMark
        self.chunk = [UInt8](repeating: 0, count: max(8, options.chunkSize))
        switch input.form {
        case .utf16LE, .utf16BE:
            encoding = input.form
            decodeMode = .utf8  // transcoded by TextInput: always valid
            if input.utf16WithoutMark {
                notices.append(
                    "no byte-order mark, but every other byte of the header is NUL: read as \(input.form.rawValue)")
            }
        default:
            encoding = options.encoding == .windows1252 ? .windows1252 : .utf8
            decodeMode = options.encoding == .utf16 ? .utf8 : options.encoding
        }

        // Fill the first chunk until it holds a whole first line, to sniff from.
        do {
            while prefixCount < chunk.count {
                let count = try input.read(into: &chunk, at: prefixCount)
                if count == 0 { break }
                prefixCount += count
                if chunk[0..<prefixCount].contains(where: { $0 == 0x0A || $0 == 0x0D }) { break }
            }
        } catch {
            throw CSVError(.input(error), path: input.displayName)
        }
        if let forced = options.delimiter {
            delimiter = forced
            delimiterWasSniffed = false
        } else {
            delimiter = Self.sniffDelimiter(chunk[0..<prefixCount])
            delimiterWasSniffed = true
        }
        csv_set_delim(parser, delimiter)
        csv_set_space_func(parser, clibcsv_no_space)

        if options.hasHeader {
            var header = CSVRecord()
            guard try readRecord(into: &header) else {
                throw CSVError(.emptyFile, path: input.displayName, line: state.pointee.line)
            }
            try Self.validate(header: header, path: input.displayName)
            self.header = header
        }
    }

    /// Returns the next data record, or `nil` at the end of the input.
    ///
    /// - Throws: ``CSVError`` if the input cannot be read, is not valid in
    ///   the forced encoding, or ends inside a quoted field; the error
    ///   carries the line of the offending record. Stop reading after a throw.
    public func next() throws(CSVError) -> CSVRecord? {
        var record = CSVRecord()
        return try read(into: &record) ? record : nil
    }

    /// Reads the next data record into `record`, reusing its storage;
    /// returns false at the end of the input. The fastest way to read.
    public func read(into record: inout CSVRecord) throws(CSVError) -> Bool {
        guard try readRecord(into: &record) else { return false }
        recordsRead += 1
        if let header, record.count != header.count { raggedRecords += 1 }
        return true
    }

    private func readRecord(into record: inout CSVRecord) throws(CSVError) -> Bool {
        while readyIndex == state.pointee.recordCount {
            if let failure { throw failure }
            if finished { return false }
            state.pointee.compact()
            readyIndex = 0
            try parseNextChunk()
        }
        let span = state.pointee.records[readyIndex]
        readyIndex += 1
        state.pointee.copy(span, into: &record)
        if !record.bytes.withUnsafeBytes(UTF8Check.isASCII) {
            try decodeNonASCII(&record)
        }
        return true
    }

    private func parseNextChunk() throws(CSVError) {
        let count: Int
        if prefixCount > 0 {
            count = prefixCount
            prefixCount = 0
        } else {
            do {
                count = try input.read(into: &chunk)
            } catch {
                failure = CSVError(.input(error), path: input.displayName, line: state.pointee.line)
                return
            }
        }
        let context = UnsafeMutableRawPointer(state)
        if count == 0 {
            finished = true
            // libcsv reports an open quote at the end only in strict mode,
            // which would also reject stray quotes mid-field: look ourselves.
            // (pstate 2 is libcsv's FIELD_BEGUN.)
            if parser.pointee.quoted != 0 && parser.pointee.pstate == 2 {
                failure = CSVError(.unterminatedQuote, path: input.displayName, line: state.pointee.currentRecordLine)
                return
            }
            csv_fini(parser, onField, onRecordEnd, context)
            state.pointee.finish()
            return
        }
        let parsed = chunk.withUnsafeBytes {
            csv_parse(parser, $0.baseAddress, count, onField, onRecordEnd, context)
        }
        if parsed < count {
            let message = String(cString: csv_strerror(csv_error(parser)))
            failure = CSVError(.parser(message), path: input.displayName, line: state.pointee.line)
        } else if state.pointee.buildingBytes + parser.pointee.entry_pos > options.maxRecordBytes {
            failure = CSVError(
                .recordTooLarge(limit: options.maxRecordBytes), path: input.displayName,
                line: state.pointee.currentRecordLine)
        }
    }

    /// Validates or transcodes a record that is not pure ASCII, by `decodeMode`.
    ///
    /// `.auto` decides per field: a field that is valid UTF-8 stays as it
    /// is, one that is not is read as Windows-1252. A real Windows-1252
    /// field is practically never valid UTF-8 (that needs sequences such as
    /// "Ã©"), so pure files decode the same as with a whole-file choice, and
    /// files pasted together from both encodings decode without mojibake.
    private func decodeNonASCII(_ record: inout CSVRecord) throws(CSVError) {
        if decodeMode != .windows1252,
            record.bytes.withUnsafeBytes({ UTF8Check.firstInvalidByte(in: $0) }) == nil
        {
            return  // valid UTF-8: the common case
        }
        var needsTranscoding = [Bool](repeating: decodeMode == .windows1252, count: record.count)
        if decodeMode != .windows1252 {
            var firstBad: Int?
            record.bytes.withUnsafeBytes { bytes in
                var start = 0
                for (index, end) in record.ends.enumerated() {
                    let field = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                    if let bad = UTF8Check.firstInvalidByte(in: field) {
                        needsTranscoding[index] = true
                        if firstBad == nil { firstBad = start + bad }
                    }
                    start = end
                }
            }
            guard let bad = firstBad else { return }
            let line = record.position.line + record.bytes[0..<bad].count(where: { $0 == 0x0A })
            if decodeMode == .utf8 {
                let column = (record.ends.firstIndex(where: { $0 > bad }) ?? record.count - 1) + 1
                let error = CSVError(.invalidUTF8, path: input.displayName, line: line, column: column)
                failure = error
                throw error
            }
            if encoding != .windows1252 { switchToWindows1252(line: line) }
        }
        // Rebuild the record as UTF-8, field by field.
        scratch.removeAll(keepingCapacity: true)
        record.bytes.withUnsafeBytes { bytes in
            var start = 0
            for (index, end) in record.ends.enumerated() {
                let field = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                if needsTranscoding[index] {
                    UTF8Check.appendWindows1252(field, to: &scratch)
                } else {
                    scratch.append(contentsOf: field)
                }
                record.ends[index] = scratch.count
                start = end
            }
        }
        swap(&record.bytes, &scratch)
    }

    private func switchToWindows1252(line: Int) {
        encoding = .windows1252
        notices.append(
            "line \(line): bytes that are not valid UTF-8; decoding such fields as Windows-1252"
                + ". Pass --encoding to choose another.")
    }

    /// Picks the delimiter that occurs most often, outside quotes, on the first line.
    static func sniffDelimiter(_ bytes: ArraySlice<UInt8>) -> UInt8 {
        var counts = [Int](repeating: 0, count: CSVReaderOptions.sniffedDelimiters.count)
        var quoted = false
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { quoted.toggle(); continue }
            if quoted { continue }
            if byte == 0x0A || byte == 0x0D { break }
            if let index = CSVReaderOptions.sniffedDelimiters.firstIndex(of: byte) { counts[index] += 1 }
        }
        guard let best = counts.indices.max(by: { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }),
            counts[best] > 0
        else { return UInt8(ascii: ",") }
        return CSVReaderOptions.sniffedDelimiters[best]
    }

    static func validate(header: CSVRecord, path: String) throws(CSVError) {
        var seen: [String: Int] = [:]
        for (index, name) in header.fields.enumerated() {
            let trimmed = name.trimmingSpaces
            if trimmed.isEmpty {
                throw CSVError(
                    .blankHeader(column: index + 1), path: path, line: header.position.line, column: index + 1)
            }
            if let first = seen[trimmed] {
                throw CSVError(
                    .duplicateHeader(name: trimmed, firstColumn: first, secondColumn: index + 1),
                    path: path, line: header.position.line, column: index + 1)
            }
            seen[trimmed] = index + 1
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingSpaces: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}

// C callbacks cannot capture context; the parse state travels in `data`.
private let onField: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = {
    field, length, data in
    guard let data else { return }
    data.assumingMemoryBound(to: ParseState.self).pointee.append(field: field, count: length)
}

private let onRecordEnd: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { terminator, data in
    guard let data else { return }
    data.assumingMemoryBound(to: ParseState.self).pointee.endRecord(terminator: terminator)
}

/// Owns libcsv's parser and the parse state its callbacks fill.
private final class ParserStorage {
    let parser = UnsafeMutablePointer<csv_parser>.allocate(capacity: 1)
    let state = UnsafeMutablePointer<ParseState>.allocate(capacity: 1)

    init() {
        state.initialize(to: ParseState())
        csv_init(parser, UInt8(CSV_STRICT_FINI | CSV_REPALL_NL))
    }

    deinit {
        csv_free(parser)  // not csv_fini: that would flush a half-parsed record
        parser.deallocate()
        state.pointee.release()
        state.deinitialize(count: 1)
        state.deallocate()
    }
}
