/// Bytes of text, as UTF-8 where the input's Unicode form allows it.
///
/// Wraps a ``ByteSource``: strips a UTF-8 byte-order mark and transcodes
/// UTF-16 (either byte order) to UTF-8 on the fly, chunk by chunk, so the
/// parsers above only ever see ASCII-compatible bytes. Windows-1252 is
/// ASCII-compatible too and is decoded later, per record, by the parser,
/// which knows the line a bad byte is on.
public final class TextInput: ByteReading {
    public let source: ByteSource
    /// The Unicode form of the input: UTF-8 (or an ASCII-compatible 8-bit
    /// encoding), or UTF-16 in one byte order.
    public private(set) var form: DetectedEncoding = .utf8
    /// Whether the input began with a byte-order mark (removed).
    public private(set) var hadByteOrderMark = false
    /// Whether UTF-16 was recognised without a byte-order mark, from the NUL
    /// high bytes of its first two characters.
    public private(set) var utf16WithoutMark = false

    // UTF-8 bytes not yet delivered: the sniffed head of a UTF-8 input, or
    // the transcoded form of the last UTF-16 block.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var raw: [UInt8] = []  // UTF-16 bytes awaiting transcoding
    private var highSurrogate: UInt32?
    private var rawOffset = 0  // byte offset in the input, for errors

    /// Opens `path` (or `-`) and looks at its first bytes for a byte-order mark.
    ///
    /// - Parameter encoding: ``TextEncoding/utf16`` forces UTF-16 even without
    ///   a mark; ``TextEncoding/utf8`` and ``TextEncoding/windows1252`` ignore
    ///   UTF-16 marks (a UTF-8 mark is removed in every mode).
    public init(path: String, encoding: TextEncoding = .auto) throws(InputError) {
        source = try ByteSource(path: path)
        var head = [UInt8](repeating: 0, count: 4)
        var filled = 0
        while filled < 4 {
            let count = try source.read(into: &head, at: filled)
            if count == 0 { break }
            filled += count
        }
        head.removeLast(4 - filled)
        var skip = 0
        if head.starts(with: [0xEF, 0xBB, 0xBF]) {
            hadByteOrderMark = true; skip = 3
        } else if encoding == .auto || encoding == .utf16, head.starts(with: [0xFF, 0xFE]) {
            hadByteOrderMark = true; skip = 2; form = .utf16LE
        } else if encoding == .auto || encoding == .utf16, head.starts(with: [0xFE, 0xFF]) {
            hadByteOrderMark = true; skip = 2; form = .utf16BE
        } else if encoding == .utf16 {
            // No mark: ASCII text in UTF-16 has a zero high byte, which shows the order.
            form = head.count >= 2 && head[0] == 0 && head[1] != 0 ? .utf16BE : .utf16LE
        } else if encoding == .auto, let order = Self.unmarkedUTF16(head) {
            // No mark, but every other byte is NUL: ASCII text in UTF-16.
            // No UTF-8 or 8-bit text export starts with NUL bytes.
            form = order
            utf16WithoutMark = true
        }
        rawOffset = skip
        if form == .utf8 {
            pending = Array(head[skip...])
        } else {
            raw = Array(head[skip...])
        }
    }

    /// The byte order of unmarked UTF-16 whose first two characters are
    /// ASCII (`a\0,\0` or `\0a\0,`), or `nil`.
    static func unmarkedUTF16(_ head: [UInt8]) -> DetectedEncoding? {
        guard head.count == 4 else { return nil }
        if head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0 { return .utf16LE }
        if head[0] == 0 && head[1] != 0 && head[2] == 0 && head[3] != 0 { return .utf16BE }
        return nil
    }

    /// The name to show in messages.
    public var displayName: String { source.displayName }

    /// Fills `buffer` with UTF-8 (or 8-bit) bytes; returns 0 at the end.
    ///
    /// Any room of one byte or more works: never more than `buffer.count`
    /// bytes are written, whatever is held over from the opening sniff or
    /// from a previous read. UTF-16 is transcoded a block at a time into an
    /// internal buffer, and what does not fit waits for the next call.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard buffer.count > 0 else { return 0 }
        if pendingStart == pending.count, form != .utf8 {
            try transcodeUTF16Block()
        }
        if pendingStart < pending.count {
            let count = min(buffer.count, pending.count - pendingStart)
            pending.withUnsafeBytes { bytes in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[pendingStart..<pendingStart + count]))
            }
            pendingStart += count
            return count
        }
        if form == .utf8 { return try source.read(into: buffer) }
        return 0
    }

    /// UTF-16 bytes read from the source per transcoded block.
    static let utf16BlockSize = 64 * 1024

    /// Replaces the (fully delivered) `pending` with the UTF-8 form of the
    /// next block of UTF-16; leaves it empty only at the end of the input.
    private func transcodeUTF16Block() throws(InputError) {
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
        var chunk = [UInt8](repeating: 0, count: Self.utf16BlockSize)
        while pending.isEmpty {
            let count = try source.read(into: &chunk)
            if count == 0 {
                if highSurrogate != nil { throw InputError(.invalidUTF16(offset: rawOffset - 2), path: displayName) }
                if raw.count == 1 { throw InputError(.invalidUTF16(offset: rawOffset), path: displayName) }
                if raw.isEmpty { return }
            }
            raw.append(contentsOf: chunk[0..<count])
            var index = 0
            while index + 1 < raw.count {
                let unit =
                    form == .utf16LE
                    ? UInt32(raw[index]) | UInt32(raw[index + 1]) << 8
                    : UInt32(raw[index]) << 8 | UInt32(raw[index + 1])
                index += 2
                rawOffset += 2
                if let high = highSurrogate {
                    guard (0xDC00...0xDFFF).contains(unit) else {
                        throw InputError(.invalidUTF16(offset: rawOffset - 4), path: displayName)
                    }
                    highSurrogate = nil
                    UTF8Check.appendUTF8(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00), to: &pending)
                } else if (0xD800...0xDBFF).contains(unit) {
                    highSurrogate = unit
                } else if (0xDC00...0xDFFF).contains(unit) {
                    throw InputError(.invalidUTF16(offset: rawOffset - 2), path: displayName)
                } else {
                    UTF8Check.appendUTF8(unit, to: &pending)
                }
            }
            raw.removeFirst(index)
            if count == 0 && pending.isEmpty { return }
        }
    }
}
