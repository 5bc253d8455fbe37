import Foundation

// What each step did (reading a file, an import, a push, a job run): the records commands print
// and the store keeps. Plain values, so the store below the steps can keep them without
// depending on the steps.

/// What mapping one file did. `read == accepted + rejected`, always; warned rows are
/// among the accepted.
public struct FileReport: Sendable {
    public var file: String
    public var mapping: String
    public var mappingDetected: Bool
    public var read = 0
    public var accepted = 0
    public var rejected = 0
    /// Values left empty in accepted rows because a field could not use them.
    public var warnings = 0
    /// Accepted rows that belong to nobody yet (no email, no known customer id); set by an import.
    public var unattributed = 0
    /// The first of them.
    public var unattributedSamples: [RowIssue] = []
    /// Per column, slash dates that read both month first and day first (read month first, the
    /// default, since the mapping gives no `order`), and the first of them.
    public var ambiguousDates: [String: (count: Int, first: RowIssue)] = [:]
    /// The first issues (see ``MapOptions/issueSampleLimit``).
    public var issues: [RowIssue] = []
    /// The first warnings (see ``MapOptions/issueSampleLimit``).
    public var warningSamples: [RowIssue] = []
    /// Where every rejected row was written, if any was.
    public var rejectsPath: String?
    /// Reader and binding notices (encoding fallback, missing optional columns).
    public var notices: [String] = []
    /// Phone numbers kept as written because they are not valid.
    public var invalidPhones = 0
}

/// What refreshing people did.
public struct PeopleCounts: Sendable, Equatable {
    public var new = 0
    public var updated = 0
    public var unchanged = 0
}

/// What importing one file did.
public struct ImportReport: Sendable {
    public var file: FileReport
    /// The file had been imported before with the same content: nothing changed.
    public var alreadyImported = false
    public var people = PeopleCounts()
    public var importID: Int64?
    /// Seconds spent reading, mapping and landing rows; and recomputing people.
    public var landSeconds = 0.0
    public var refreshSeconds = 0.0
    /// Seconds the commit took (SQLite writing the transaction's pages and checkpointing).
    public var commitSeconds = 0.0
    /// The file was the store's first of its kind, written with the rollback journal
    /// (``Store/transaction(loading:_:)``).
    public var wroteOnce = false
    /// Where the people phase (``refreshSeconds``) went.
    public var peopleLaps = PeopleLaps()
}

/// Where a file's people phase spent its time, in seconds (`FANSYNC_TIMING=1` prints them).
public struct PeopleLaps: Sendable, Equatable {
    /// Rebuilding the ledger indexes a bulk load set aside.
    public var ledgerIndexes = 0.0
    /// Finding who the file touched: attribution, the touched addresses, counts.
    public var finding = 0.0
    /// Reading each touched person's row and ledger rows (the connection's thread).
    public var reading = 0.0
    /// Waiting for the worker that merges people (when it is behind the reading).
    public var waiting = 0.0
    /// Writing the people rows and the kept stats.
    public var writing = 0.0
    /// Rebuilding the people indexes set aside.
    public var peopleIndexes = 0.0

    public init() {}

    /// Measures laps: each call gives the seconds since the one before.
    struct Clock {
        private var last = DispatchTime.now().uptimeNanoseconds
        mutating func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { last = now }
            return Double(now - last) / 1e9
        }
    }
}

/// One record as an endpoint receives it.
public struct PushRecord: Sendable, Equatable {
    /// The person's normalized email.
    public var key: String
    /// The record's JSON (profile-shaped for ActiveCampaign).
    public var json: String
    public var hash: String
}

/// What a push would do, per endpoint: the real code path without the HTTP call.
public struct PushPlan: Sendable {
    public var endpoint: String
    public var create = 0
    public var update = 0
    public var unchanged = 0
    /// Batches left in the outbox by an interrupted run (sent first, with their original keys).
    public var inFlightBatches = 0
    /// Records in the dead letter (sent again only by `push retry-dead`).
    public var dead = 0
    public var samples: [String] = []
    public var toSend: Int { create + update }
}

