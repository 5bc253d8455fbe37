import Foundation

/// The phone numbers a store has read before, so libphonenumber (15–20 µs a number) parses
/// each distinct number once per store, ever: a nightly re-import with phones normalized costs
/// about what one with phones kept does.
///
/// Keyed by a 64-bit fingerprint of the region and the number as written; an answer is the
/// E.164 digits (`+14155550132` is 14155550132) or 0 for a number that is not valid. What the
/// store knew is one array of its pairs, keys in order, as the store keeps them (``PhoneSegment``:
/// a store of a million numbers reads back in 0.03 s, where a row a number took 0.65 s), and a
/// table of where each run of keys with the same top bits starts (keys are fingerprints, spread
/// evenly: about sixteen keys a run, found in two cache misses, 0.4 µs on the development
/// machine). What a file teaches it is kept aside for the store to remember. Mapping threads
/// share one book.
public final class PhoneBook: @unchecked Sendable {
    /// What the store knew: keys in order, each followed by its answer (one cache line holds both).
    private let entries: [Int64]
    /// Where the keys whose top ``bits`` (of the key with its sign bit flipped, so that the
    /// order of keys is the order of those bits) are `b` start: `starts[b]..<starts[b + 1]`,
    /// about sixteen keys a run (a table small enough to stay in the cache: one miss a lookup).
    private let starts: [Int32]
    private let bits: Int
    public let count: Int
    private var learned: [Int64: Int64] = [:]
    private var unsaved: [Int64] = []
    private let lock = NSLock()

    /// A book of what a store knew: its segments, in the order they were kept (a key in two of
    /// them, which only a store written by two versions of libphonenumber could have, answers as
    /// the first does).
    public init(segments: [PhoneSegment] = []) {
        var merged = segments.first ?? PhoneSegment()
        for segment in segments.dropFirst() { merged = PhoneSegment.merging(merged, segment) }
        count = merged.count
        entries = merged.pairs
        var bits = 1
        while bits < 31 && 16 << bits < merged.count { bits += 1 }
        self.bits = bits
        var starts = [Int32](repeating: 0, count: (1 << bits) + 1)
        var index = 0
        for bucket in 0..<(1 << bits) {
            starts[bucket] = Int32(index)
            while index < merged.count && Self.bucket(merged.key(at: index), bits: bits) == bucket { index += 1 }
        }
        starts[1 << bits] = Int32(merged.count)
        self.starts = starts
    }

    private static func bucket(_ key: Int64, bits: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) ^ (1 << 63)) >> UInt64(64 - bits))
    }

    /// `raw` (trimmed, not empty) in E.164 when valid, read as a number of `region` when it
    /// has no country code: libphonenumber's answer, from the book when it was asked before.
    public func normalize(_ raw: String, region: String) -> PhoneNormalizer.Outcome {
        let key = Self.key(raw, region: region)
        if let answer = known(key) ?? lock.withLock({ learned[key] }) {
            return answer == 0 ? .invalid(raw) : .valid("+" + String(answer))
        }
        let outcome = PhoneNormalizer.normalize(raw, region: region)
        switch outcome {
        case .valid(let e164):
            // E.164 is `+` and at most 15 digits; anything else is answered but not kept.
            guard e164.utf8.count <= 16, e164.first == "+", let digits = Int64(e164.dropFirst()), digits > 0 else {
                return outcome
            }
            learn(key, digits)
        case .invalid:
            learn(key, 0)
        }
        return outcome
    }

    private func learn(_ key: Int64, _ answer: Int64) {
        lock.withLock {
            if learned.updateValue(answer, forKey: key) == nil { unsaved.append(key) }
        }
    }

    /// What this book learned since it was opened, or since the last call, in key order: for
    /// the store to remember once the file's rows are mapped. The book lets go of it (a file of a
    /// million new numbers learns 32 MB of them), so a number asked again is parsed again.
    public func takeLearned() -> PhoneSegment {
        lock.withLock {
            defer {
                unsaved = []
                learned = [:]
            }
            unsaved.sort()
            var segment = PhoneSegment()
            segment.reserveCapacity(unsaved.count)
            for key in unsaved { if let answer = learned[key] { segment.append(key, answer) } }
            return segment
        }
    }

    /// The answer the store knew for `key`, if it knew one.
    func known(_ key: Int64) -> Int64? {
        let bucket = Self.bucket(key, bits: bits)
        var index = Int(starts[bucket])
        let end = Int(starts[bucket + 1])
        return entries.withUnsafeBufferPointer { entries in
            while index < end {
                if entries[2 * index] == key { return entries[2 * index + 1] }
                index += 1
            }
            return nil
        }
    }

    /// A stable fingerprint of a number as written and its region (never changes: stores keep it):
    /// FNV-1a over the region, a separator and the number's UTF-8, then mixed.
    static func key(_ raw: String, region: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        for byte in region.utf8 { add(byte) }
        add(0x1F)
        var raw = raw
        raw.withUTF8 { bytes in for byte in bytes { add(byte) } }
        hash ^= hash >> 29
        hash = hash &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 32
        return Int64(bitPattern: hash)
    }
}

