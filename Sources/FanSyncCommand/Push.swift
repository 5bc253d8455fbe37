import ArgumentParser
import FanSyncKit
import Foundation

/// Options push commands share.
struct EndpointOptions: ParsableArguments {
    @Option(help: "The endpoints file (YAML; see \"fansync push\" in README.md).")
    var endpoints: String

    @Option(help: "Only this endpoint (by name).")
    var endpoint: String?

    func load() throws -> [Endpoint] {
        let all = try EndpointFile.load(path: endpoints)
        guard let name = endpoint else { return all }
        let chosen = all.filter { $0.name == name }
        if chosen.isEmpty {
            throw ValidationError(
                "no endpoint named '\(name)' in \(endpoints); it has " + all.map(\.name).joined(separator: ", ") + ".")
        }
        return chosen
    }
}

extension FanSync {
    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send customers or fans to HTTP endpoints: only what changed, nothing lost.",
            subcommands: [Plan.self, Apply.self, RetryDead.self, Status.self])

        struct Plan: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Show per endpoint how many records would be created, updated or left unchanged, with sample payloads."
            )

            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var endpointOptions: EndpointOptions

            @Option(help: "How many sample payloads to show per endpoint.")
            var samples = 2

            func run() throws {
                let store = try storeOptions.openExisting()
                for endpoint in try endpointOptions.load() {
                    let plan = try Pusher(store: store, storeName: storeOptions.store, endpoint: endpoint).plan(
                        samples: samples)
                    printLine(
                        "\(endpoint.name) (\(endpoint.profile.rawValue), \(endpoint.send.rawValue) → \(endpoint.url)): "
                            + "\(plan.create) to create, \(plan.update) to update, \(plan.unchanged) unchanged"
                            + (plan.inFlightBatches > 0
                                ? ", " + Plural.count(plan.inFlightBatches, "batch", "batches")
                                    + " from an interrupted run to resend" : "")
                            + (plan.dead > 0 ? ", \(plan.dead) in the dead letter" : ""))
                    for sample in plan.samples { printLine("  " + sample) }
                }
            }
        }

        struct Apply: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Send what changed to each endpoint and record what it acknowledged.",
                discussion: """
                    Batches carry an Idempotency-Key that stays the same across retries and reruns. 429, 5xx, \
                    timeouts and dropped connections are retried with exponential backoff and full jitter, \
                    honouring Retry-After; other 4xx answers split the batch until the bad record is found, \
                    which goes to the dead letter (`push retry-dead` sends it again). "sent" counts records, each \
                    once; requests and retries count attempts. Exit status: 0 when everything is delivered, 2 while \
                    the endpoint has dead letters (from this run or an earlier one) or records pending for the next \
                    run, 1 when the endpoint could not be used.
                    """)

            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var endpointOptions: EndpointOptions

            @Flag(help: "Print the summary as JSON.")
            var json = false

            func run() throws {
                let store = try storeOptions.open()
                var incomplete = false, failed = false
                for endpoint in try endpointOptions.load() {
                    let pusher = Pusher(store: store, storeName: storeOptions.store, endpoint: endpoint)
                    if isatty(STDERR_FILENO) == 1 { pusher.onProgress = { printError($0) } }
                    let summary = try pusher.apply()
                    if summary.isIncomplete { incomplete = true }
                    // On every output, not only a terminal: a cron mail or a CI log must show it.
                    if let problem = summary.problem {
                        failed = failed || summary.failed
                        printError(Style.error("Error: ") + problem)
                    }
                    printLine(json ? summary.jsonObject : summary.line)
                    if !json, let outstanding = summary.outstanding {
                        printError(Style.warning("warning: ") + outstanding)
                    }
                }
                if failed { throw ExitCode.failure }
                if incomplete { throw ExitCode.completedWithRejects }
            }
        }

        struct Status: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Per endpoint: records acknowledged, records pending in the outbox, and the dead letters with their status and answer.",
                discussion:
                    "Reads the store only (no endpoints file, no network). Exit status: 0 when nothing is pending or dead, 2 otherwise."
            )

            @OptionGroup var storeOptions: StoreOptions

            @Option(help: "How many dead letters to list per endpoint (newest first).")
            var limit = 20

            func run() throws {
                let store = try storeOptions.openExisting()
                let all = try store.pushStatus(store: storeOptions.store, deadLimit: limit)
                if all.isEmpty { printLine("nothing pushed from store '\(storeOptions.store)' yet") }
                for status in all {
                    var line = "\(status.endpoint): \(status.acknowledged) acknowledged"
                    if let at = status.lastAcknowledgedAt { line += " (last \(UTCTime.iso8601(at)))" }
                    line +=
                        ", \(status.pendingRecords) pending in "
                        + Plural.count(status.pendingBatches, "batch", "batches")
                        + ", \(status.deadCount) dead"
                    if let error = status.lastRunError { line += "; last run failed: \(error)" }
                    printLine(line)
                    for dead in status.dead {
                        printLine(
                            "  dead \(dead.recordKey): \(dead.status) at \(UTCTime.iso8601(dead.failedAt)): "
                                + String(dead.response.prefix(120)).escapingControlCharacters)
                    }
                    if status.deadCount > status.dead.count {
                        printLine("  … and \(status.deadCount - status.dead.count) more (--limit)")
                    }
                    if status.deadCount > 0 {
                        printLine("  fix the records or the endpoint, then: fansync push retry-dead")
                    }
                }
                if !all.allSatisfy(\.isSettled) { throw ExitCode.completedWithRejects }
            }
        }

        struct RetryDead: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "retry-dead",
                abstract: "Send the dead-lettered records again (after fixing them or the endpoint).")

            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var endpointOptions: EndpointOptions

            func run() throws {
                let store = try storeOptions.open()
                var incomplete = false
                for endpoint in try endpointOptions.load() {
                    let pusher = Pusher(store: store, storeName: storeOptions.store, endpoint: endpoint)
                    let revived = try pusher.reviveDead()
                    let summary = try pusher.apply()
                    if summary.isIncomplete { incomplete = true }
                    printLine(
                        "\(endpoint.name): " + Plural.count(revived, "dead letter")
                            + " retried; \(summary.acknowledged) acknowledged, "
                            + "\(summary.deadLettered) dead-lettered again")
                    if let outstanding = summary.outstanding { printError(Style.warning("warning: ") + outstanding) }
                }
                if incomplete { throw ExitCode.completedWithRejects }
            }
        }
    }
}

