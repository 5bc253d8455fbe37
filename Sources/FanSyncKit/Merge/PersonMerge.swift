/// Money per currency, in minor units.
public struct CurrencyTotal: Sendable, Equatable, Hashable {
    public var currency: String
    /// Succeeded payments, before refunds.
    public var gross: Int64
    public var refunded: Int64
    public var purchases: Int
    /// What the person spent: gross minus refunds.
    public var net: Int64 { gross - refunded }
}

/// One line of a fan's activity (a purchase).
public struct Activity: Sendable, Equatable, Hashable {
    public var at: Int64?
    public var text: String
    public var source: String
    public var sourceID: String
}

/// One person of one store: the customer view and the fan view, derived from
/// every ledger row with their email.
public struct Person: Sendable, Equatable {
    public var store: String
    public var email: String
    public var emailDisplay: String
    public var firstName: String?
    public var lastName: String?
    public var name: String?
    public var phone: String?
    public var type: PersonType
    /// The status of the person's latest subscription, if any.
    public var subscriptionStatus: String?
    /// Per currency the person paid in (the payments' own currencies), sorted by currency code.
    public var totals: [CurrencyTotal] = []
    /// The currency a person's total is shown in: the one with the most purchases
    /// (ties: the latest purchase's). `nil` for someone who never paid.
    public var primaryCurrency: String?
    /// Per settlement currency (the processor's converted amounts), sorted.
    public var settlement: [CurrencyTotal] = []
    public var purchases = 0
    public var firstPurchaseAt: Int64?
    public var lastPurchaseAt: Int64?
    public var isRepeat: Bool { purchases >= 2 }
    /// The total in ``primaryCurrency``.
    public var primaryTotal: CurrencyTotal? { totals.first { $0.currency == primaryCurrency } }
    /// The totals in every other currency, by currency code.
    public var otherTotals: [CurrencyTotal] { totals.filter { $0.currency != primaryCurrency } }
    /// The settlement total when all of the person's payments settled in one currency
    /// (the figure comparable across people of a store).
    public var settlementTotal: CurrencyTotal? { settlement.count == 1 ? settlement.first : nil }
    /// The source (mapping) of the earliest evidence: what brought the person in.
    public var firstSource: String
    /// The product or course of the earliest purchase or enrollment.
    public var firstProduct: String?
    public var firstSeenAt: Int64?
    public var lastActivityAt: Int64?
    public var tags: [String] = []
    public var score: Int64 = 0
    public var daw: String?
    public var genre: String?
    public var level: String?
    public var goals: String?
    public var imageURL: String?
    public var activity: [Activity] = []
    /// Every source that knows the person, sorted.
    public var sources: [String] = []

    /// Customers are people with evidence of at least a lead; registered users
    /// with nothing else are fans only.
    public var isCustomer: Bool { type >= .lead }
}

