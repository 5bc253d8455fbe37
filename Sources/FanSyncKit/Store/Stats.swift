import Foundation

/// The store at a glance: `fansync stats`.
public struct Stats: Sendable, Codable, Equatable {
    public struct Revenue: Sendable, Equatable, Codable {
        public var currency: String
        public var net: Int64
        public var payments: Int
    }

    public struct Group: Sendable, Equatable, Codable {
        public var key: String
        public var people: Int
        public var revenue: [Revenue]
    }

    public var customers = 0
    /// Customers who bought at least once (whatever their type now).
    public var buyers = 0
    public var paying = 0
    public var subscribers = 0
    public var leads = 0
    public var registeredUsers = 0
    /// Payments and subscriptions that belong to nobody yet (no email, no known customer id).
    public var unattributed = 0
    public var fansOnly = 0
    public var repeatCustomers = 0
    public var newThisMonth = 0
    /// Net revenue per charge currency, from succeeded payments in the period.
    public var revenue: [Revenue] = []
    /// Net revenue per settlement currency.
    public var settlement: [Revenue] = []
    /// Average net spent per paying customer, in the main settlement currency.
    public var averageLifetimeValue: Revenue?
    /// Registered users (people with an account) who became paying customers, and how many there are.
    public var registeredConverted = 0
    public var firstSource: [Group] = []
    public var groups: [Group] = []

    /// People by first source, from rows of (first source, settlement currency, their settlement
    /// net, how many people): the largest group first, each with its net per settlement currency.
    static func firstSourceGroups(_ rows: [(source: String, currency: String?, net: Int64, people: Int)]) -> [Group] {
        rows.sorted {
            ($1.people, $0.source, $0.currency ?? "", $0.currency == nil ? 0 : 1) < (
                $0.people, $1.source, $1.currency ?? "", $1.currency == nil ? 0 : 1
            )
        }
        .reduce(into: [Group]()) { groups, row in
            let revenue = row.currency.map { [Revenue(currency: $0, net: row.net, payments: 0)] } ?? []
            if let index = groups.firstIndex(where: { $0.key == row.source }) {
                groups[index].people += row.people
                groups[index].revenue += revenue
            } else {
                groups.append(Group(key: row.source, people: row.people, revenue: revenue))
            }
        }
        .sorted { ($1.people, $0.key) < ($0.people, $1.key) }
    }

    public var repeatShare: Double { buyers == 0 ? 0 : Double(repeatCustomers) / Double(buyers) }
    public var conversion: Double { registeredUsers == 0 ? 0 : Double(registeredConverted) / Double(registeredUsers) }
}

public enum StatsGrouping: String, Sendable, CaseIterable {
    case month, source, product
}
