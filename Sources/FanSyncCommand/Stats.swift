import ArgumentParser
import FanSyncKit
import Foundation

extension StatsGrouping: ExpressibleByArgument {}

/// The period figures cover, as `stats` and `report` take it.
struct PeriodOptions: ParsableArguments {
    @Option(help: "Only from this date (yyyy-MM-dd, inclusive).")
    var since: String?
    @Option(help: "Only before this date (yyyy-MM-dd, exclusive).")
    var until: String?
    @Option(name: .customLong("as-of"), help: "The day 'this month' is counted from (yyyy-MM-dd); today when omitted.")
    var asOf: String?

    func validate() throws {
        for (name, value) in [("--since", since), ("--until", until), ("--as-of", asOf)] {
            if let value, UTCTime.parse(value) == nil {
                throw ValidationError("\(name) takes a date, e.g. 2025-03-01.")
            }
        }
    }

    var sinceTime: Int64? { since.flatMap { UTCTime.parse($0) } }
    var untilTime: Int64? { until.flatMap { UTCTime.parse($0) } }
    func asOfTime(now: Int64) -> Int64 { asOf.flatMap { UTCTime.parse($0) } ?? now }
}

extension FanSync {
    struct StatsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract:
                "The store at a glance: people by type, repeat buyers, revenue, lifetime value, conversion, attribution.",
            discussion: """
                Revenue is net of refunds, from succeeded payments, per charge currency and per settlement \
                currency. --since and --until bound payments by their date and people by when they were first \
                seen. Conversion is registered users (with an account) who bought, over all registered users.
                """)

        @OptionGroup var storeOptions: StoreOptions

        @OptionGroup var period: PeriodOptions
        @Option(help: "Break revenue down by month, source or product.")
        var by: StatsGrouping?
        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            let store = try storeOptions.openExisting()
            let now = period.asOfTime(now: Int64(Date().timeIntervalSince1970))
            let stats = try store.stats(
                store: storeOptions.store, since: period.sinceTime, until: period.untilTime, by: by, asOf: now)
            print(json ? Self.json(stats) : Self.text(stats), terminator: "")
        }

        static func money(_ items: [Stats.Revenue]) -> String {
            items.isEmpty
                ? "–" : items.map { ValueFormatter.money($0.net, currency: $0.currency) }.joined(separator: " · ")
        }

        static func text(_ stats: Stats) -> String {
            var out = ""
            func row(_ label: String, _ value: String) {
                out += label.padding(toLength: 30, withPad: " ", startingAt: 0) + value + "\n"
            }
            row("customers", "\(stats.customers)")
            row("  subscribers", "\(stats.subscribers)")
            row("  paying", "\(stats.paying)")
            row("  leads", "\(stats.leads)")
            row("customers who bought", "\(stats.buyers)")
            row("fans who are only registered", "\(stats.fansOnly)")
            row("registered users", "\(stats.registeredUsers)")
            row(
                "repeat customers",
                "\(stats.repeatCustomers) (" + String(format: "%.1f%%", stats.repeatShare * 100)
                    + " of those who bought)")
            row("new this month", "\(stats.newThisMonth)")
            if stats.unattributed > 0 {
                row(
                    "unattributed rows",
                    "\(stats.unattributed) (no email and no known Customer ID: they count no money)")
            }
            row("revenue", money(stats.revenue))
            row("revenue (settlement)", money(stats.settlement))
            row("average lifetime value", stats.averageLifetimeValue.map { money([$0]) } ?? "–")
            row(
                "registered → customer",
                "\(stats.registeredConverted) of \(stats.registeredUsers) ("
                    + String(format: "%.1f%%", stats.conversion * 100) + ")")
            let width = max(28, (stats.firstSource + stats.groups).map(\.key.count).max() ?? 0) + 2
            out += "first source\n"
            for group in stats.firstSource {
                out +=
                    "  " + group.key.padding(toLength: width, withPad: " ", startingAt: 0) + "\(group.people) people"
                    + (group.revenue.isEmpty ? "" : ", " + money(group.revenue)) + "\n"
            }
            if !stats.groups.isEmpty {
                out += "breakdown\n"
                for group in stats.groups {
                    out +=
                        "  " + group.key.padding(toLength: width, withPad: " ", startingAt: 0) + money(group.revenue)
                        + " (\(group.revenue.reduce(0) { $0 + $1.payments }) payments)\n"
                }
            }
            return out
        }

        static func json(_ stats: Stats) -> String {
            func revenue(_ items: [Stats.Revenue]) -> String {
                "["
                    + items.map {
                        "{\"currency\":\"\($0.currency)\",\"net\":\(JSONText.quoted(Money.decimal($0.net, currency: $0.currency))),\"payments\":\($0.payments)}"
                    }
                    .joined(separator: ",") + "]"
            }
            func groups(_ items: [Stats.Group]) -> String {
                "["
                    + items.map {
                        "{\"key\":\(JSONText.quoted($0.key)),\"people\":\($0.people),\"revenue\":\(revenue($0.revenue))}"
                    }
                    .joined(separator: ",") + "]"
            }
            return
                "{\"customers\":\(stats.customers),\"buyers\":\(stats.buyers),\"paying\":\(stats.paying),\"subscribers\":\(stats.subscribers),"
                + "\"leads\":\(stats.leads),\"registered_users\":\(stats.registeredUsers),\"fans_only\":\(stats.fansOnly),"
                + "\"repeat_customers\":\(stats.repeatCustomers),\"repeat_share\":\(stats.repeatShare),"
                + "\"new_this_month\":\(stats.newThisMonth),\"unattributed\":\(stats.unattributed),"
                + "\"revenue\":\(revenue(stats.revenue)),"
                + "\"settlement\":\(revenue(stats.settlement)),"
                + "\"average_lifetime_value\":\(stats.averageLifetimeValue.map { revenue([$0]) } ?? "null"),"
                + "\"registered_converted\":\(stats.registeredConverted),\"conversion\":\(stats.conversion),"
                + "\"first_source\":\(groups(stats.firstSource)),\"breakdown\":\(groups(stats.groups))}\n"
        }
    }
}
