import Foundation

/// Byte-level text helpers with the String rules' answers.
enum ByteText {
    /// Without leading and trailing Unicode `White_Space` (what `String.trimmed` removes),
    /// recognized in UTF-8: the ASCII ones, U+0085, U+00A0, U+1680, U+2000–U+200A,
    /// U+2028, U+2029, U+202F, U+205F and U+3000.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lower = 0, upper = bytes.count
        while lower < upper {
            let length = spaceLength(bytes, at: lower, limit: upper)
            if length == 0 { break }
            lower += length
        }
        while upper > lower {
            let length = spaceLengthBefore(bytes, end: upper, limit: lower)
            if length == 0 { break }
            upper -= length
        }
        return lower == 0 && upper == bytes.count ? bytes : UnsafeBufferPointer(rebasing: bytes[lower..<upper])
    }

    /// The length of the white space starting at `index`, or 0.
    @inline(__always)
    private static func spaceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, limit: Int) -> Int {
        let byte = bytes[index]
        if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) { return 1 }
        if byte < 0x80 { return 0 }
        for length in 2...3
        where index + length <= limit
            && isSpace(UnsafeBufferPointer(rebasing: bytes[index..<(index + length)]))
        {
            return length
        }
        return 0
    }

    /// The length of the white space ending at `end`, or 0.
    @inline(__always)
    private static func spaceLengthBefore(_ bytes: UnsafeBufferPointer<UInt8>, end: Int, limit: Int) -> Int {
        let byte = bytes[end - 1]
        if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) { return 1 }
        if byte < 0x80 { return 0 }
        for length in 2...3
        where end - length >= limit
            && isSpace(UnsafeBufferPointer(rebasing: bytes[(end - length)..<end]))
        {
            return length
        }
        return 0
    }

    /// Whether `bytes` is exactly one non-ASCII white-space character.
    private static func isSpace(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if bytes.count == 2 { return bytes[0] == 0xC2 && (bytes[1] == 0x85 || bytes[1] == 0xA0) }
        switch (bytes[0], bytes[1], bytes[2]) {
        case (0xE1, 0x9A, 0x80), (0xE3, 0x80, 0x80): return true  // U+1680, U+3000
        case (0xE2, 0x80, let last): return last <= 0x8A || last == 0xA8 || last == 0xA9 || last == 0xAF
        case (0xE2, 0x81, 0x9F): return true  // U+205F
        default: return false
        }
    }

    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where byte >= 0x80 { return false }
        return true
    }

    static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
    static func upper(_ byte: UInt8) -> UInt8 { byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte }

    /// A String of `bytes` with `map` applied to each (ASCII case mapping).
    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, mapping map: (UInt8) -> UInt8) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { output in
            for index in bytes.indices { output[index] = map(bytes[index]) }
            return bytes.count
        }
    }

    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ other: [UInt8]) -> Bool {
        bytes.count == other.count && bytes.elementsEqual(other)
    }

    /// `bytes` lower-cased equals `lowered` (which is lower case).
    static func equalIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowered: [UInt8]) -> Bool {
        for index in bytes.indices where lower(bytes[index]) != lowered[index] { return false }
        return true
    }

    static func equalIgnoringASCIICase(_ one: UnsafeBufferPointer<UInt8>, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in one.indices where lower(one[index]) != lower(other[index]) { return false }
        return true
    }

    /// Calls `body` with each part of `bytes` between occurrences of `separator` (all of it when
    /// the separator is empty), in order, until `body` returns false; returns false if it did.
    /// (`state` is passed through rather than captured: a closure capturing a variable costs
    /// a dynamic exclusivity check on every access, ~600 instructions a contacts row.)
    @inline(__always)
    static func forEachPart<State>(
        of bytes: UnsafeBufferPointer<UInt8>, separatedBy separator: [UInt8],
        into state: inout State,
        _ body: (inout State, UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Bool {
        guard let first = separator.first else { return body(&state, bytes) }
        var start = 0, index = 0
        let last = bytes.count - separator.count
        while index <= last {
            if bytes[index] == first && separator.indices.allSatisfy({ bytes[index + $0] == separator[$0] }) {
                guard body(&state, UnsafeBufferPointer(rebasing: bytes[start..<index])) else { return false }
                index += separator.count
                start = index
            } else {
                index += 1
            }
        }
        return body(&state, UnsafeBufferPointer(rebasing: bytes[start...]))
    }

    /// What `Int64(String)` reads: an optional sign and decimal digits, in range.
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        guard index < bytes.count else { return nil }
        var value: Int64 = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            let digit = Int64(byte - 0x30)
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow, !overflow2 else { return nil }
            value = next
            index += 1
        }
        return value
    }
}
