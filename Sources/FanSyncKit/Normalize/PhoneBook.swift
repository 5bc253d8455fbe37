import Foundation

/// The phone numbers a store has read before, so libphonenumber (15–20 µs a number) parses
/// each distinct number once per store, ever: a nightly re-import with phones normalized costs
/// about what one with phones kept does.
///
/// Keyed by a 64-bit fingerprint of the region and the number as written; an answer is the
/// E.164 digits (`+14155550132` is 14155550132) or 0 for a number that is not valid. What the
/// store knew is one array of keys in order and one of answers beside it, as the store keeps them
/// (``PhoneSegment``: a store of a million numbers reads back in milliseconds, where a row a number
/// took 0.65 s), and a table of where each run of keys with the same top bits starts (keys are
/// fingerprints, spread evenly: about one key a run, found in one or two cache misses). What this
/// run learns is kept aside for the store to remember. Mapping threads share one book.
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
        var entries = [Int64](repeating: 0, count: 2 * merged.count)
        for index in 0..<merged.count {
            entries[2 * index] = merged.keys[index]
            entries[2 * index + 1] = merged.answers[index]
        }
        self.entries = entries
        var bits = 1
        while bits < 31 && 16 << bits < merged.count { bits += 1 }
        self.bits = bits
        var starts = [Int32](repeating: 0, count: (1 << bits) + 1)
        var index = 0
        for bucket in 0..<(1 << bits) {
            starts[bucket] = Int32(index)
            while index < merged.count && Self.bucket(merged.keys[index], bits: bits) == bucket { index += 1 }
        }
        starts[1 << bits] = Int32(merged.count)
        self.starts = starts
    }

    /// A book of `count` `(key, answer)` pairs, in any order, from `entries`.
    public convenience init(count: Int = 0, entries: (_ add: (Int64, Int64) -> Void) throws -> Void) rethrows {
        var pairs: [(key: Int64, answer: Int64)] = []
        pairs.reserveCapacity(count)
        try entries { pairs.append((key: $0, answer: $1)) }
        pairs.sort { $0.key < $1.key }
        var segment = PhoneSegment()
        for pair in pairs where segment.keys.last != pair.key { segment.append(pair.key, pair.answer) }
        self.init(segments: [segment])
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
    /// the store to remember. (Still answered from memory either way.)
    public func takeLearned() -> [(key: Int64, answer: Int64)] {
        lock.withLock {
            defer { unsaved.removeAll() }
            return unsaved.sorted().compactMap { key in learned[key].map { (key: key, answer: $0) } }
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
/// 16 bytes a number (the key, then the answer, each a little-endian 64-bit integer).
public struct PhoneSegment: Sendable, Equatable {
    public private(set) var keys: [Int64] = []
    public private(set) var answers: [Int64] = []
    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public init() {}

    /// The segment these bytes hold, or nil when they are not one (a size that is not a
    /// multiple of 16, keys out of order).
    public init?(encoded bytes: UnsafeRawBufferPointer) {
        guard bytes.count % 16 == 0 else { return nil }
        let count = bytes.count / 16
        keys.reserveCapacity(count)
        answers.reserveCapacity(count)
        for index in 0..<count {
            let key = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16 * index, as: Int64.self))
            if let last = keys.last, last >= key { return nil }
            keys.append(key)
            answers.append(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16 * index + 8, as: Int64.self)))
        }
    }

    /// Adds a pair after the others (its key must be larger than theirs).
    public mutating func append(_ key: Int64, _ answer: Int64) {
        precondition(keys.last.map { $0 < key } ?? true, "phone segment keys go in order")
        keys.append(key)
        answers.append(answer)
    }

    /// The blob a store keeps.
    public var encoded: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16 * count)
        bytes.withUnsafeMutableBytes { buffer in
            for index in 0..<count {
                buffer.storeBytes(of: keys[index].littleEndian, toByteOffset: 16 * index, as: Int64.self)
                buffer.storeBytes(of: answers[index].littleEndian, toByteOffset: 16 * index + 8, as: Int64.self)
            }
        }
        return bytes
    }

    /// Both segments' pairs in key order; a key in both answers as in `first`.
    public static func merging(_ first: PhoneSegment, _ second: PhoneSegment) -> PhoneSegment {
        var merged = PhoneSegment()
        merged.keys.reserveCapacity(first.count + second.count)
        merged.answers.reserveCapacity(first.count + second.count)
        var a = 0, b = 0
        while a < first.count || b < second.count {
            if b == second.count || (a < first.count && first.keys[a] <= second.keys[b]) {
                if b < second.count && first.keys[a] == second.keys[b] { b += 1 }
                merged.append(first.keys[a], first.answers[a])
                a += 1
            } else {
                merged.append(second.keys[b], second.answers[b])
                b += 1
            }
        }
        return merged
    }
}
