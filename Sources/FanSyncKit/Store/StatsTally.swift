import Foundation

/// What one person adds to their store's unbounded stats: the figures of their people row that
/// `stats` counts, and what their ledger rows add to the revenue. Computed on the merge worker
/// beside the person, written in their row (``encoded``: the parts no other column holds) and
/// taken back out of the kept ``StatsTally`` when the row is rewritten, so the kept stats follow
/// every import without a pass over the store.
struct StatsShare: Sendable, Equatable {
    /// Money in one currency: net minor units and how many payments.
    struct Amount: Sendable, Equatable, Codable {
        var net: Int64 = 0
        var payments = 0
    }

    var typeRank: Int
    var purchases: Int
    var firstSource: String
    var settlementCurrency: String?
    var settlementNet: Int64?
    /// Whether the store has an account (a users row) at this address.
    var registered = false
    /// Succeeded payments by charge currency ("" for none), and by settlement currency.
    var revenue: [String: Amount] = [:]
    var settlement: [String: Amount] = [:]

    /// The share of `person`, whose ledger rows are `evidence`: as `stats` reads the ledger,
    /// succeeded payments count, a refund without its converted figure taking the same share of
    /// the converted amount.
    init(_ person: Person, evidence: [Evidence]) {
        let main = person.settlementTotal
        typeRank = person.type.rawValue
        purchases = person.purchases
        firstSource = person.firstSource
        settlementCurrency = main?.currency
        settlementNet = main?.net
        for index in evidence.indices {
            // Each field read in place: a row copied whole is some twenty strings retained.
            switch evidence[index].kind {
            case .user:
                registered = true
            case .payment where evidence[index].status == "succeeded":
                let row = (
                    currency: evidence[index].currency, amount: evidence[index].amount,
                    amountRefunded: evidence[index].amountRefunded,
                    convertedCurrency: evidence[index].convertedCurrency,
                    convertedAmount: evidence[index].convertedAmount,
                    convertedRefunded: evidence[index].convertedRefunded
                )
                // Wrapping arithmetic: figures from a file never stop an import.
                revenue[row.currency ?? "", default: Amount()].payments += 1
                if let amount = row.amount {
                    revenue[row.currency ?? ""]?.net &+= amount &- (row.amountRefunded ?? 0)
                }
                guard let converted = row.convertedCurrency else { continue }
                settlement[converted, default: Amount()].payments += 1
                if let convertedAmount = row.convertedAmount {
                    var refund: Int64 = 0
                    if let convertedRefunded = row.convertedRefunded {
                        refund = convertedRefunded
                    } else if let amount = row.amount, amount > 0 {
                        refund =
                            convertedAmount.multipliedReportingOverflow(by: min(row.amountRefunded ?? 0, amount))
                            .partialValue / amount
                    }
                    settlement[converted]?.net &+= convertedAmount &- refund
                }
            default:
                break
            }
        }
    }

    /// The share a people row holds: its columns, and its `stats_share` (nil when the row has none
    /// or it does not read).
    init?(
        typeRank: Int64?, purchases: Int64?, firstSource: String?, settlementCurrency: String?,
        settlementNet: Int64?, encoded: String?
    ) {
        guard let typeRank, let purchases, let firstSource, let encoded else { return nil }
        self.typeRank = Int(typeRank)
        self.purchases = Int(purchases)
        self.firstSource = firstSource
        self.settlementCurrency = settlementCurrency
        self.settlementNet = settlementNet
        // "r" for registered, then a line per amount: "c" (charge) or "s" (settlement),
        // currency, net, payments, separated by unit separators.
        var lines = encoded.split(separator: "\u{1E}", omittingEmptySubsequences: true)[...]
        if lines.first == "r" {
            registered = true
            lines = lines.dropFirst()
        }
        for line in lines {
            let parts = line.split(separator: "\u{1F}", omittingEmptySubsequences: false)
            guard parts.count == 4, let net = Int64(parts[2]), let payments = Int(parts[3]) else { return nil }
            let amount = Amount(net: net, payments: payments), currency = String(parts[1])
            switch parts[0] {
            case "c": revenue[currency] = amount
            case "s": settlement[currency] = amount
            default: return nil
            }
        }
    }

    /// What the `stats_share` column holds (the parts no other column of the row does), in an
    /// order that does not depend on the dictionaries'.
    var encoded: String {
        var text = registered ? "r\u{1E}" : ""
        for (tag, amounts) in [("c", revenue), ("s", settlement)] {
            for currency in amounts.keys.sorted() {
                guard let amount = amounts[currency] else { continue }
                text += "\(tag)\u{1F}\(currency)\u{1F}\(amount.net)\u{1F}\(amount.payments)\u{1E}"
            }
        }
        return text
    }
}

/// A store's unbounded stats as sums over its people's ``StatsShare``s: kept in `summaries`,
/// moved by each person written (their new share in, the former out).
struct StatsTally: Sendable, Equatable, Codable {
    /// A group of people by first source and settlement currency (nil: none).
    struct SourceKey: Sendable, Hashable, Codable {
        var source: String
        var currency: String?
    }

