import FanSyncSQLite
import Foundation

// Push state, per endpoint and store: what each endpoint acknowledged (a content hash per
// person), the outbox of batches sent and not yet acknowledged, the dead letters, the changes a
// push run decided to send, and the push runs themselves.

/// A batch waiting in the outbox: sent, or about to be, and not yet acknowledged.
public struct OutboxBatch: Sendable {
    /// The idempotency key it is sent with, every time.
    public var key: String
    public var records: [PushRecord]
    /// How many sends failed in a way worth retrying.
    public var attempts: Int
}

extension Store {
    /// Every person `filter` selects for `endpoint` (only customers when `customersOnly`), in email
    /// order, with the content hash the endpoint last acknowledged for them (nil when never).
    /// People in the endpoint's dead letter are left out.
    public func forEachPersonToPush(
        _ filter: PeopleFilter, customersOnly: Bool, endpoint: String,
        _ body: (PersonRecord, _ acknowledged: String?) throws -> Void
    ) throws {
        let (conditions, values) = Queries(db: db).whereClause(filter, customersOnly: customersOnly)
        // The acknowledged hash comes with each row (one query, not one per record).
        let statement = try db.prepare(
            """
            SELECT p.*, s.content_hash AS acknowledged_hash FROM people p
            LEFT JOIN push_state s ON s.endpoint = ? AND s.store = p.store AND s.record_key = p.email
            WHERE \(conditions)
              AND NOT EXISTS (SELECT 1 FROM push_dead d WHERE d.endpoint = ? AND d.store = p.store AND d.record_key = p.email)
            ORDER BY p.email
            """)
        try statement.bind([.text(endpoint)] + values + [.text(endpoint)])
        defer { statement.reset() }
        let reader = PersonRowReader(statement)
        let acknowledged = (0..<statement.columnCount).first { statement.columnName($0) == "acknowledged_hash" } ?? -1
        while try statement.step() {
            try body(reader.person(), acknowledged < 0 ? nil : statement.text(acknowledged))
        }
    }

    // MARK: Outbox

    /// How many batches wait in the outbox of `endpoint` for `store`.
    public func outboxCount(endpoint: String, store: String) throws -> Int {
        Int(
            try db.prepare("SELECT count(*) FROM push_outbox WHERE endpoint = ? AND store = ?")
                .rows([.text(endpoint), .text(store)]).first?.first?.int ?? 0)
    }

    /// The keys of every record in the outbox of `endpoint` for `store`.
    public func outboxRecordKeys(endpoint: String, store: String) throws -> Set<String> {
        var keys = Set<String>()
        for row in try db.prepare("SELECT records FROM push_outbox WHERE endpoint = ? AND store = ?")
            .rows([.text(endpoint), .text(store)])
        {
            for record in Self.decodeOutbox(row.first?.string ?? "[]") { keys.insert(record.key) }
        }
        return keys
    }

    /// The batches in the outbox of `endpoint` for `store`, oldest first.
    public func outbox(endpoint: String, store: String) throws -> [OutboxBatch] {
        try db.prepare(
            """
            SELECT idempotency_key, records, attempts FROM push_outbox WHERE endpoint = ? AND store = ? ORDER BY created_at, idempotency_key
            """
        ).rows([.text(endpoint), .text(store)]).map {
            OutboxBatch(
                key: $0[0].string ?? UUID().uuidString, records: Self.decodeOutbox($0[1].string ?? "[]"),
                attempts: Int($0[2].int ?? 0))
        }
    }

    /// Puts a new batch in the outbox: its key and records. (Its request body is built from the
    /// records when it is sent, by the endpoint's profile as it is then; the `body` column of
    /// migration 2 is left empty: a copy of every payload was written and never read.)
    public func addToOutbox(key: String, records: [PushRecord], endpoint: String, store: String, at time: Int64) throws
    {
        try db.cached(
            """
            INSERT INTO push_outbox (idempotency_key, endpoint, store, records, body, attempts, created_at) VALUES (?, ?, ?, ?, '', 0, ?)
            """
        ).run([.text(key), .text(endpoint), .text(store), .text(Self.encodeOutbox(records)), .integer(time)])
    }