/// The merge rules, as a pure function of a person's evidence. The order of
/// `evidence` does not matter: it is sorted first, so importing files in any
/// order gives the same person.
public enum PersonMerge {
    /// - Parameters:
    ///   - peak: the highest type the email was ever evidence for (a ledger row
    ///     may since have moved to another address or said less): the type
    ///     never goes below it.
    ///   - peakSource: a source that knew the email, for people with no ledger rows left.
    public static func merge(
        store: String, email: String, evidence all: [Evidence], peak: PersonType? = nil,
        peakSource: String? = nil
    ) -> Person {
        // Oldest first; rows without a time first too; then by kind, source and id, so "newest
        // non-empty" and "first seen" are deterministic. The rows are reached through their
        // indexes in that order, never copied: a row is some twenty strings, and copying each
        // for a sort and every loop was a quarter of the merge (measured).
        let order = all.indices.sorted { a, b in
            let at = all[a].seenAt ?? .min, bt = all[b].seenAt ?? .min
            if at != bt { return at < bt }
            let ak = all[a].kind, bk = all[b].kind
            if ak != bk { return kindOrder[ak.ordinal] < kindOrder[bk.ordinal] }
            let asource = all[a].source, bsource = all[b].source
            if asource != bsource { return asource < bsource }
            return all[a].sourceID < all[b].sourceID
        }
        func newest(_ value: (Int) -> String?) -> String? {
            // The newest row with a non-empty value.
            for index in order.reversed() {
                if let text = value(index), !text.isEmpty { return text }
            }
            return nil
        }
        /// Whether row `a` comes before row `b` by (creation time, source, id): "first".
        func earlier(_ a: Int, _ b: Int) -> Bool {
            let at = all[a].createdAt ?? all[a].seenAt ?? .max, bt = all[b].createdAt ?? all[b].seenAt ?? .max
            if at != bt { return at < bt }
            let asource = all[a].source, bsource = all[b].source
            if asource != bsource { return asource < bsource }
            return all[a].sourceID < all[b].sourceID
        }
        var type = peak ?? .user
        for index in order where all[index].peak > type { type = all[index].peak }
        // First seen is by creation time (a contact updated last week may have joined years ago).
        var first: Int?
        for index in order where first.map({ earlier(index, $0) }) ?? true { first = index }
        var person = Person(
            store: store, email: email, emailDisplay: newest { all[$0].emailDisplay } ?? email, type: type,
            firstSource: first.map { all[$0].source } ?? peakSource ?? "")
        (person.firstName, person.lastName, person.name) = Self.name(all, order: order)
        person.phone = newest { all[$0].phoneStatus == .valid ? all[$0].phone : nil } ?? newest { all[$0].phone }
        person.daw = newest { all[$0].daw }
        person.genre = newest { all[$0].genre }
        person.level = newest { all[$0].level }
        person.goals = newest { all[$0].goals }
        person.imageURL = newest { all[$0].imageURL }
        var sources = Set<String>()
        for index in order {
            let row = (created: all[index].createdAt, seen: all[index].seenAt, ended: all[index].endedAt)
            if let at = row.created ?? row.seen { person.firstSeenAt = min(person.firstSeenAt ?? at, at) }
            if let at = row.seen { person.lastActivityAt = max(person.lastActivityAt ?? at, at) }
            if let at = row.ended { person.lastActivityAt = max(person.lastActivityAt ?? at, at) }
            sources.insert(all[index].source)
        }
        person.sources = sources.sorted()

        // Tags: the union, first spelling kept.
        var seenTags = Set<String>()
        for index in order {
            for tag in all[index].tags where seenTags.insert(tag.lowercased()).inserted { person.tags.append(tag) }
        }

        // Money: distinct succeeded payments (the ledger key makes them distinct), minus refunds.
        var totals: [String: CurrencyTotal] = [:]
        var latestIn: [String: (at: Int64, id: String)] = [:]  // each currency's latest purchase
        var settlement: [String: CurrencyTotal] = [:]
        for index in order where all[index].isPurchase {
            let amount = all[index].amount ?? 0, refunded = all[index].amountRefunded ?? 0
            let currency = all[index].currency ?? "XXX"
            let convertedAmount = all[index].convertedAmount, convertedCurrency = all[index].convertedCurrency
            let at = all[index].createdAt ?? all[index].seenAt
            totals[currency, default: CurrencyTotal(currency: currency, gross: 0, refunded: 0, purchases: 0)].gross +=
                amount
            totals[currency]?.refunded += refunded
            totals[currency]?.purchases += 1
            let stamp = (at: at ?? .min, id: all[index].sourceID)
            if let known = latestIn[currency], (known.at, known.id) >= (stamp.at, stamp.id) {
            } else {
                latestIn[currency] = stamp
            }
            // Older exports lack the converted refund: take the same share of the converted amount.
            let convertedRefunded =
                all[index].convertedRefunded
                ?? convertedAmount.map { amount > 0 ? $0 * min(refunded, amount) / amount : 0 }
            if let converted = convertedAmount, let code = convertedCurrency {
                settlement[code, default: CurrencyTotal(currency: code, gross: 0, refunded: 0, purchases: 0)].gross +=
                    converted
                settlement[code]?.refunded += convertedRefunded ?? 0
                settlement[code]?.purchases += 1
            }
            person.purchases += 1
            if let at {
                person.firstPurchaseAt = min(person.firstPurchaseAt ?? at, at)
                person.lastPurchaseAt = max(person.lastPurchaseAt ?? at, at)
            }
            // Points: floor(net amount in major units / 10), in the settlement currency when known.
            let (net, code) =
                convertedAmount.map { ($0 - (convertedRefunded ?? 0), convertedCurrency ?? currency) }
                ?? (amount - refunded, currency)
            person.score += max(0, net / Currency.unit(of: code) / 10)
            person.activity.append(
                Activity(
                    at: at, text: "Purchased: " + (all[index].product ?? "a purchase"),
                    source: all[index].source, sourceID: all[index].sourceID))
        }
        person.totals = totals.values.sorted { $0.currency < $1.currency }
        person.primaryCurrency =
            person.totals.max {
                let a = latestIn[$0.currency], b = latestIn[$1.currency]
                return ($0.purchases, a?.at ?? .min, a?.id ?? "", $1.currency) < (
                    $1.purchases, b?.at ?? .min, b?.id ?? "", $0.currency
                )
            }?.currency
        person.settlement = settlement.values.sorted { $0.currency < $1.currency }
        if person.purchases > 0, !seenTags.contains("customer") { person.tags.append("customer") }

        var firstBought: Int?, latestSubscription: Int?
        for index in order {
            if all[index].isPurchase || all[index].kind == .enrollment,
                firstBought.map({ earlier(index, $0) }) ?? true
            {
                firstBought = index
            }
            if all[index].kind == .subscription {
                if let known = latestSubscription {
                    let a = all[index].createdAt ?? .min, b = all[known].createdAt ?? .min
                    if a > b || (a == b && all[index].sourceID > all[known].sourceID) { latestSubscription = index }
                } else {
                    latestSubscription = index
                }
            }
        }
        person.firstProduct = firstBought.flatMap { all[$0].product }
        person.subscriptionStatus = latestSubscription.flatMap { all[$0].status }
        return person
    }

