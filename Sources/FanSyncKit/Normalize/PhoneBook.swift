import Foundation

/// The phone numbers a store has read before, so libphonenumber (15–20 µs a number) parses
/// each distinct number once per store, ever: a nightly re-import with phones normalized costs
/// about what one with phones kept does.
///
/// Keyed by a 64-bit fingerprint of the region and the number as written; an answer is the
/// E.164 digits (`+14155550132` is 14155550132) or 0 for a number that is not valid. What the
/// store knew is two sorted arrays (16 bytes a number, searched by halving); what this run
/// learns is kept aside for the store to remember. Mapping threads share one book.
public final class PhoneBook: @unchecked Sendable {
    private let keys: [Int64]
    private let answers: [Int64]
    private var learned: [Int64: Int64] = [:]
    private var unsaved: [Int64] = []
    private let lock = NSLock()

    /// A book of what a store knew: `(key, answer)` pairs in ascending key order.
    public init(sortedEntries: [(key: Int64, answer: Int64)] = []) {
        keys = sortedEntries.map(\.key)
        answers = sortedEntries.map(\.answer)
    }

    /// How many numbers the book knew when it was opened.
    public var count: Int { keys.count }

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
        var low = 0, high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low < keys.count && keys[low] == key ? answers[low] : nil
    }

    /// A stable fingerprint of a number as written and its region (never changes: stores keep it).
    static func key(_ raw: String, region: String) -> Int64 {
        var hasher = StableHasher()
        hasher.combine(region)
        hasher.combine(raw)
        return Int64(bitPattern: hasher.a ^ (hasher.b &* 0x9E37_79B9_7F4A_7C15))
    }
}
