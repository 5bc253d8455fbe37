/// The kinds of facts a mapping can produce, each with a fixed schema.
///
/// The schema is closed: a mapping naming a field its kind does not have is
/// an error at load time, with the closest field names suggested.
public enum RecordKind: String, Sendable, CaseIterable {
    case contact
    case payment
    case subscription
    case stripeCustomer = "stripe_customer"
    case user
    case enrollment

    /// One field of a kind's schema.
    public struct Field: Sendable {
        public var name: String
        public var type: FieldType
        /// The mapping must fill this field; rows without it are rejected.
        public var required: Bool
        /// For text fields: the only values allowed (after transforms).
        public var allowed: [String]?
        public var help: String
    }

    /// The kind's fields, in schema order (built once).
    public var schema: [Field] {
        switch self {
        case .contact: return Self.contactSchema
        case .payment: return Self.paymentSchema
        case .subscription: return Self.subscriptionSchema
        case .stripeCustomer: return Self.stripeCustomerSchema
        case .user: return Self.userSchema
        case .enrollment: return Self.enrollmentSchema
        }
    }

    private static let contactSchema = contact.definition
    private static let paymentSchema = payment.definition
    private static let subscriptionSchema = subscription.definition
    private static let stripeCustomerSchema = stripeCustomer.definition
    private static let userSchema = user.definition
    private static let enrollmentSchema = enrollment.definition
    /// Per kind, in `allCases` order, each field's position by name. (An array by the kind's
    /// position, not a dictionary by kind: that hashed the kind's raw value, a String, on every
    /// lookup, and the store and the merge look up several fields of every fact they land.)
    private static let slotTables: [[String: Int]] = allCases.map { kind in
        Dictionary(uniqueKeysWithValues: kind.definition.enumerated().map { ($1.name, $0) })
    }

    /// The kind's position in `allCases`.
    var ordinal: Int {
        switch self {
        case .contact: return 0
        case .payment: return 1
        case .subscription: return 2
        case .stripeCustomer: return 3
        case .user: return 4
        case .enrollment: return 5
        }
    }

    /// The position of field `name` in the schema.
    public func slot(of name: String) -> Int? { Self.slotTables[ordinal][name] }

    private var definition: [Field] {
        switch self {
        case .contact:
            return [
                .init("email", .email, required: true, "the contact's address"),
                .init("first_name", .text, "given name"),
                .init("last_name", .text, "family name"),
                .init("name", .text, "full name, when the export has one column"),
                .init("phone", .phone, "phone number"),
                .init("tags", .list, "tags"),
                .init("created_at", .timestamp, "when the contact was created"),
                .init("updated_at", .timestamp, "when the contact last changed (orders name and profile updates)"),
                .init("daw", .text, "producer profile: digital audio workstation"),
                .init("genre", .text, "producer profile: genre"),
                .init("level", .text, "producer profile: level"),
                .init("goals", .text, "producer profile: goals"),
                .init("image_url", .text, "avatar"),
                .init("store", .text, "the store this row belongs to (overrides --store)"),
            ]
        case .payment:
            return [
                .init("email", .email, "the payer's address (rows without one are kept, unattributed)"),
                .init("customer_id", .text, "the payment processor's customer id"),
                .init("name", .text, "the payer's name"),
                .init("amount", .money, required: true, "amount charged, minor units"),
                .init("amount_refunded", .money, "amount refunded so far, minor units"),
                .init("currency", .text, required: true, "ISO 4217 code"),
                .init("converted_amount", .money, "amount in the settlement currency, minor units"),
                .init("converted_amount_refunded", .money, "refunded, in the settlement currency"),
                .init("converted_currency", .text, "settlement currency"),
                .init(
                    "status", .text, required: true,
                    allowed: ["succeeded", "failed", "pending", "canceled", "requires_payment_method"],
                    "normalized status"),
                .init("description", .text, "what was bought"),
                .init("product", .text, "product name, when separate from the description"),
                .init("created_at", .timestamp, required: true, "when the payment was made"),
                .init("refunded_at", .timestamp, "when it was refunded"),
                .init("store", .text, "the store this row belongs to"),
            ]
        case .subscription:
            return [
                .init("email", .email, "the subscriber's address"),
                .init("customer_id", .text, "the payment processor's customer id"),
                .init("name", .text, "the subscriber's name"),
                .init("product", .text, "the product subscribed to"),
                .init("plan", .text, "the price or plan id"),
                .init("amount", .money, "amount per interval, minor units"),
                .init("currency", .text, "ISO 4217 code"),
                .init("interval", .text, "billing interval"),
                .init(
                    "status", .text, required: true,
                    allowed: [
                        "active", "trialing", "past_due", "canceled", "unpaid", "incomplete",
                        "incomplete_expired", "paused",
                    ],
                    "the subscription's status"),
                .init("created_at", .timestamp, required: true, "when it was created"),
                .init("current_period_end", .timestamp, "end of the current period"),
                .init("canceled_at", .timestamp, "when it was canceled"),
                .init("ended_at", .timestamp, "when it ended"),
                .init("store", .text, "the store this row belongs to"),
            ]
        case .stripeCustomer:
            return [
                .init("email", .email, required: true, "the customer's address"),
                .init("name", .text, "the customer's name"),
                .init("phone", .phone, "phone number"),
                .init("description", .text, "the customer's description"),
                .init("created_at", .timestamp, "when the customer was created"),
                .init("currency", .text, "the customer's currency"),
                .init("total_spend", .money, "the export's own total: kept for comparison, never added to payments"),
                .init("delinquent", .bool, "whether the customer is delinquent"),
                .init("store", .text, "the store this row belongs to"),
            ]
        case .user:
            return [
                .init("email", .email, required: true, "the account's primary address"),
                .init("first_name", .text, "given name"),
                .init("last_name", .text, "family name"),
                .init("username", .text, "user name"),
                .init("phone", .phone, "phone number"),
                .init("image_url", .text, "avatar"),
                .init("daw", .text, "producer profile: digital audio workstation"),
                .init("created_at", .timestamp, "when the account was created"),
                .init("last_active_at", .timestamp, "last sign-in or activity"),
                .init("store", .text, "the store this row belongs to"),
            ]
        case .enrollment:
            return [
                .init("email", .email, required: true, "the learner's address"),
                .init("course", .text, required: true, "course or product title"),
                .init("price", .money, "price paid, minor units (0 for free)"),
                .init("currency", .text, "ISO 4217 code"),
                .init("progress", .percent, "progress, 0…100"),
                .init("enrolled_at", .timestamp, required: true, "when the enrollment happened"),
                .init("store", .text, "the store this row belongs to"),
            ]
        }
    }

