import FanSyncHTTP
import Foundation

/// Errors that stop a push before it starts.
public struct PushError: DisposedError, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The endpoint names a token variable (`token_env`) the environment does not set.
        case missingToken(variable: String)
    }

    public var kind: Kind
    /// The endpoint's name.
    public var endpoint: String
    public var disposition: ErrorDisposition { .fatal }

    public var description: String {
        switch kind {
        case .missingToken(let variable):
            return "endpoint '\(endpoint)': the environment variable \(variable) is not set. "
                + "Export the token as \(variable) and run again."
        }
    }
}

/// Pushes people to one endpoint: only what changed since the endpoint last
/// acknowledged it, in batches with idempotency keys, through an outbox that
/// makes an interrupted push resumable without loss or duplicates.
public final class Pusher {
    public let store: Store
    public let storeName: String
    public let endpoint: Endpoint
    let environment: [String: String]
    public var onProgress: ((String) -> Void)?
    /// Seconds of the first retry delay; doubles per attempt, capped, with full jitter.
    public var backoffBase = 0.5
    public var backoffCap = 30.0
    var random = SystemRandomNumberGenerator()

    public init(
        store: Store, storeName: String, endpoint: Endpoint,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.store = store
        self.storeName = storeName
        self.endpoint = endpoint
        self.environment = environment
    }

    // MARK: Records

    /// How a record differs from what the endpoint last acknowledged.
    enum Change { case create, update, unchanged }

    /// Every record the endpoint should hold, in key order, with how it differs from what the
    /// endpoint acknowledged. Records in the dead letter (sent again only by `retry-dead`) and
    /// in the outbox (resent with their own keys) are skipped. `plan` and `apply` both walk
    /// this, so the plan is the real code path minus the HTTP call.
    func forEachChange(_ body: (PushRecord, Change) throws -> Void) throws {
        var filter = PeopleFilter(store: storeName)
        filter.types = endpoint.types
        filter.segment = endpoint.segment
        let inFlight = try store.outboxRecordKeys(endpoint: endpoint.name, store: storeName)
        let formatter = ValueFormatter()
        try store.forEachPersonToPush(filter, customersOnly: endpoint.send == .customers, endpoint: endpoint.name) {
            person, acknowledged in
            let key = person.email
            if inFlight.contains(key) { return }
            let json = record(person, formatter: formatter)
            var hasher = StableHasher()
            hasher.combine(json)
            let hash = hasher.hexDigest
            try body(
                PushRecord(key: key, json: json, hash: hash),
                acknowledged == nil ? .create : acknowledged == hash ? .unchanged : .update)
        }
    }

    /// A person's record as the endpoint receives it (the payload's JSON).
    func record(_ person: PersonRecord, formatter: ValueFormatter) -> String {
        profile.record(person, endpoint: endpoint, store: storeName, formatter: formatter)
    }

    /// What the endpoint's kind does (see ``EndpointProfile``).
    var profile: any EndpointProfile { endpoint.profile.behavior }

    // MARK: Plan

    /// Counts what `apply` would send, with up to `samples` example payloads.
    public func plan(samples: Int = 2) throws -> PushPlan {
        var plan = PushPlan(endpoint: endpoint.name)
        plan.inFlightBatches = try store.outboxCount(endpoint: endpoint.name, store: storeName)
        plan.dead = try store.deadLetterCount(endpoint: endpoint.name, store: storeName)
        try forEachChange { record, change in
            switch change {
            case .unchanged: plan.unchanged += 1; return
            case .create: plan.create += 1
            case .update: plan.update += 1
            }
            if plan.samples.count < samples { plan.samples.append(body(for: [record])) }
        }
        return plan
    }

    // MARK: Payloads

    /// The request body for a batch.
    func body(for records: [PushRecord]) -> String { profile.body(for: records, endpoint: endpoint) }

    func headers(token: String?, idempotencyKey: String) -> [(String, String)] {
        var headers: [(String, String)] = [
            ("Content-Type", "application/json"), ("Accept", "application/json"),
            ("Idempotency-Key", idempotencyKey),
        ]
        headers += profile.headers(token: token)
        for (name, value) in endpoint.headers.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        return headers
    }

    static func object(_ json: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
    }

    // MARK: Apply

    struct Batch {
        var key: String
        var records: [PushRecord]
        var attempts: Int
        var notBefore: Date
        /// Where an ActiveCampaign record is in its steps: the sync, then per tag a
        /// lookup, a create when missing, and the link.
        var step: Step = .main
        var contactID: String?
        var tags: [String] = []
        /// Its records are in this run's `sent` already (a retry, a split half or a tag step
        /// sends them again; it does not send more records).
        var counted = false
    }

    /// One request: a batch's current step as sent.
    struct Request {
        var method: String
        var url: String
        var body: String
        /// Added to the batch's idempotency key (a step past the first is a request of its own).
        var keySuffix: String
    }

    /// Where a batch is: its first request, or a step after it (ActiveCampaign's tags).
    enum Step: Equatable {
        case main
        case findTag(Int)
        case createTag(Int)
        case linkTag(Int, tagID: String)