    /// Each kind's place when rows are ordered by kind: by its raw value, as the order always was.
    private static let kindOrder: [Int] = {
        let sorted = RecordKind.allCases.sorted { $0.rawValue < $1.rawValue }
        return RecordKind.allCases.map { kind in sorted.firstIndex(of: kind) ?? 0 }
    }()

    /// A person's name, as one unit: the newest row (by the source's own clock; ties by
    /// kind, source and id) that names them at all gives first, last and full name together,
    /// so every listing, export and payload shows the same name. A row with only a full
    /// name ("Ana Silva") gives its first word as the first name and the rest as the last.
    /// `order`: the indexes of `all`, oldest first.
    static func name(_ all: [Evidence], order: [Int]) -> (first: String?, last: String?, full: String?) {
        func value(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        guard
            let named = order.last(where: {
                value(all[$0].firstName) != nil || value(all[$0].lastName) != nil || value(all[$0].name) != nil
            })
        else { return (nil, nil, nil) }
        var first = value(all[named].firstName), last = value(all[named].lastName)
        if first == nil, last == nil, let full = value(all[named].name) {
            let words = Self.words(full)
            first = words.first
            last = words.count > 1 ? words.dropFirst().joined(separator: " ") : nil
        }
        if first != nil, last == nil { return (first, nil, first) }
        if first == nil, last != nil { return (nil, last, last) }
        if let first, let last { return (first, last, first + " " + last) }
        return (nil, nil, value(all[named].name))
    }

    /// The words of a name, split at white space. ASCII names (most) are split on their bytes,
    /// where the white-space characters are exactly tab, line feed, vertical tab, form feed,
    /// carriage return and space; others by Character (4,000 instructions a person, measured).
    static func words(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            var words: [String] = []
            var start = 0
            for index in 0...bytes.count {
                let byte = index < bytes.count ? bytes[index] : 0x20
                if byte >= 0x80 { return nil }
                guard byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) else { continue }
                if index > start {
                    words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                }
                start = index + 1
            }
            return words
        } ?? text.split(whereSeparator: \.isWhitespace).map(String.init)
    }
}