/// What a push did.
public struct PushSummary: Sendable {
    public var endpoint: String
    /// Records sent in this run, each counted once however many requests carried it
    /// (retries and splits are counted in ``requests`` and ``retried``).
    public var sent = 0
    public var acknowledged = 0
    public var unchanged = 0
    public var retried = 0
    public var deadLettered = 0
    /// Records still in the outbox (attempts or retry budget used up, or the endpoint stopped):
    /// sent on the next run.
    public var pending = 0
    /// Changed records not sent because the endpoint stopped (planned again on the next run).
    public var notSent = 0
    /// Requests made (every attempt: first sends, retries, split halves, tag steps).
    public var requests = 0
    public var elapsed = 0.0
    /// After the run, all the endpoint's dead letters in the store (this run's and earlier ones)…
    public var outstandingDead = 0
    /// …and the records waiting in its outbox: what `push status` lists.
    public var outstandingPending = 0
    /// Something is left to deliver: dead letters (of any run), pending or unsent records.
    public var isIncomplete: Bool {
        outstandingDead > 0 || outstandingPending > 0 || pending > 0 || notSent > 0 || deadLettered > 0
    }
    /// Why the endpoint itself refused every request (401, 403, 404, 405, a TLS or URL error):
    /// the push stopped and its records stay pending, none dead-lettered.
    public var endpointFailure: String?
    /// The last connection error or timeout libcurl reported, with the endpoint's name.
    public var lastTransportError: String?

    /// True when the endpoint could not be used at all: refused, or never reached.
    public var failed: Bool {
        endpointFailure != nil || (lastTransportError != nil && acknowledged == 0 && pending + notSent > 0)
    }

    /// What went wrong, in one line a person can act on (nil when nothing did).
    public var problem: String? {
        if let endpointFailure { return endpointFailure }
        if failed, let lastTransportError {
            return lastTransportError + "; \(pending + notSent) records wait for the next run"
        }
        return nil
    }
}

/// What a job run did.
public struct JobReport: Sendable {
    public enum Outcome: String, Sendable { case ok, rejects, failed }

    public var runID: Int64?
    public var dryRun: Bool
    public var imports: [ImportReport] = []
    public var failures: [JobFailure] = []
    public var plans: [PushPlan] = []
    public var pushes: [PushSummary] = []
    public var customers = 0
    public var fans = 0
    /// Warnings when the counts moved sharply from the previous run (fewer customers, or an
    /// export much shorter than its previous version: a truncated download, a wrong filter).
    public var driftWarnings: [String] = []
    public var drift: String? { driftWarnings.isEmpty ? nil : driftWarnings.joined(separator: "; ") }
    /// Source patterns that matched no file (a moved export folder, a renamed download).
    public var unmatchedSources: [String] = []
    /// The HTML report written after the run (the job's `report:`), or why it could not be.
    public var reportPath: String?
    public var reportProblem: String?
    public var elapsed = 0.0

    public var outcome: Outcome {
        if !failures.isEmpty { return .failed }
        let rejected = imports.contains { !$0.alreadyImported && $0.file.rejected > 0 }
        let undelivered = pushes.contains(where: \.isIncomplete)
        return rejected || undelivered ? .rejects : .ok
    }
}

/// One thing a run could not do (the run went on with the rest, and its outcome is `failed`).
public struct JobFailure: Sendable, Equatable, CustomStringConvertible {
    /// Where in the run.
    public enum Stage: Sendable, Equatable {
        /// The job's sources (no file matched).
        case sources
        /// Importing one file.
        case file(String)
        /// Pushing to one endpoint.
        case endpoint(String)
    }

    public var stage: Stage
    /// What went wrong and what to do, naming the file or endpoint (as printed).
    public var message: String
    public var disposition: ErrorDisposition
    public var description: String { message }
}