/// Phone numbers and libphonenumber's answers, in key order, as a store keeps them: one blob of
/// 16 bytes a number (the key, then the answer, each a little-endian 64-bit integer), and in
/// memory the same pairs in one array, which a book searches as it is.
public struct PhoneSegment: Sendable, Equatable {
    /// Each key followed by its answer, keys in order.
    private(set) var pairs: [Int64] = []
    public var count: Int { pairs.count / 2 }
    public var isEmpty: Bool { pairs.isEmpty }
    public func key(at index: Int) -> Int64 { pairs[2 * index] }
    public func answer(at index: Int) -> Int64 { pairs[2 * index + 1] }
    public var keys: [Int64] { (0..<count).map(key(at:)) }
    public var answers: [Int64] { (0..<count).map(answer(at:)) }

    public init() {}

    /// The segment these bytes hold, or nil when they are not one (a size that is not a
    /// multiple of 16, keys out of order).
    public init?(encoded bytes: UnsafeRawBufferPointer) {
        guard appendEncoded(bytes) else { return nil }
    }

    /// Adds the pairs `bytes` hold after the others (a blob read a piece at a time, each piece
    /// whole pairs); false, adding nothing more, when they are not pairs in key order after the
    /// others' keys.
    public mutating func appendEncoded(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count % 16 == 0 else { return false }
        for pair in 0..<bytes.count / 16 {
            let key = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16 * pair, as: Int64.self))
            guard isEmpty || self.key(at: count - 1) < key else { return false }
            pairs.append(key)
            pairs.append(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16 * pair + 8, as: Int64.self)))
        }
        return true
    }

    mutating func reserveCapacity(_ count: Int) { pairs.reserveCapacity(2 * count) }

    /// Adds a pair after the others (its key must be larger than theirs).
    public mutating func append(_ key: Int64, _ answer: Int64) {
        precondition(isEmpty || self.key(at: count - 1) < key, "phone segment keys go in order")
        pairs.append(key)
        pairs.append(answer)
    }

    /// `body` over the blob a store keeps.
    public func withEncodedBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        #if _endian(little)
            return try pairs.withUnsafeBytes(body)
        #else
            return try pairs.map(\.littleEndian).withUnsafeBytes(body)
        #endif
    }

    /// The blob a store keeps, as an array.
    public var encoded: [UInt8] { withEncodedBytes { Array($0) } }

    /// Both segments' pairs in key order; a key in both answers as in `first`.
    public static func merging(_ first: PhoneSegment, _ second: PhoneSegment) -> PhoneSegment {
        var merged = PhoneSegment()
        merged.reserveCapacity(first.count + second.count)
        var a = 0, b = 0
        while a < first.count || b < second.count {
            if b == second.count || (a < first.count && first.key(at: a) <= second.key(at: b)) {
                if b < second.count && first.key(at: a) == second.key(at: b) { b += 1 }
                merged.append(first.key(at: a), first.answer(at: a))
                a += 1
            } else {
                merged.append(second.key(at: b), second.answer(at: b))
                b += 1
            }
        }
        return merged
    }
}
