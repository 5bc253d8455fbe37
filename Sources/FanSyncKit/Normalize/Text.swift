extension String {
    /// The string without leading and trailing white space (Unicode `White_Space`,
    /// which includes no-break space), without Foundation's `CharacterSet`
    /// machinery: this runs for nearly every field of every row.
    var trimmed: String {
        // Fast exit: nothing to trim when both ends are visible ASCII (read through the
        // contiguous bytes: the UTF-8 view's `last` cost ~300 instructions a field).
        var copy = self
        let untouched = copy.withUTF8 { bytes -> Bool in
            guard let first = bytes.first, let last = bytes.last else { return true }
            return first > 0x20 && first < 0x7F && last > 0x20 && last < 0x7F
        }
        if untouched { return self }
        let scalars = unicodeScalars
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
        while end > start, scalars[scalars.index(before: end)].properties.isWhitespace { end = scalars.index(before: end) }
        return String(scalars[start..<end])
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