    /// Replaces a batch with smaller ones (`batches`: key and records each), in one transaction.
    public func splitOutboxBatch(
        _ key: String, into batches: [(key: String, records: [PushRecord])], endpoint: String, store: String,
        at time: Int64
    ) throws {
        try db.transaction {
            try db.cached("DELETE FROM push_outbox WHERE idempotency_key = ?").run([.text(key)])
            for batch in batches {
                try addToOutbox(key: batch.key, records: batch.records, endpoint: endpoint, store: store, at: time)
            }
        }
    }

    /// Counts a failed send of the batch `key` that is worth another try.
    public func countOutboxAttempt(_ key: String) throws {
        try db.cached("UPDATE push_outbox SET attempts = attempts + 1 WHERE idempotency_key = ?").run([.text(key)])
    }

    /// Settles a batch the endpoint answered for good: records it refused (`refused`, by key, with
    /// its reason: a one-record batch rejected outright, or members Mailchimp refused in an accepted
    /// batch) go to the dead letter with the body that would carry each alone, the rest are
    /// acknowledged (the content hash of each), and the batch leaves the outbox, in one transaction.
    public func settle(
        _ records: [PushRecord], refused: [String: String], status: Int, body: (PushRecord) -> String,
        batch key: String, endpoint: String, store: String, at time: Int64
    ) throws {
        try db.transaction {
            try recordAcknowledged(
                records.filter { refused[$0.key] == nil }, endpoint: endpoint, store: store, at: time)
            for record in records {
                guard let why = refused[record.key] else { continue }
                try recordDead(
                    record, status: status, response: why, body: body(record), endpoint: endpoint, store: store,
                    at: time)
            }
            try db.cached("DELETE FROM push_outbox WHERE idempotency_key = ?").run([.text(key)])
        }
    }

    private func recordAcknowledged(_ records: [PushRecord], endpoint: String, store: String, at time: Int64) throws {
        let state = try db.cached(
            """
            INSERT INTO push_state (endpoint, store, record_key, content_hash, acknowledged_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (endpoint, store, record_key) DO UPDATE SET content_hash = excluded.content_hash,
              acknowledged_at = excluded.acknowledged_at
            """)
        for record in records {
            try state.run([.text(endpoint), .text(store), .text(record.key), .text(record.hash), .integer(time)])
        }
    }

    // MARK: Dead letters

    /// How many records wait in the dead letter of `endpoint` for `store`.
    public func deadLetterCount(endpoint: String, store: String) throws -> Int {
        Int(
            try db.prepare("SELECT count(*) FROM push_dead WHERE endpoint = ? AND store = ?")
                .rows([.text(endpoint), .text(store)]).first?.first?.int ?? 0)
    }

    private func recordDead(
        _ record: PushRecord, status: Int, response: String, body: String, endpoint: String,
        store: String, at time: Int64
    ) throws {
        try db.cached(
            """
            INSERT INTO push_dead (endpoint, store, record_key, content_hash, status, response, body, failed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (endpoint, store, record_key) DO UPDATE SET content_hash = excluded.content_hash,
              status = excluded.status, response = excluded.response, body = excluded.body, failed_at = excluded.failed_at
            """
        ).run([
            .text(endpoint), .text(store), .text(record.key), .text(record.hash), .integer(Int64(status)),
            .text(response), .text(body), .integer(time),
        ])
    }

    /// Empties the dead letter of `endpoint` for `store`, so the next push sends those records
    /// again; returns how many there were.
    @discardableResult
    public func reviveDeadLetters(endpoint: String, store: String) throws -> Int {
        try db.transaction {
            let count =
                try db.prepare("SELECT count(*) FROM push_dead WHERE endpoint = ? AND store = ?")
                .rows([.text(endpoint), .text(store)]).first?.first?.int ?? 0
            try db.prepare("DELETE FROM push_dead WHERE endpoint = ? AND store = ?").run([
                .text(endpoint), .text(store),
            ])
            return Int(count)
        }
    }

