import FanSyncSQLite
import Foundation
import Testing

@testable import FanSyncKit

/// Random facts about a small crowd, so that many land on the same people and
/// the same ledger keys.
struct FactGenerator {
    var random: SeededRandom
    /// Whether payments carry settlement figures too (off: the facts the laws were first held to).
    var settlement = false
    let emails = ["a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"]

    mutating func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
    mutating func time() -> Int64 { 1_700_000_000 + Int64(random.next() % 50_000_000) }

    mutating func fact() -> Fact {
        let kind = pick(RecordKind.allCases)
        var values = [FieldValue?](repeating: nil, count: kind.schema.count)
        func set(_ name: String, _ value: FieldValue?) {
            if let slot = kind.slot(of: name) { values[slot] = value }
        }
        let email = pick(emails)
        set("email", .email(normalized: email, original: email.uppercased()))
        set("first_name", pick([nil, .text("Ann"), .text("Bo"), .text("")].compactMap { $0 }))
        set("last_name", pick([.text("Lee"), .text("Ng")]))
        set("created_at", .timestamp(time()))
        set("updated_at", .timestamp(time()))
        set("tags", .list([pick(["ableton", "vip", "Ableton", "fl studio"]), pick(["newsletter", "beginner"])]))
        set("daw", pick([.text("Ableton Live"), .text("FL Studio"), .text("")]))
        let currency = pick(["USD", "EUR", "JPY"])
        set("currency", .text(currency))
        set("amount", .money(Int64(random.next() % 20_000)))
        set("amount_refunded", .money(pick([0, 0, 500])))
        if settlement {
            set("converted_amount", pick([nil, .money(Int64(random.next() % 20_000))]))
            set("converted_amount_refunded", pick([nil, nil, .money(300)]))
            set("converted_currency", pick([nil, .text("EUR"), .text("USD")]))
        }
        set(
            "status",
            .text(
                kind == .subscription
                    ? pick(["active", "canceled", "trialing", "past_due", "unpaid"])
                    : pick(["succeeded", "failed", "pending"])))
        set("description", .text(pick(["Mixing Masterclass", "Sample Pack"])))
        set("course", .text(pick(["Course A", "Course B"])))
        set("price", .money(pick([0, 4900])))
        set("enrolled_at", .timestamp(time()))
        set("last_active_at", .timestamp(time()))
        // Payments and subscriptions name a customer (whose Stripe customer row may or may not
        // come), and a third of them have no email: attributed through the id, or not at all.
        // Few ids per source, so the same ledger row is often exported again with other values.
        let number = random.next() % 6
        let id = "\(kind.rawValue)_\(number)"
        // A payment's customer never changes; its email may be missing from one export and not another.
        set("customer_id", .text("stripe_customer_\((number * 5) % 6)"))
        if kind.isAttributable && random.next() % 3 == 0 { set("email", nil) }
        return Fact(
            kind: kind, source: "gen.\(kind.rawValue)", sourceID: id, file: "gen.csv",
            line: Int(random.next() % 1000), values: values)
    }
}

func land(_ facts: [Fact], into store: Store) throws {
    try store.db.transaction {
        for fact in facts { try store.land(fact, store: "default", importID: 1) }
        _ = try store.refreshTouched()
    }
    try expectKeptStatsAreLive(store)
}

func people(_ store: Store) throws -> String {
    var text = ""
    for table in ["customers", "customer_totals", "fans", "fan_activity"] {
        for row in try store.db.prepare("SELECT * FROM \(table) ORDER BY 1, 2, 3, 4").rows() {
            text += table + ": " + row.map { $0.string ?? "∅" }.joined(separator: "|") + "\n"
        }
    }
    return text
}

func types(_ store: Store) throws -> [String: Int64] {
    var result: [String: Int64] = [:]
    for row in try store.db.prepare("SELECT email, type_rank FROM fans").rows() {
        if let email = row[0].string, let rank = row[1].int { result[email] = rank }
    }
    return result
}

