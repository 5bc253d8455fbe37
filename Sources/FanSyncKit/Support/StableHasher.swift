/// FNV-1a, 128 bits as two 64-bit lanes: stable across runs (unlike Swift's `Hasher`).
struct StableHasher {
    var a: UInt64 = 0xcbf2_9ce4_8422_2325
    var b: UInt64 = 0x8422_2325_cbf2_9ce4

    mutating func combine(_ text: String) {
        for byte in text.utf8 { combine(byte) }
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
    var hexDigest: String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 32) { buffer in
            digits.withUTF8Buffer { hex in
                for (offset, lane) in [a, b].enumerated() {
                    for index in 0..<16 {
                        buffer[offset * 16 + index] = hex[Int(truncatingIfNeeded: lane >> UInt64(60 - index * 4)) & 0xF]
                    }
                }
            }
            return 32
        }
    }
}
