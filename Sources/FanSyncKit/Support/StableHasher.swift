/// FNV-1a, 128 bits as two 64-bit lanes: stable across runs (unlike Swift's `Hasher`).
struct StableHasher: Equatable {
    var a: UInt64 = 0xcbf2_9ce4_8422_2325
    var b: UInt64 = 0x8422_2325_cbf2_9ce4

    mutating func combine(_ text: String) {
        // Over the String's contiguous UTF-8 (the same bytes as `text.utf8`, without the view's
        // per-byte checks: hashing each landed row's values was 4% of a nightly re-import).
        var text = text
        text.withUTF8 { combine(bytes: $0) }
    }

    /// The same as ``combine(_:)-(String)`` of the text these UTF-8 bytes spell.
    mutating func combine(bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes { combine(byte) }
        combine(UInt8(0x1F))
    }

    /// The same as ``combine(_:)-(String)`` of `String(number)` (its decimal digits, a minus sign
    /// first when negative), without making the String: a person's hash combines some twenty numbers.
    mutating func combine(decimal number: Int64) {
        let magnitude = number.magnitude
        if number < 0 { combine(UInt8(ascii: "-")) }
        // The digits from the first: the largest power of ten not above the number (at most 10^18).
        var power: UInt64 = 1
        while magnitude / power >= 10 { power *= 10 }
        repeat {
            combine(UInt8(ascii: "0") + UInt8(magnitude / power % 10))
            power /= 10
        } while power > 0
        combine(UInt8(0x1F))
    }

    mutating func combine(word number: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { combine(UInt8(truncatingIfNeeded: number >> UInt64(shift))) }
    }

    mutating func combine(_ byte: UInt8) {
        a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 &+ 0x9E37_79B9
    }

    /// 32 lower-case hex digits.
    var hexDigest: String { Self.hex(a, b) }

    /// Two 64-bit lanes as 32 lower-case hex digits. (No array of the lanes: this runs for every
    /// row landed and every person written.)
    static func hex(_ a: UInt64, _ b: UInt64) -> String {
        String(unsafeUninitializedCapacity: 32) { buffer in
            for index in 0..<32 {
                let lane = index < 16 ? a : b
                let nibble = UInt8(truncatingIfNeeded: lane >> UInt64(60 - (index % 16) * 4)) & 0xF
                buffer[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            }
            return 32
        }
    }
}

/// A file's fingerprint: 128 bits over its bytes, eight at a time (two lanes of multiply and
/// xor-shift), and its size. The byte-at-a-time FNV-1a it replaced was a chain of multiplies
/// four cycles a byte, run before a file's import could start: 40 ms for a 100,000-row export.
/// Not `StableHasher`: content hashes and ids must stay as stores have them; a fingerprint is
/// only compared with the fingerprints of earlier imports (one of an older version does not
/// match, and the file is then imported: its unchanged rows are still recognised by their
/// content hash).
struct FileFingerprint {
    private var a: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    /// Bytes after the last whole word, carried to the next call (chunks of any size give the same fingerprint).
    private var pending: [UInt8] = []
    private(set) var size = 0

    mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        size += bytes.count
        var offset = 0
        while !pending.isEmpty && offset < bytes.count {
            pending.append(bytes[offset])
            offset += 1
            if pending.count == 8 {
                mix(pending.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian)
                pending.removeAll(keepingCapacity: true)
            }
        }
        while offset + 8 <= bytes.count {
            mix(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
            offset += 8
        }
        pending.append(contentsOf: bytes[offset...])
    }

    private mutating func mix(_ word: UInt64) {
        a = (a ^ word) &* 0xFF51_AFD7_ED55_8CCD
        a ^= a >> 29
        b = (b ^ (word >> 32 | word << 32)) &* 0xC4CE_B9FE_1A85_EC53
        b ^= b >> 31
    }

    /// 32 lower-case hex digits, a dash and the size in bytes.
    var text: String {
        var fingerprint = self
        if !pending.isEmpty {
            // The tail shorter than a word, with its length, so that trailing zero bytes count.
            var word = UInt64(pending.count) << 56
            for (index, byte) in pending.enumerated() { word |= UInt64(byte) << UInt64(index * 8) }
            fingerprint.mix(word)
        }
        return StableHasher.hex(fingerprint.a, fingerprint.b) + "-" + String(size)
    }
}
