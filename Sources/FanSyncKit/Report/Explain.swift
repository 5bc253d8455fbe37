import Foundation

/// Why a person is what they are: `fansync explain EMAIL`.
public struct Explanation: Sendable {
    public struct Row: Sendable {
        public var evidence: Evidence
        /// The rule this row is evidence under, e.g. "payment succeeded → paying".
        public var rule: String
    }

    public var person: Person
    public var rows: [Row]
    /// The highest type the address was ever evidence for (rows may since have moved or said less).
    public var peak: PersonType?
    /// Every spelling of the address seen in the sources.
    public var spellings: [String]
    /// Other people whose address is the same once case, whitespace and (with fuzzy matching)
    /// Gmail dots and +tags are ignored.
    public var nearCollisions: [String]

    /// The rule that decided the type.
    public var decidingRule: String {
        if let strongest = rows.filter({ $0.evidence.peak == person.type }).first {
            return
                "\(person.type.name): the strongest evidence is \(strongest.evidence.source) \(strongest.evidence.sourceID) (\(strongest.rule)); the type is the maximum of all evidence and never goes down"
        }
        if let peak, peak == person.type {
            return "\(person.type.name): an earlier export was evidence for \(peak.name); a type never goes down"
        }
        return person.type.name
    }

    /// The rule one ledger row falls under.
    public static func rule(for evidence: Evidence) -> String {
        switch evidence.kind {
        case .user: return "registered user → user"
        case .contact: return "contact → lead"
        case .stripeCustomer: return "Stripe customer → lead"
        case .payment:
            let status = evidence.status ?? "?"
            return status == "succeeded"
                ? ((evidence.amountRefunded ?? 0) > 0
                    ? "payment succeeded, refunded later → paying" : "payment succeeded → paying")
                : "payment \(status) → lead"
        case .subscription:
            let status = evidence.status ?? "?"
            return EvidenceRules.liveSubscription.contains(status)
                ? "subscription \(status) → subscription" : "subscription \(status) → lead"
        case .enrollment:
            return (evidence.amount ?? 0) > 0 ? "paid enrollment → paying" : "free enrollment → lead"
        }
    }

    /// The canonical form used for fuzzy near-collisions: `+tag` removed, and for Gmail dots too.
    public static func canonical(_ email: String, fuzzy: Bool) -> String {
        guard fuzzy, let at = email.lastIndex(of: "@") else { return email }
        var local = String(email[..<at])
        var domain = String(email[email.index(after: at)...])
        if let plus = local.firstIndex(of: "+") { local = String(local[..<plus]) }
        if domain == "googlemail.com" { domain = "gmail.com" }
        if domain == "gmail.com" { local = local.replacingOccurrences(of: ".", with: "") }
        return local + "@" + domain
    }
}

/// One event in a person's history.
public struct HistoryEvent: Sendable, Equatable {
    public var at: Int64?
    public var kind: String
    public var text: String
    public var amount: Int64?
    public var currency: String?
    public var source: String
    public var sourceID: String
    public var file: String
    public var line: Int
}

extension Store {
    /// Explains `email` (normalized here); `nil` when the store has no such person.
    public func explain(store storeName: String, email raw: String, fuzzy: Bool) throws -> Explanation? {
        guard case .success(let address) = Email.normalize(raw) else { return nil }
        let email = address.normalized
        guard let person = try person(store: storeName, email: email) else { return nil }
        let evidence = try evidence(store: storeName, email: email).sorted {
            ($0.seenAt ?? .min, $0.source, $0.sourceID) < ($1.seenAt ?? .min, $1.source, $1.sourceID)
        }
        let peak = try peak(store: storeName, email: email)?.type
        let spellings = Array(Set(evidence.compactMap(\.emailDisplay) + [person.emailDisplay])).sorted()
        var near: [String] = []
        if fuzzy {
            let target = Explanation.canonical(email, fuzzy: true)
            try forEachEmail(in: storeName, except: email) { other in
                if Explanation.canonical(other, fuzzy: true) == target { near.append(other) }
            }
        }
        return Explanation(
            person: person, rows: evidence.map { .init(evidence: $0, rule: Explanation.rule(for: $0)) },
            peak: peak, spellings: spellings, nearCollisions: near.sorted())
    }

    /// Purchases, refunds, subscriptions and enrollments of `email`, in time order; `nil` when unknown.
    public func history(store storeName: String, email raw: String) throws -> [HistoryEvent]? {
        guard case .success(let address) = Email.normalize(raw) else { return nil }
        let email = address.normalized
        guard try person(store: storeName, email: email) != nil else { return nil }
        var events: [HistoryEvent] = []
        for item in try evidence(store: storeName, email: email) {
            func event(_ at: Int64?, _ kind: String, _ text: String, amount: Int64? = nil, currency: String? = nil) {
                events.append(
                    HistoryEvent(
                        at: at, kind: kind, text: text, amount: amount, currency: currency,
                        source: item.source, sourceID: item.sourceID, file: item.file, line: item.line))
            }
            let product = item.product ?? "a purchase"
            switch item.kind {
            case .payment:
                let status = item.status ?? "?"
                if status == "succeeded" {
                    event(
                        item.createdAt, "purchase", "Purchased: \(product)", amount: item.amount,
                        currency: item.currency)
                    if let refunded = item.amountRefunded, refunded > 0 {
                        let full = refunded >= (item.amount ?? 0)
                        event(
                            item.endedAt ?? item.createdAt, "refund",
                            (full ? "Refunded: " : "Partly refunded: ") + product,
                            amount: -refunded, currency: item.currency)
                    }
                } else {
                    event(
                        item.createdAt, "payment", "Payment \(status): \(product)", amount: item.amount,
                        currency: item.currency)
                }
            case .subscription:
                event(
                    item.createdAt, "subscription",
                    "Subscribed: \(item.product ?? "a plan") (now \(item.status ?? "?"))",
                    amount: item.amount, currency: item.currency)
                if let ended = item.endedAt {
                    event(ended, "subscription", "Subscription ended: \(item.product ?? "a plan")")
                }
            case .enrollment:
                let progress = item.progress.map { String(format: "%.0f%%", $0) } ?? "?"
                event(
                    item.createdAt, "enrollment", "Enrolled: \(product), progress \(progress)", amount: item.amount,
                    currency: item.currency)
            case .user:
                event(item.createdAt ?? item.seenAt, "account", "Registered an account")
            case .contact, .stripeCustomer:
                break
            }
        }
        return events.sorted { ($0.at ?? .min, $0.kind, $0.sourceID) < ($1.at ?? .min, $1.kind, $1.sourceID) }
    }
}
