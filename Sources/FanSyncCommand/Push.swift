import ArgumentParser
import FanSyncKit
import Foundation

/// Options push commands share.
struct EndpointOptions: ParsableArguments {
    @Option(help: "The endpoints file (YAML; see README.md, Pushing).")
    var endpoints: String

    @Option(help: "Only this endpoint (by name).")
    var endpoint: String?

    func load() throws -> [Endpoint] {
        let all = try EndpointFile.load(path: endpoints)
        guard let name = endpoint else { return all }
        let chosen = all.filter { $0.name == name }
        if chosen.isEmpty {
            throw ValidationError("no endpoint named '\(name)' in \(endpoints); it has " + all.map(\.name).joined(separator: ", ") + ".")
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
                abstract: "Show per endpoint how many records would be created, updated or left unchanged, with sample payloads.")

            @OptionGroup var storeOptions: StoreOptions
            @OptionGroup var endpointOptions: EndpointOptions

            @Option(help: "How many sample payloads to show per endpoint.")
            var samples = 2

            func run() throws {
                let store = try storeOptions.openExisting()
                for endpoint in try endpointOptions.load() {
                    let plan = try Pusher(store: store, storeName: storeOptions.store, endpoint: endpoint).plan(samples: samples)
                    printLine("\(endpoint.name) (\(endpoint.profile.rawValue), \(endpoint.send.rawValue) → \(endpoint.url)): "
                              + "\(plan.create) to create, \(plan.update) to update, \(plan.unchanged) unchanged"
                              + (plan.inFlightBatches > 0 ? ", \(plan.inFlightBatches) batch(es) from an interrupted run to resend" : "")
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
                    which goes to the dead letter (`push retry-dead` sends it again). Exit status: 0, 2 when \
                    records were dead-lettered or left pending for the next run, 1 on failure.
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
                    if summary.deadLettered > 0 || summary.pending > 0 || summary.notSent > 0 { incomplete = true }
                    // On every output, not only a terminal: a cron mail or a CI log must show it.
                    if let problem = summary.problem {
                        failed = failed || summary.failed
                        printError("Error: \(problem)")
                    }
                    if json {
                        printLine("{\"endpoint\":\(JSONText.quoted(summary.endpoint)),\"sent\":\(summary.sent),\"acknowledged\":\(summary.acknowledged),"
                                  + "\"unchanged\":\(summary.unchanged),\"retried\":\(summary.retried),\"dead_lettered\":\(summary.deadLettered),"
                                  + "\"pending\":\(summary.pending),\"not_sent\":\(summary.notSent),\"requests\":\(summary.requests),"
                                  + "\"error\":" + (summary.problem.map(JSONText.quoted) ?? "null")
                                  + ",\"elapsed\":\(String(format: "%.3f", summary.elapsed))}")
                    } else {
                        printLine("\(summary.endpoint): \(summary.sent) sent, \(summary.acknowledged) acknowledged, \(summary.unchanged) unchanged, "
                                  + "\(summary.retried) retried, \(summary.deadLettered) dead-lettered"
                                  + (summary.pending > 0 ? ", \(summary.pending) pending for the next run" : "")
                                  + (summary.notSent > 0 ? ", \(summary.notSent) not sent" : "")
                                  + String(format: " in %.1f s (%d requests)", summary.elapsed, summary.requests))
                    }
                }
                if failed { throw ExitCode.failure }
                if incomplete { throw ExitCode.completedWithRejects }
            }
        }

        struct Status: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Per endpoint: records acknowledged, records pending in the outbox, and the dead letters with their status and answer.",
                discussion: "Reads the store only (no endpoints file, no network). Exit status: 0 when nothing is pending or dead, 2 otherwise.")

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
                    line += ", \(status.pendingRecords) pending in \(status.pendingBatches) batch(es), \(status.deadCount) dead"
                    if let error = status.lastRunError { line += "; last run failed: \(error)" }
                    printLine(line)
                    for dead in status.dead {
                        printLine("  dead \(dead.recordKey): \(dead.status) at \(UTCTime.iso8601(dead.failedAt)): "
                                  + String(dead.response.prefix(120)).escapingControlCharacters)
                    }
                    if status.deadCount > status.dead.count {
                        printLine("  … and \(status.deadCount - status.dead.count) more (--limit)")
                    }
                    if status.deadCount > 0 { printLine("  fix the records or the endpoint, then: fansync push retry-dead") }
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
                    if summary.deadLettered > 0 || summary.pending > 0 { incomplete = true }
                    printLine("\(endpoint.name): \(revived) dead letter(s) retried; \(summary.acknowledged) acknowledged, "
                              + "\(summary.deadLettered) dead-lettered again")
                }
                if incomplete { throw ExitCode.completedWithRejects }
            }
        }
    }
}
