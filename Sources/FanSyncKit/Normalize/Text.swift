extension String {
    /// The string without leading and trailing white space (Unicode `White_Space`,
    /// which includes no-break space), without Foundation's `CharacterSet`
    /// machinery: this runs for nearly every field of every row. One implementation,
    /// on UTF-8 bytes (``ByteText/trimmed(_:)``); the String shares its storage when
    /// there is nothing to trim.
    var trimmed: String {
        var copy = self
        return copy.withUTF8 { bytes -> String? in
            let kept = ByteText.trimmed(bytes)
            return kept.count == bytes.count ? nil : String(decoding: kept, as: UTF8.self)
        } ?? self
    }

    /// Upper-cased: byte arithmetic for ASCII text (currency codes), Unicode rules otherwise.
    var asciiUppercased: String { mappingASCII(ByteText.upper) ?? uppercased() }

    /// Lower-cased: byte arithmetic for ASCII text (tags), Unicode rules otherwise.
    var asciiLowercased: String { mappingASCII(ByteText.lower) ?? lowercased() }

    /// The string with `map` applied to each byte (``ByteText/string(_:mapping:)``), or nil when it is not all ASCII.
    private func mappingASCII(_ map: (UInt8) -> UInt8) -> String? {
        var source = self
        return source.withUTF8 { ByteText.isASCII($0) ? ByteText.string($0, mapping: map) : nil }
    }

    /// True when every byte is ASCII.
    var isASCII: Bool { utf8.allSatisfy { $0 < 0x80 } }
}

extension String {
    /// The text with control characters spelled out (`\0`, `\t`, `\n`, `\r`,
    /// `\u{1B}`…), for values echoed in messages: a NUL or an escape sequence
    /// from a broken file must not reach a terminal or a log raw.
    public var escapingControlCharacters: String {
        guard utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return self }
        var result = ""
        result.reserveCapacity(utf8.count + 8)
        for scalar in unicodeScalars {
            switch scalar.value {
            case 0: result += "\\0"
            case 0x09: result += "\\t"
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0..<0x20, 0x7F: result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
