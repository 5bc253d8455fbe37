import Foundation
import Testing

@testable import FanSyncKit

@Suite struct Fingerprints {
    static func fingerprint(_ bytes: [UInt8], chunk: Int) -> String {
        var fingerprint = FileFingerprint()
        var start = 0
        while start < bytes.count {
            let end = min(start + chunk, bytes.count)
            bytes[start..<end].withUnsafeBytes { fingerprint.combine($0) }
            start = end
        }
        return fingerprint.text
    }

    @Test(
        "a file's fingerprint is the same however its bytes are read in chunks", arguments: [1, 3, 7, 8, 9, 64, 65_536])
    func sameAtEveryChunkSize(chunk: Int) {
        let bytes = (0..<10_007).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        #expect(Self.fingerprint(bytes, chunk: chunk) == Self.fingerprint(bytes, chunk: bytes.count))
        #expect(Self.fingerprint(bytes, chunk: chunk).hasSuffix("-10007"))
    }

    @Test("one changed byte, or a trailing zero byte, changes the fingerprint")
    func everyByteCounts() {
        let bytes = Array("id,email\nch_1,a@x.co\n".utf8)
        var seen: Set<String> = [Self.fingerprint(bytes, chunk: 5)]
        for index in bytes.indices {
            var changed = bytes
            changed[index] ^= 0x01
            #expect(seen.insert(Self.fingerprint(changed, chunk: 5)).inserted, "byte \(index)")
        }
        #expect(seen.insert(Self.fingerprint(bytes + [0], chunk: 5)).inserted)
        #expect(seen.insert(Self.fingerprint([], chunk: 5)).inserted)
        #expect(seen.insert(Self.fingerprint([0], chunk: 5)).inserted)
    }
}

/// The content hashes stores keep: the bytes they combine never change, however they are made.
@Suite struct StableHashes {
    @Test(
        "a number combines as the text of its decimal digits",
        arguments: [0, 1, -1, 9, 10, -10, 1999, 123_456_789, Int64.max, Int64.min, Int64.min + 1])
    func decimalIsItsText(number: Int64) {
        var digits = StableHasher(), text = StableHasher()
        digits.combine(decimal: number)
        text.combine(String(number))
        #expect(digits == text)
    }

    @Test("a person's row hash is the one stores already hold")
    func personHashIsFrozen() {
        var person = Person(
            store: "default", email: "ana@example.com", emailDisplay: "Ana@Example.com", type: .paying,
            firstSource: "stripe.payments")
        person.firstName = "Ana"
        person.totals = [CurrencyTotal(currency: "EUR", gross: 1999, refunded: 500, purchases: 2)]
        person.primaryCurrency = "EUR"
        person.settlement = [CurrencyTotal(currency: "USD", gross: -12, refunded: 0, purchases: 1)]
        person.purchases = 2
        person.firstPurchaseAt = 1_700_000_000
        person.lastActivityAt = -86_400
        person.tags = ["Ableton", "customer"]
        person.score = 14
        person.activity = [Activity(at: nil, text: "Purchased: Pack", source: "stripe.payments", sourceID: "ch_1")]
        person.sources = ["stripe.payments"]
        // Worked out independently (FNV-1a over the same bytes, each number as its decimal text).
        #expect(PeopleWriter.hash(person, share: "share") == "d2e9aaa3e0aedb53b2fd32b6b3e8fad3")
    }

    @Test("JSON quoting escapes what it must and copies the rest")
    func quoting() {
        #expect(JSONText.quoted("Ableton Live") == "\"Ableton Live\"")
        #expect(JSONText.quoted("Zoë 🎧") == "\"Zoë 🎧\"")
        #expect(JSONText.quoted("say \"hi\"") == "\"say \\\"hi\\\"\"")
        #expect(JSONText.quoted("C:\\x") == "\"C:\\\\x\"")
        #expect(JSONText.quoted("a\nb\tc\u{01}") == "\"a\\nb\\tc\\u0001\"")
        #expect(JSONText.quoted("") == "\"\"")
    }
}
