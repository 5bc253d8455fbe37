/// The character encoding a reader should assume.
public enum TextEncoding: String, Sendable, CaseIterable {
    /// UTF-8, unless a UTF-16 byte-order mark says otherwise or the bytes are
    /// not valid UTF-8, in which case Windows-1252 is used and a notice says so.
    case auto
    /// Strict UTF-8: the first invalid byte is an error that names its line.
    case utf8 = "utf-8"
    /// Every byte is a Windows-1252 character.
    case windows1252 = "windows-1252"
    /// UTF-16; the byte-order mark picks the byte order (little-endian without one,
    /// unless the first character's bytes show otherwise).
    case utf16 = "utf-16"
}

/// The encoding a reader found or was told to use.
public enum DetectedEncoding: String, Sendable, Equatable {
    case utf8 = "utf-8"
    case windows1252 = "windows-1252"
    case utf16LE = "utf-16le"
    case utf16BE = "utf-16be"
}

/// UTF-8 validation and Windows-1252 decoding over raw bytes.
public enum UTF8Check {
    /// The offset of the first byte that is not part of a valid UTF-8
    /// sequence, or `nil` when all of `bytes` is valid.
    ///
    /// With `allowTruncatedEnd`, a sequence cut off by the end of the buffer
    /// counts as valid (the rest may be in the next chunk).
    public static func firstInvalidByte(in bytes: UnsafeRawBufferPointer, allowTruncatedEnd: Bool = false) -> Int? {
        let count = bytes.count
        var index = 0
        guard let base = bytes.baseAddress else { return nil }
        while index < count {
            // Skip ASCII eight bytes at a time.
            while index + 8 <= count,
                base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                index += 8
            }
            guard index < count else { break }
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF  // bounds of the second byte
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F  // no surrogates
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F  // nothing above U+10FFFF
            default: return index
            }
            for step in 1..<length {
                guard index + step < count else { return allowTruncatedEnd ? nil : index }
                let byte = bytes[index + step]
                let (low, high) = step == 1 ? (lower, upper) : (UInt8(0x80), UInt8(0xBF))
                if byte < low || byte > high { return index }
            }
            index += length
        }
        return nil
    }

    /// Appends the UTF-8 form of Windows-1252 `bytes` to `output`.
    ///
    /// The five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90,
    /// 0x9D) map to the C1 controls of the same value, as the WHATWG Encoding
    /// standard does, so no byte is ever lost or replaced by U+FFFD.
    public static func appendWindows1252(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        for byte in bytes {
            let scalar: UInt32 = byte >= 0x80 && byte < 0xA0 ? UInt32(windows1252High[Int(byte - 0x80)]) : UInt32(byte)
            appendUTF8(scalar, to: &output)
        }
    }

    @inline(__always)
    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | (scalar >> 6)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | (scalar >> 12)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            output.append(UInt8(0xF0 | (scalar >> 18)))
            output.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// Windows-1252 bytes 0x80–0x9F (the only range that differs from Latin-1).
    static let windows1252High: [UInt16] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]
}

extension UTF8Check {
    /// True when every byte is below 0x80; eight bytes at a time.
    public static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        var accumulated: UInt64 = 0
        while index + 8 <= count {
            accumulated |= base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            accumulated |= UInt64(base.load(fromByteOffset: index, as: UInt8.self))
            index += 1
        }
        return accumulated & 0x8080_8080_8080_8080 == 0
    }
}
