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
    var asciiUppercased: String {
        mappingASCII { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 } ?? uppercased()
    }

    /// Lower-cased: byte arithmetic for ASCII text (tags), Unicode rules otherwise.
    var asciiLowercased: String {
        mappingASCII { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } ?? lowercased()
    }

    /// The string with `map` applied to each byte, or nil when it is not all ASCII.
    @inline(__always)
    private func mappingASCII(_ map: (UInt8) -> UInt8) -> String? {
        var source = self
        return source.withUTF8 { bytes -> String? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(unsafeUninitializedCapacity: bytes.count) { output in
                for index in bytes.indices { output[index] = map(bytes[index]) }
                return bytes.count
            }
        }
    }

    /// True when every byte is ASCII.
    var isASCII: Bool { utf8.allSatisfy { $0 < 0x80 } }
}