        /// ActiveCampaign answers 422 when a contact already has the tag: that is success.
        var isLink: Bool { if case .linkTag = self { return true } else { return false } }
    }

    /// Sends what changed and records what the endpoint acknowledged.
    public func apply() throws -> PushSummary {
        let started = Date()
        var summary = PushSummary(endpoint: endpoint.name)
        var token: String?
        if let variable = endpoint.tokenEnv {
            guard let value = environment[variable], !value.isEmpty else {
                throw PushError(kind: .missingToken(variable: variable), endpoint: endpoint.name)
            }
            token = value
        }
        let name = endpoint.name
        func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
        let runID = try store.startPushRun(endpoint: name, store: storeName, at: Int64(started.timeIntervalSince1970))

        // Batches an interrupted run left in the outbox go first, with their original keys.
        var queue: [Batch] = try store.outbox(endpoint: name, store: storeName).map {
            Batch(key: $0.key, records: $0.records, attempts: $0.attempts, notBefore: .distantPast)
        }
        // What changed, decided once up front, so acknowledgements written during the run
        // cannot move what is read.
        let pending = try store.stagePushChanges { add in
            try forEachChange { record, change in
                if change == .unchanged { summary.unchanged += 1; return }
                try add(record)
            }
        }

        /// A new batch with a fresh key, as the outbox keeps it (its body is built when it is sent).
        func newBatch(_ records: [PushRecord]) -> (key: String, records: [PushRecord]) {
            (UUID().uuidString.lowercased(), records)
        }
        func enqueue(_ records: [PushRecord]) throws -> Batch {
            let batch = newBatch(records)
            try store.addToOutbox(key: batch.key, records: records, endpoint: name, store: storeName, at: now())
            return Batch(key: batch.key, records: records, attempts: 0, notBefore: .distantPast)
        }
        func nextFreshBatch() throws -> Batch? {
            var records: [PushRecord] = []
            while records.count < endpoint.effectiveBatchSize, let record = try pending.next() {
                records.append(record)
            }
            return records.isEmpty ? nil : try enqueue(records)
        }

        let client = HTTPClient(userAgent: "fansync/\(fanSyncVersion)")
        let interval = 1.0 / max(0.01, endpoint.rate)
        var nextSlot = Date()
        var budget = endpoint.retryBudget
        var requestID = 0
        var batchesByRequest: [Int: Batch] = [:]
        var failure: Error?

        client.run(
            concurrency: endpoint.concurrency,
            next: {
                if failure != nil || summary.endpointFailure != nil { return .done }
                let now = Date()
                if nextSlot > now { return .wait(until: nextSlot) }
                // A batch whose backoff has passed, else the next fresh one.
                var batch: Batch?
                if let index = queue.firstIndex(where: { $0.notBefore <= now }) {
                    batch = queue.remove(at: index)
                } else {
                    do { batch = try nextFreshBatch() } catch { failure = error; return .done }
                    if batch == nil {
                        if let soonest = queue.map(\.notBefore).min() { return .wait(until: soonest) }
                        return batchesByRequest.isEmpty ? .done : .wait(until: now.addingTimeInterval(0.05))
                    }
                }
                guard var chosen = batch else { return .done }
                if !chosen.counted {
                    summary.sent += chosen.records.count
                    chosen.counted = true
                }
                requestID += 1
                batchesByRequest[requestID] = chosen
                nextSlot = max(now, nextSlot).addingTimeInterval(interval)
                summary.requests += 1
                let request = profile.request(for: chosen, endpoint: endpoint)
                return .send(
                    HTTPRequest(
                        id: requestID, method: request.method, url: request.url,
                        headers: headers(token: token, idempotencyKey: chosen.key + request.keySuffix),
                        body: Data(request.body.utf8), connectTimeout: endpoint.connectTimeout,
                        timeout: endpoint.timeout, caBundle: endpoint.caBundle))
            },
            completed: { request, result in
                guard var batch = batchesByRequest.removeValue(forKey: request.id) else { return }
                do {
                    if let why = Self.refusal(result, endpoint: endpoint) {
                        // The endpoint said no to the request, not to a record: every batch would get the
                        // same answer. Stop, and keep the batch in the outbox for the next run.
                        if summary.endpointFailure == nil { summary.endpointFailure = why }
                        summary.pending += batch.records.count
                        return
                    }
                    if summary.endpointFailure != nil {
                        summary.pending += batch.records.count  // in flight when the endpoint stopped
                        return
                    }
                    switch result.failure {
                    case .timeout?:
                        summary.lastTransportError =
                            "endpoint '\(endpoint.name)' (\(endpoint.url)): no answer within \(endpoint.timeout) s"
                    case .connection(let why)?:
                        summary.lastTransportError = "endpoint '\(endpoint.name)' (\(endpoint.url)): \(why)"
                    default:
                        break
                    }
                    let succeeded = result.failure == nil && profile.succeeded(result.status, step: batch.step)
                    if succeeded, let next = profile.next(after: &batch, response: result.body) {
                        // More steps for this record (ActiveCampaign's tags).
                        batch.step = next
                        batch.attempts = 0
                        batch.notBefore = .distantPast
                        queue.insert(batch, at: 0)
                    } else if succeeded {
                        // Some endpoints accept a batch and refuse members of it in the answer (Mailchimp):
                        // those go to the dead letter, the rest are acknowledged, in one transaction.
                        let refused = profile.refusals(in: result.body, of: batch.records)
                        try store.settle(
                            batch.records, refused: refused, status: result.status, body: { body(for: [$0]) },
                            batch: batch.key, endpoint: name, store: storeName, at: now())
                        for record in batch.records {
                            guard let why = refused[record.key] else { continue }
                            summary.deadLettered += 1
                            onProgress?("\(endpoint.name): \(record.key) refused: \(why.prefix(120))")
                        }
                        summary.acknowledged += batch.records.count - refused.count  // refusals are of these records
                        onProgress?("\(endpoint.name): \(summary.acknowledged) acknowledged")
                    } else if Self.isRetriable(result) {
                        try store.countOutboxAttempt(batch.key)
                        batch.attempts += 1
                        if batch.attempts >= endpoint.maxAttempts || budget <= 0 {
                            summary.pending += batch.records.count  // stays in the outbox for the next run
                        } else {
                            budget -= 1
                            summary.retried += 1
                            let exponential = min(backoffCap, backoffBase * pow(2, Double(batch.attempts - 1)))
                            let jitter = Double.random(in: 0...exponential, using: &random)
                            let delay = max(result.retryAfter ?? 0, jitter)
                            batch.notBefore = Date().addingTimeInterval(delay)
                            queue.append(batch)
                        }
                    } else if batch.records.count > 1 {
                        // A permanent rejection of a batch: split it to find the bad record(s).
                        let middle = batch.records.count / 2
                        let halves = [
                            newBatch(Array(batch.records[..<middle])), newBatch(Array(batch.records[middle...])),
                        ]
                        try store.splitOutboxBatch(batch.key, into: halves, endpoint: name, store: storeName, at: now())
                        for half in halves {
                            queue.append(
                                Batch(
                                    key: half.key, records: half.records, attempts: 0, notBefore: .distantPast,
                                    counted: true))
                        }
                    } else if let record = batch.records.first {
                        let snippet = String(decoding: result.body.prefix(500), as: UTF8.self)
                        try store.settle(
                            [record], refused: [record.key: snippet], status: result.status,
                            body: { body(for: [$0]) }, batch: batch.key, endpoint: name, store: storeName, at: now())
                        summary.deadLettered += 1
                        onProgress?(
                            "\(endpoint.name): \(record.key) rejected with HTTP \(result.status): \(snippet.prefix(120))"
                        )
                    }
                } catch {
                    failure = error
                }
            })
        if let failure { throw failure }
        if summary.endpointFailure != nil {
            // Batches waiting for a retry stay in the outbox; changes never read stay changed.
            summary.pending += queue.reduce(0) { $0 + $1.records.count }
            while try pending.next() != nil { summary.notSent += 1 }
        }
        summary.elapsed = Date().timeIntervalSince(started)
        summary.outstandingDead = try store.deadLetterCount(endpoint: name, store: storeName)
        summary.outstandingPending = try store.outbox(endpoint: name, store: storeName).reduce(0) {
            $0 + $1.records.count
        }
        try store.finishPushRun(runID, summary, at: now())
        return summary
    }

