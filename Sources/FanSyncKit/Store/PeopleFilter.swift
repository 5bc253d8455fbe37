import Foundation

/// Filters shared by `customers` and `fans`.
public struct PeopleFilter: Sendable {
    public var store = "default"
    public var types: [PersonType] = []
    public var status: String?
    public var tag: String?
    public var source: String?
    /// In major units of each person's settlement currency.
    public var minSpent: Decimal?
    public var daw: String?
    public var genre: String?
    public var level: String?
    public var segment: Segment?
    /// "Now", for segments that look back in time.
    public var asOf: Int64 = Int64(Date().timeIntervalSince1970)

    public init(store: String = "default") { self.store = store }
}

/// Named groups of fans. Each definition is documented in README.md and `fansync fans --help`.
public enum Segment: String, Sendable, CaseIterable {
    /// Has an account (a Clerk user row) and no purchase.
    case registeredNotPurchased = "registered-not-purchased"
    /// No purchase, but active in the last 90 days and either enrolled in a course or carrying 2+ tags.
    case engagedNotPurchased = "engaged-not-purchased"
    /// Spent at least 100 (settlement currency; --min-spent changes it) and no activity for 90 days.
    case highValueLowEngagement = "high-value-low-engagement"
    /// Two or more purchases.
    case repeatBuyers = "repeat"
    /// Bought before, last purchase over 180 days ago, no live subscription.
    case lapsed

    public var definition: String {
        switch self {
        case .registeredNotPurchased:
            return
                "has an account (a registered user row) and has bought nothing (no succeeded payment, no paid enrollment)"
        case .engagedNotPurchased:
            return
                "has bought nothing, active in the last 90 days, and enrolled in a course or carrying two or more tags"
        case .highValueLowEngagement:
            return "spent at least 100 in the settlement currency (or --min-spent) and no activity in the last 90 days"
        case .repeatBuyers: return "two or more purchases"
        case .lapsed: return "bought before, last purchase over 180 days ago, and no live subscription"
        }
    }
}

public enum PeopleSort: String, Sendable, CaseIterable {
    case totalSpent = "total-spent"
    case lastActivity = "last-activity"
    case firstPurchase = "first-purchase"
    case name
    case score
}