    /// Field names, in schema order.
    public var fieldNames: [String] { schema.map(\.name) }

    /// The ledger table holding facts of this kind.
    /// Kinds whose rows without an email belong to the customer their `customer_id` names.
    public var isAttributable: Bool { self == .payment || self == .subscription }

    /// What a source calls this kind of record, after its system's name in the ledger's source
    /// (`stripe.payments`, `clerk.users`).
    public var sourceNoun: String {
        switch self {
        case .contact: return "contacts"
        case .payment: return "payments"
        case .subscription: return "subscriptions"
        case .stripeCustomer: return "customers"
        case .user: return "users"
        case .enrollment: return "enrollments"
        }
    }

    public var table: String {
        switch self {
        case .contact: return "contacts"
        case .payment: return "payments"
        case .subscription: return "subscriptions"
        case .stripeCustomer: return "stripe_customers"
        case .user: return "users"
        case .enrollment: return "enrollments"
        }
    }
}

extension RecordKind.Field {
    init(_ name: String, _ type: FieldType, required: Bool = false, allowed: [String]? = nil, _ help: String) {
        self.init(name: name, type: type, required: required, allowed: allowed, help: help)
    }
}

/// One value per record kind, reached by the kind's position: the per-row paths ask for their
/// kind's statement and plan on every fact, and hashing a kind hashes its raw value, a String.
struct PerKind<Value> {
    private var values = [Value?](repeating: nil, count: RecordKind.allCases.count)

    subscript(kind: RecordKind) -> Value? {
        get { values[kind.ordinal] }
        set { values[kind.ordinal] = newValue }
    }

    mutating func removeAll() { values = [Value?](repeating: nil, count: RecordKind.allCases.count) }
}

/// Where one field sits in every kind's schema, found once: a rule that reads the field of every
/// fact (its status, its times) reads it by position instead of hashing the name each time
/// (those lookups were 3% of a 2M-row nightly's CPU).
public struct FieldSlot: Sendable {
    private let slots: [Int?]

    public init(_ name: String) { slots = RecordKind.allCases.map { $0.slot(of: name) } }

    /// The field's position in `kind`'s schema, or nil when the kind has no such field.
    public func slot(in kind: RecordKind) -> Int? { slots[kind.ordinal] }

    /// The two fields every landed fact is asked for.
    public static let email = FieldSlot("email")
    public static let store = FieldSlot("store")
}
