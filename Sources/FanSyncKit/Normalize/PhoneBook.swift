import Foundation

/// The phone numbers a store has read before, so libphonenumber (15–20 µs a number) parses
/// each distinct number once per store, ever: a nightly re-import with phones normalized costs
/// about what one with phones kept does.
///
/// Keyed by a 64-bit fingerprint of the region and the number as written; an answer is the
/// E.164 digits (`+14155550132` is 14155550132) or 0 for a number that is not valid. What the
/// store knew is an open-addressing table (a key and an answer per slot, at most half full: about
/// 32 bytes a number, found in one or two probes; searching sorted arrays by halving cost 20
/// cache misses a number); what this run learns is kept aside for the store to remember.
/// Mapping threads share one book.
public final class PhoneBook: @unchecked Sendable {
    /// Slot keys (0: empty; a key that is 0 is stored as 1) and their answers.
    private let keys: [Int64]
    private let answers: [Int64]
    private let mask: Int
    public let count: Int
    private var learned: [Int64: Int64] = [:]
    private var unsaved: [Int64] = []
    private let lock = NSLock()

    /// A book of what a store knew: `count` `(key, answer)` pairs, from `entries`.
    public init(count expected: Int = 0, entries: (_ add: (Int64, Int64) -> Void) throws -> Void = { _ in }) rethrows {
        var size = 16
        while size < expected * 2 { size *= 2 }
        var keys = [Int64](repeating: 0, count: size), answers = [Int64](repeating: 0, count: size)
        let mask = size - 1
        var added = 0
        try entries { key, answer in
            // More than it was sized for (the count was stale): the rest are asked again, not kept.
            guard (added + 1) * 2 <= size else { return }
            let key = key == 0 ? 1 : key
            var slot = Self.slot(key, mask: mask)
            while keys[slot] != 0 && keys[slot] != key { slot = (slot + 1) & mask }
            if keys[slot] == 0 { added += 1 }
            keys[slot] = key
            answers[slot] = answer
        }
        self.keys = keys
        self.answers = answers
        self.mask = mask
        count = added
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

    private func known(_ key: Int64) -> Int64? {
        let key = key == 0 ? 1 : key
        var slot = Self.slot(key, mask: mask)
        while true {
            let found = keys[slot]
            if found == key { return answers[slot] }
            if found == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    private static func slot(_ key: Int64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
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