@Suite(.serialized) struct MergeLaws {
    @Test("merging random facts is commutative, idempotent and monotone", arguments: 1...16)
    func commutativeIdempotentAndMonotone(seed: UInt64) throws {
        var generator = FactGenerator(random: SeededRandom(seed: seed))
        let facts = (0..<60).map { _ in generator.fact() }

        // Commutative: one batch, reversed, shuffled, or one fact per transaction.
        let reference = try freshStore()
        try land(facts, into: reference)
        let expected = try people(reference)
        let reversed = try freshStore()
        try land(facts.reversed(), into: reversed)
        #expect(try people(reversed) == expected)
        var random = SeededRandom(seed: seed &* 31)
        let shuffled = try freshStore()
        shuffled.mergeChunk = 1
        let order = facts.shuffled(using: &random)
        var previous: [String: Int64] = [:]
        for fact in order {
            try land([fact], into: shuffled)
            // Monotone: after every fact, no one's type went down.
            let now = try types(shuffled)
            for (email, rank) in previous { #expect((now[email] ?? -1) >= rank, "\(email) went down") }
            previous = now
        }
        #expect(try people(shuffled) == expected)

        // Idempotent: everything again, in another order, changes nothing.
        try land(facts.shuffled(using: &random), into: reference)
        #expect(try people(reference) == expected)
    }

    /// Found by the kept-stats laws' facts. Seed 12: a payment without an address and a
    /// subscription without one name customer 5; another version of the payment gives the address.
    /// Landed one by one with the address first, the subscription was attributed to it and that
    /// address kept the subscriber's type; landed together, the payment's attributed version won,
    /// and the address its losing version gave was never counted as known to the customer.
    /// Seeds 320 and 348: a row still without an address handed its type to nobody, though in
    /// another order it had been attributed. Seed 382: an attributed row handed on the type its
    /// versions with an address of their own were evidence for (those stay with that address).
    @Test(
        "an address known to a customer id only through a version that lost is typed the same in any order",
        arguments: [12, 320, 348, 382] + Array(1...16))
    func anAddressKnownThroughALosingVersion(seed: UInt64) throws {
        var generator = FactGenerator(random: SeededRandom(seed: seed), settlement: true)
        let facts = (0..<60).map { _ in generator.fact() }
        let together = try freshStore()
        try land(facts, into: together)
        var random = SeededRandom(seed: seed &* 31)
        let oneByOne = try freshStore()
        for fact in facts.shuffled(using: &random) { try land([fact], into: oneByOne) }
        #expect(try people(oneByOne) == people(together))
    }

    @Test("a full name splits into words at white space, ASCII on bytes as Unicode does")
    func namesSplitIntoWords() {
        for name in [
            "Ana Silva", "  Ana   de  Silva ", "Ana\tSilva\r\nX", "Ana\u{B}Silva\u{C}", "", "   ", "Prince",
            "Jos\u{E9}  Silva", "Ana\u{A0}Silva", "Ana\u{3000}Silva Costa", "\u{1F600} Smile",
        ] {
            #expect(
                PersonMerge.words(name) == name.split(whereSeparator: \.isWhitespace).map(String.init),
                "\(name.debugDescription)")
        }
        #expect(PersonMerge.words(" Ana  Maria Silva ") == ["Ana", "Maria", "Silva"])
    }

    @Test("a subscription that ends keeps the person a subscriber, with the status canceled, in either order")
    func aSubscriptionThatEndsKeepsTheTypeAndShowsTheStatus() throws {
        func subscription(_ status: String, periodEnd: Int64) -> Fact {
            var values = [FieldValue?](repeating: nil, count: RecordKind.subscription.schema.count)
            values[RecordKind.subscription.slot(of: "email")!] = .email(
                normalized: "s@example.com", original: "s@example.com")
            values[RecordKind.subscription.slot(of: "status")!] = .text(status)
            values[RecordKind.subscription.slot(of: "created_at")!] = .timestamp(1_700_000_000)
            values[RecordKind.subscription.slot(of: "current_period_end")!] = .timestamp(periodEnd)
            return Fact(
                kind: .subscription, source: "stripe.subscriptions", sourceID: "sub_1", file: "s.csv", line: 2,
                values: values)
        }
        let active = subscription("active", periodEnd: 1_702_000_000)
        let canceled = subscription("canceled", periodEnd: 1_705_000_000)
        for order in [[active, canceled], [canceled, active]] {
            let store = try freshStore()
            for fact in order { try land([fact], into: store) }
            let row = try store.db.prepare("SELECT type, status FROM customers WHERE email = 's@example.com'").rows()
            #expect(row == [[.text("subscription"), .text("canceled")]])
        }
    }

    @Test("the newest value wins, and an empty value never overwrites one")
    func emptyValuesNeverOverwriteAndNewestWins() throws {
        func contact(_ first: String?, daw: String?, updated: Int64, id: String) -> Fact {
            var values = [FieldValue?](repeating: nil, count: RecordKind.contact.schema.count)
            values[RecordKind.contact.slot(of: "email")!] = .email(
                normalized: "n@example.com", original: "n@example.com")
            values[RecordKind.contact.slot(of: "first_name")!] = first.map(FieldValue.text)
            values[RecordKind.contact.slot(of: "daw")!] = daw.map(FieldValue.text)
            values[RecordKind.contact.slot(of: "updated_at")!] = .timestamp(updated)
            return Fact(kind: .contact, source: "ac", sourceID: id, file: "c.csv", line: 2, values: values)
        }
        let store = try freshStore()
        try land(
            [
                contact("Old", daw: "Logic Pro", updated: 100, id: "1"),
                contact("New", daw: nil, updated: 300, id: "2"),
                contact(nil, daw: "Bitwig", updated: 200, id: "3"),
            ], into: store)
        let row = try store.db.prepare("SELECT first_name, daw FROM fans WHERE email = 'n@example.com'").rows()
        #expect(row == [[.text("New"), .text("Bitwig")]])
    }
}