extension PushSummary {
    /// One line: records sent (each once), what became of them, and the attempts it took.
    var line: String {
        var text =
            "\(endpoint): \(sent) sent, \(acknowledged) acknowledged, \(unchanged) unchanged, \(deadLettered) dead-lettered"
        if pending > 0 { text += ", \(pending) pending for the next run" }
        if notSent > 0 { text += ", \(notSent) not sent" }
        return text + "; " + Plural.count(requests, "request") + " (" + Plural.count(retried, "retry", "retries") + ")"
            + String(format: " in %.1f s", elapsed)
    }

    /// What the endpoint still has to deliver after the run, all runs counted (nil when nothing).
    var outstanding: String? {
        guard outstandingDead > 0 || outstandingPending > 0 else { return nil }
        var parts: [String] = []
        if outstandingDead > 0 { parts.append(Plural.count(outstandingDead, "dead letter")) }
        if outstandingPending > 0 { parts.append(Plural.count(outstandingPending, "record") + " pending") }
        return "\(endpoint) still has " + parts.joined(separator: " and ")
            + " (fansync push status lists them"
            + (outstandingDead > 0 ? "; fansync push retry-dead sends the dead again)" : ")")
    }

    var jsonObject: String {
        "{\"endpoint\":\(JSONText.quoted(endpoint)),\"sent\":\(sent),\"acknowledged\":\(acknowledged),"
            + "\"unchanged\":\(unchanged),\"dead_lettered\":\(deadLettered),\"pending\":\(pending),\"not_sent\":\(notSent),"
            + "\"requests\":\(requests),\"retried\":\(retried),"
            + "\"outstanding_dead\":\(outstandingDead),\"outstanding_pending\":\(outstandingPending),"
            + "\"error\":" + (problem.map(JSONText.quoted) ?? "null")
            + ",\"elapsed\":\(String(format: "%.3f", elapsed))}"
    }
}