    var customers = 0
    var buyers = 0
    var paying = 0
    var subscribers = 0
    var leads = 0
    var fansOnly = 0
    var repeatCustomers = 0
    var registeredUsers = 0
    var registeredConverted = 0
    var revenue: [String: StatsShare.Amount] = [:]
    var settlement: [String: StatsShare.Amount] = [:]
    /// Buyers by settlement currency: the sum of their settlement net, and how many.
    var buyersBySettlement: [String: StatsShare.Amount] = [:]
    /// People by first source and settlement currency: their settlement net, and how many.
    var bySource: [SourceKey: StatsShare.Amount] = [:]

    /// Adds `share` (`sign` 1), or takes it back out (`sign` -1).
    mutating func add(_ share: StatsShare, sign: Int = 1) {
        func count(_ condition: Bool) -> Int { condition ? sign : 0 }
        customers += count(share.typeRank >= 1)
        paying += count(share.typeRank == 2)
        subscribers += count(share.typeRank == 3)
        leads += count(share.typeRank == 1)
        fansOnly += count(share.typeRank == 0)
        repeatCustomers += count(share.purchases >= 2)
        buyers += count(share.purchases >= 1)
        registeredUsers += count(share.registered)
        registeredConverted += count(share.registered && share.purchases >= 1)
        for (currency, amount) in share.revenue { Self.add(amount, sign: sign, to: &revenue, at: currency) }
        for (currency, amount) in share.settlement { Self.add(amount, sign: sign, to: &settlement, at: currency) }
        if share.purchases >= 1, let currency = share.settlementCurrency {
            Self.add(
                StatsShare.Amount(net: share.settlementNet ?? 0, payments: 1), sign: sign, to: &buyersBySettlement,
                at: currency)
        }
        Self.add(
            StatsShare.Amount(net: share.settlementNet ?? 0, payments: 1), sign: sign, to: &bySource,
            at: SourceKey(source: share.firstSource, currency: share.settlementCurrency))
    }

    /// Adds another tally (a chunk's changes).
    mutating func add(_ other: StatsTally) {
        customers += other.customers
        buyers += other.buyers
        paying += other.paying
        subscribers += other.subscribers
        leads += other.leads
        fansOnly += other.fansOnly
        repeatCustomers += other.repeatCustomers
        registeredUsers += other.registeredUsers
        registeredConverted += other.registeredConverted
        for (key, amount) in other.revenue { Self.add(amount, to: &revenue, at: key) }
        for (key, amount) in other.settlement { Self.add(amount, to: &settlement, at: key) }
        for (key, amount) in other.buyersBySettlement { Self.add(amount, to: &buyersBySettlement, at: key) }
        for (key, amount) in other.bySource { Self.add(amount, to: &bySource, at: key) }
    }

    /// Adds `amount` (`sign` 1) or takes it out (-1) of the sum under `key`; a sum back at nothing
    /// is removed (a currency or group nobody has any more is not listed).
    private static func add<Key: Hashable>(
        _ amount: StatsShare.Amount, sign: Int = 1, to sums: inout [Key: StatsShare.Amount], at key: Key
    ) {
        var sum = sums[key, default: StatsShare.Amount()]
        sum.net &+= Int64(sign) &* amount.net
        sum.payments += sign * amount.payments
        sums[key] = sum == StatsShare.Amount() ? nil : sum
    }

    /// The stats these sums give (`unattributed` and `newThisMonth` are counted when asked).
    func stats(unattributed: Int, newThisMonth: Int) -> Stats {
        var stats = Stats()
        stats.customers = customers
        stats.buyers = buyers
        stats.paying = paying
        stats.subscribers = subscribers
        stats.leads = leads
        stats.fansOnly = fansOnly
        stats.repeatCustomers = repeatCustomers
        stats.registeredUsers = registeredUsers
        stats.registeredConverted = registeredConverted
        stats.unattributed = unattributed
        stats.newThisMonth = newThisMonth
        stats.revenue = revenue.map { Stats.Revenue(currency: $0.key, net: $0.value.net, payments: $0.value.payments) }
            .sorted { $0.currency < $1.currency }
        stats.settlement = settlement.map {
            Stats.Revenue(currency: $0.key, net: $0.value.net, payments: $0.value.payments)
        }.sorted { $0.currency < $1.currency }
        if let main = stats.settlement.max(by: { $0.net < $1.net }), stats.buyers > 0 {
            let total = buyersBySettlement[main.currency] ?? StatsShare.Amount()
            let buyers = max(1, total.payments)
            stats.averageLifetimeValue = Stats.Revenue(
                currency: main.currency, net: total.net / Int64(buyers), payments: buyers)
        }
        stats.firstSource = Stats.firstSourceGroups(
            bySource.map {
                (source: $0.key.source, currency: $0.key.currency, net: $0.value.net, people: $0.value.payments)
            })
        return stats
    }
}