    /// 429, 5xx, timeouts and dropped connections are worth another try.
    /// Why an answer means the endpoint, not the record, is wrong (nil for a record-level answer):
    /// 401 and 403 (the token), 404 and 405 (the URL or method), and transport errors that no
    /// retry mends (TLS, a malformed URL).
    static func refusal(_ result: HTTPResult, endpoint: Endpoint) -> String? {
        let name = "endpoint '\(endpoint.name)' (\(endpoint.url))"
        let token = endpoint.tokenEnv.map { "the token in \($0)" } ?? "its credentials (no token_env is set)"
        if case .other(let why)? = result.failure { return "\(name): \(why). Check the url, and ca_bundle for TLS." }
        guard result.failure == nil else { return nil }
        switch result.status {
        case 401: return "\(name) refused \(token) (401 Unauthorized): check that it is current."
        case 403: return "\(name) refused \(token) (403 Forbidden): check its permissions."
        case 404: return "\(name) answered 404 Not Found: check the url."
        case 405: return "\(name) answered 405 Method Not Allowed: check the url and method (\(endpoint.method))."
        default: return nil
        }
    }

    static func isRetriable(_ result: HTTPResult) -> Bool {
        switch result.failure {
        case .timeout?, .connection?: return true
        case .other?: return false
        case nil: return result.status == 429 || result.status == 408 || result.status >= 500
        }
    }

    /// Moves dead letters back so the next `apply` sends them again (after a fix).
    @discardableResult
    public func reviveDead() throws -> Int {
        try store.reviveDeadLetters(endpoint: endpoint.name, store: storeName)
    }
}
