/// A person as the store keeps them: one row of `people`, typed.
///
/// What exports and push payloads read, instead of a row of SQL values. The store fills it
/// (``Store/forEachPerson(in:customersOnly:_:)``, ``Store/forEachPersonToPush(_:customersOnly:endpoint:_:)``);
/// the merge that decides its values is ``PersonMerge``.
///
/// ```swift
/// try store.forEachPerson(in: "default", customersOnly: true) { person in
///     print(person.emailDisplay, person.type, person.totalSpent ?? 0)
/// }
/// ```
public struct PersonRecord: Sendable, Equatable {
    public var store: String
    /// The normalized address, the person's key.
    public var email: String
    /// The address as a source last spelled it.
    public var emailDisplay: String
    public var name: String?
    public var firstName: String?
    public var lastName: String?
    public var phone: String?
    /// The type's name (`lead`, `paying`…) and its rank (``PersonType/rawValue``).
    public var type: String
    public var typeRank: Int64
    /// The subscription status, when they have one.
    public var status: String?
    public var purchases: Int64
    public var firstPurchaseAt: Int64?
    public var lastPurchaseAt: Int64?
    public var isRepeat: Bool
    /// The currency they paid in most, and the net total in it (minor units).
    public var currency: String?
    public var totalSpent: Int64?
    /// `EUR 12.00; GBP 5.00`: the totals in the other currencies.
    public var otherTotals: String?
    /// Every currency's total, as the JSON array listings show.
    public var totals: String?
    /// The processor's converted figure: comparable across currencies.
    public var settlementCurrency: String?
    public var settlementNet: Int64?
    public var firstSource: String
    public var firstProduct: String?
    public var firstSeenAt: Int64?
    public var lastActivityAt: Int64?
    /// The sources that know them, comma-separated.
    public var sources: String
    public var tags: [String]
    public var score: Int64
    public var daw: String?
    public var genre: String?
    public var level: String?
    public var goals: String?
    public var imageURL: String?
    /// A fingerprint of everything written for them.
    public var contentHash: String
}

extension PersonRecord: ListingRow {
    /// The value under its `people` column name (`first_name`, `settlement_net`…), so listing
    /// columns, export columns and endpoint field maps name a person's values as the store does.
    public func value(_ column: String) -> ListingValue {
        func text(_ value: String?) -> ListingValue { value.map(ListingValue.text) ?? .null }
        func int(_ value: Int64?) -> ListingValue { value.map(ListingValue.integer) ?? .null }
        switch column {
        case "store": return .text(store)
        case "email": return .text(email)
        case "email_display": return .text(emailDisplay)
        case "name": return text(name)
        case "first_name": return text(firstName)
        case "last_name": return text(lastName)
        case "phone": return text(phone)
        case "type": return .text(type)
        case "type_rank": return .integer(typeRank)
        case "status": return text(status)
        case "purchases": return .integer(purchases)
        case "first_purchase_at": return int(firstPurchaseAt)
        case "last_purchase_at": return int(lastPurchaseAt)
        case "is_repeat": return .integer(isRepeat ? 1 : 0)
        case "currency": return text(currency)
        case "total_spent": return int(totalSpent)
        case "other_totals": return text(otherTotals)
        case "totals": return text(totals)
        case "settlement_currency": return text(settlementCurrency)
        case "settlement_net": return int(settlementNet)
        case "first_source": return .text(firstSource)
        case "first_product": return text(firstProduct)
        case "first_seen_at": return int(firstSeenAt)
        case "last_activity_at": return int(lastActivityAt)
        case "sources": return .text(sources)
        case "tags": return .text("[" + tags.map(JSONText.quoted).joined(separator: ",") + "]")
        case "score": return .integer(score)
        case "daw": return text(daw)
        case "genre": return text(genre)
        case "level": return text(level)
        case "goals": return text(goals)
        case "image_url": return text(imageURL)
        case "content_hash": return .text(contentHash)
        default: return .null
        }
    }

    public func tags(_ column: String) -> [String] { column == "tags" ? tags : [] }
}