    // MARK: A run's changes

    /// Keeps the changes a push run decided to send, in a scratch table, so acknowledgements
    /// written during the run cannot move what is read: `fill` hands each one to the function
    /// it is given (in one transaction). Returns them in key order.
    public func stagePushChanges(
        _ fill: (_ add: (PushRecord) throws -> Void) throws -> Void
    ) throws -> StagedPushChanges {
        try db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS push_todo (record_key TEXT PRIMARY KEY, json TEXT NOT NULL, content_hash TEXT NOT NULL)"
        )
        try db.execute("DELETE FROM push_todo")
        let todo = try db.prepare("INSERT INTO push_todo (record_key, json, content_hash) VALUES (?, ?, ?)")
        try db.transaction {
            try fill { record in try todo.run([.text(record.key), .text(record.json), .text(record.hash)]) }
        }
        return StagedPushChanges(
            statement: try db.prepare("SELECT record_key, json, content_hash FROM push_todo ORDER BY record_key"))
    }

    // MARK: Push runs

    /// Records the start of a push of `store` to `endpoint`; returns the run's id.
    public func startPushRun(endpoint: String, store: String, at time: Int64) throws -> Int64 {
        try db.prepare("INSERT INTO push_runs (endpoint, store, started_at) VALUES (?, ?, ?)")
            .run([.text(endpoint), .text(store), .integer(time)])
        return db.lastInsertRowID
    }

    /// Records how push run `id` ended.
    public func finishPushRun(_ id: Int64, _ summary: PushSummary, at time: Int64) throws {
        try db.prepare(
            """
            UPDATE push_runs SET finished_at = ?, sent = ?, acknowledged = ?, unchanged = ?, retried = ?, dead = ?, pending = ?,
              error = ? WHERE id = ?
            """
        ).run([
            .integer(time), .integer(Int64(summary.sent)), .integer(Int64(summary.acknowledged)),
            .integer(Int64(summary.unchanged)), .integer(Int64(summary.retried)), .integer(Int64(summary.deadLettered)),
            .integer(Int64(summary.pending + summary.notSent)), summary.problem.map(SQLValue.text) ?? .null,
            .integer(id),
        ])
    }

    // MARK: The outbox's records

    /// How an outbox row keeps its records: a JSON array of key, hash and payload.
    static func encodeOutbox(_ records: [PushRecord]) -> String {
        "["
            + records.map {
                "{\"key\":" + JSONText.quoted($0.key) + ",\"hash\":" + JSONText.quoted($0.hash) + ",\"json\":"
                    + JSONText.quoted($0.json) + "}"
            }.joined(separator: ",") + "]"
    }

    static func decodeOutbox(_ text: String) -> [PushRecord] {
        guard let list = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: String]] else {
            return []
        }
        return list.compactMap { item in
            guard let key = item["key"], let hash = item["hash"], let json = item["json"] else { return nil }
            return PushRecord(key: key, json: json, hash: hash)
        }
    }
}

/// The changes a push run staged (``Store/stagePushChanges(_:)``), read one at a time in key order.
///
/// A class because it holds a statement on the store's connection; use it from one task.
public final class StagedPushChanges {
    private let statement: Statement
    private var done = false

    init(statement: Statement) { self.statement = statement }

    /// The next change, or nil when all were read.
    public func next() throws -> PushRecord? {
        guard !done else { return nil }  // stepping a finished statement would start it over
        guard try statement.step() else {
            done = true
            statement.reset()
            return nil
        }
        return PushRecord(key: statement.text(0) ?? "", json: statement.text(1) ?? "", hash: statement.text(2) ?? "")
    }

    /// Whether every change was read.
    public var isExhausted: Bool { done }
}
