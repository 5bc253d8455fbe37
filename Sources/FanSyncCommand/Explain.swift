import ArgumentParser
import FanSyncKit
import Foundation

/// A person was asked for who is not in the store.
struct UnknownPerson: Error, CustomStringConvertible {
    var email: String
    var store: String
    var description: String {
        "no one with the email '\(email)' in store '\(store)'. Check the spelling, or list people with `fansync fans`."
    }
}

extension FanSync {
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every source row behind a person, the rule that decided their type, and their totals.",
            discussion: "Exit status 1 when the store has no one with that email.")

        @OptionGroup var storeOptions: StoreOptions

        @Flag(help: "Also look for near-collisions that ignore Gmail dots and +tags.")
        var fuzzy = false

        @Option(help: "Show times in this zone (IANA name) instead of UTC.")
        var tz: String?

        @Argument(help: "The email address (any case or spacing).")
        var email: String

        func run() throws {
            let store = try storeOptions.openExisting()
            guard let explanation = try store.explain(store: storeOptions.store, email: email, fuzzy: fuzzy) else {
                throw UnknownPerson(email: email, store: storeOptions.store)
            }
            let formatter = ValueFormatter(zone: tz.flatMap(TimeZone.init(identifier:)))
            let person = explanation.person
            var out = "\(person.email) (store \(person.store))\n"
            out += "type        \(explanation.decidingRule)\n"
            if let status = person.subscriptionStatus { out += "status      \(status) (latest subscription)\n" }
            out += "name        \(person.name ?? "–")\n"
            out += "first seen  \(person.firstSeenAt.map(formatter.time) ?? "–") via \(person.firstSource)\n"
            out += "last active \(person.lastActivityAt.map(formatter.time) ?? "–")\n"
            out += "spellings   \(explanation.spellings.joined(separator: ", "))\n"
            out += "evidence (\(explanation.rows.count) source rows)\n"
            for row in explanation.rows {
                let item = row.evidence
                var line = "  \(item.file):\(item.line)  \(item.source) \(item.sourceID)  \(row.rule)"
                if item.kind == .payment, let amount = item.amount, let currency = item.currency {
                    line += "  " + ValueFormatter.money(amount, currency: currency)
                    if let refunded = item.amountRefunded, refunded > 0 {
                        line += " (refunded " + ValueFormatter.money(refunded, currency: currency) + ")"
                    }
                }
                out += line + "\n"
            }
            if let peak = explanation.peak, peak > (explanation.rows.map(\.evidence.peak).max() ?? .user) {
                out += "  (earlier exports were evidence for \(peak.name); the type keeps it)\n"
            }
            out += "totals (recomputed from the ledger)\n"
            if person.totals.isEmpty { out += "  no purchases\n" }
            for total in person.totals {
                out +=
                    "  \(total.currency): \(total.purchases) purchase(s), gross "
                    + ValueFormatter.money(total.gross, currency: total.currency)
                    + ", refunded " + ValueFormatter.money(total.refunded, currency: total.currency)
                    + ", net " + ValueFormatter.money(total.net, currency: total.currency) + "\n"
            }
            for total in person.settlement {
                out +=
                    "  settlement \(total.currency): net " + ValueFormatter.money(total.net, currency: total.currency)
                    + "\n"
            }
            out +=
                "fan         score \(person.score), tags: \(person.tags.isEmpty ? "–" : person.tags.joined(separator: ", "))\n"
            if !explanation.nearCollisions.isEmpty {
                out += "near-collisions (Gmail dots, +tags): \(explanation.nearCollisions.joined(separator: ", "))\n"
            } else if fuzzy {
                out += "near-collisions: none\n"
            }
            print(out, terminator: "")
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Purchases, refunds, subscriptions and enrollments of one person, in time order.",
            discussion: "Exit status 1 when the store has no one with that email.")

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The email address.")
        var email: String

        func run() throws {
            let store = try storeOptions.openExisting()
            guard let events = try store.history(store: storeOptions.store, email: email) else {
                throw UnknownPerson(email: email, store: storeOptions.store)
            }
            let rows: [[String: ListingValue]] = events.map { event in
                [
                    "at": event.at.map(ListingValue.integer) ?? .null, "kind": .text(event.kind),
                    "event": .text(event.text),
                    "amount": event.amount.map(ListingValue.integer) ?? .null,
                    "currency": event.currency.map(ListingValue.text) ?? .null,
                    "source": .text(event.source), "source_id": .text(event.sourceID),
                    "row": .text("\(event.file):\(event.line)"),
                ]
            }
            let listing = Listing(
                columns: [
                    .init("at", .timestamp), .init("kind"), .init("event"),
                    .init("amount", .money(currencyColumn: "currency")), .init("currency"),
                    .init("source"), .init("source_id"), .init("row"),
                ],
                rows: rows, total: rows.count)
            output.print(listing, noun: "events", offset: 0)
        }
    }
}
