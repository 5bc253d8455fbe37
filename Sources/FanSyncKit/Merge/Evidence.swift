/// What a person's type can be, in order: the type is the maximum of the evidence.
public enum PersonType: Int, Sendable, Comparable, CaseIterable {
    case user = 0
    case lead = 1
    case paying = 2
    case subscription = 3

    public var name: String {
        switch self {
        case .user: return "user"
        case .lead: return "lead"
        case .paying: return "paying"
        case .subscription: return "subscription"
        }
    }

    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    public static func < (a: PersonType, b: PersonType) -> Bool { a.rawValue < b.rawValue }
}

/// One ledger row, as the merge sees it: the facts about one person from one source row.
public struct Evidence: Sendable, Equatable {
    public var kind: RecordKind
    public var source: String
    public var sourceID: String
    public var file: String
    public var line: Int
    /// The type this row is evidence for, as it stands now (the store's peaks
    /// table remembers what earlier exports of the row said).
    public var peak: PersonType
    /// When the row's event happened, by the source's own clock (for "newest wins").
    public var seenAt: Int64?

    public var emailDisplay: String?
    public var firstName: String?
    public var lastName: String?
    public var name: String?
    public var phone: String?
    public var phoneStatus: PhoneStatus?
    public var tags: [String] = []
    public var daw: String?
    public var genre: String?
    public var level: String?
    public var goals: String?
    public var imageURL: String?

    // Payments, subscriptions, enrollments.
    public var status: String?
    public var amount: Int64?
    public var amountRefunded: Int64?
    public var currency: String?
    public var convertedAmount: Int64?
    public var convertedRefunded: Int64?
    public var convertedCurrency: String?
    public var product: String?
    public var createdAt: Int64?
    public var endedAt: Int64?
    public var progress: Double?

    public init(
        kind: RecordKind, source: String, sourceID: String, file: String, line: Int, peak: PersonType,
        seenAt: Int64?
    ) {
        self.kind = kind
        self.source = source
        self.sourceID = sourceID
        self.file = file
        self.line = line
        self.peak = peak
        self.seenAt = seenAt
    }

    /// True for a payment that counts as a purchase (succeeded, even if later refunded).
    public var isPurchase: Bool { kind == .payment && status == "succeeded" }
}

/// The rules that turn one fact into evidence: its type, its event time and
/// its version (which of two exports of the same row wins).
public enum EvidenceRules {
    /// Subscription statuses that make a person a subscriber.
    public static let liveSubscription: Set<String> = ["active", "trialing", "past_due"]

    /// The fields the rules read, by position.
    private enum Field {
        static let status = FieldSlot("status")
        static let price = FieldSlot("price")
        static let amountRefunded = FieldSlot("amount_refunded")
        static let progress = FieldSlot("progress")
        static let updatedAt = FieldSlot("updated_at")
        static let createdAt = FieldSlot("created_at")
        static let lastActiveAt = FieldSlot("last_active_at")
        static let endedAt = FieldSlot("ended_at")
        static let canceledAt = FieldSlot("canceled_at")
        static let currentPeriodEnd = FieldSlot("current_period_end")
        static let enrolledAt = FieldSlot("enrolled_at")
    }

    /// The type this fact is evidence for.
    public static func type(of fact: Fact) -> PersonType {
        switch fact.kind {
        case .user: return .user
        case .contact, .stripeCustomer: return .lead
        case .payment:
            return fact.text(Field.status) == "succeeded" ? .paying : .lead
        case .subscription:
            return liveSubscription.contains(fact.text(Field.status) ?? "") ? .subscription : .lead
        case .enrollment:
            if case .money(let price)? = fact[Field.price], price > 0 { return .paying }
            return .lead
        }
    }

    /// When the fact's event happened (the source's own timestamp).
    public static func seenAt(_ fact: Fact) -> Int64? {
        func time(_ field: FieldSlot) -> Int64? {
            if case .timestamp(let value)? = fact[field] { return value }
            return nil
        }
        switch fact.kind {
        case .contact: return time(Field.updatedAt) ?? time(Field.createdAt)
        case .user: return time(Field.lastActiveAt) ?? time(Field.createdAt)
        case .stripeCustomer: return time(Field.createdAt)
        case .payment: return time(Field.createdAt)
        case .subscription: return time(Field.createdAt)
        case .enrollment: return time(Field.enrolledAt)
        }
    }

    /// Orders two exports of the same ledger row: the larger version wins
    /// (ties go to the larger content hash), so the outcome never depends on
    /// the order files are imported in.
    public static func version(of fact: Fact) -> Int64 {
        func time(_ field: FieldSlot) -> Int64 {
            if case .timestamp(let value)? = fact[field] { return value }
            return 0
        }
        switch fact.kind {
        case .contact: return max(time(Field.updatedAt), time(Field.createdAt))
        case .user: return max(time(Field.lastActiveAt), time(Field.createdAt))
        case .stripeCustomer: return 0
        case .payment:
            // Payments move pending → failed or succeeded, and refunds only grow.
            let rank: Int64
            switch fact.text(Field.status) {
            case "succeeded": rank = 2
            case "failed", "canceled": rank = 1
            default: rank = 0
            }
            var refunded: Int64 = 0
            if case .money(let value)? = fact[Field.amountRefunded] {
                refunded = min(max(value, 0), 999_999_999_999_999)
            }
            return rank * 1_000_000_000_000_000 + refunded
        case .subscription:
            return max(time(Field.endedAt), time(Field.canceledAt), time(Field.currentPeriodEnd), time(Field.createdAt))
        case .enrollment:
            if case .percent(let progress)? = fact[Field.progress] { return Int64(progress * 1000) }
            return 0
        }
    }
}

extension Fact {
    /// The text of a text field, or `nil`.
    public func text(_ name: String) -> String? {
        if case .text(let value)? = self[name] { return value }
        return nil
    }

    /// The text of a text field, or `nil`.
    public func text(_ field: FieldSlot) -> String? {
        if case .text(let value)? = self[field] { return value }
        return nil
    }
}
