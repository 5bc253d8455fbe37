import FanSyncSQLite
import Foundation

// Job runs: each `fansync run` is recorded when it starts and when it ends, with its counts, so
// `fansync runs` can list them and the next run can tell when the numbers moved sharply.

extension Store {
    /// Writes a consistent copy of the store at `path` to `copy` without opening it as a store
    /// (no migration: a dry run only reads the real store).
    public static func snapshot(of path: String, into copy: String) throws {
        try Database(path: path).execute("VACUUM INTO '\(copy.replacingOccurrences(of: "'", with: "''"))'")
    }

    /// Marks every run still recorded as running as interrupted (call holding the run lock:
    /// then no other run is going).
    public func markInterruptedRuns() throws {
        try db.execute("UPDATE runs SET outcome = 'interrupted' WHERE outcome = 'running'")
    }

    /// Records that `job` (its file) started a run on `store`; returns the run's id.
    public func startRun(job: String, store: String, at time: Int64) throws -> Int64 {
        try db.prepare("INSERT INTO runs (job, store, started_at, outcome) VALUES (?, ?, ?, 'running')")
            .run([.text(job), .text(store), .integer(time)])
        return db.lastInsertRowID
    }

    /// Records how run `report.runID` ended, with its counts.
    public func finishRun(_ report: JobReport, at time: Int64) throws {
        let sum = { (value: (ImportReport) -> Int) in report.imports.reduce(0) { $0 + value($1) } }
        try db.prepare(
            """
            UPDATE runs SET finished_at = ?, outcome = ?, files = ?, skipped = ?, rows_read = ?, rows_accepted = ?, rows_rejected = ?,
              people_new = ?, people_updated = ?, sent = ?, acknowledged = ?, dead = ?, pending = ?, customers = ?, fans = ?,
              failures = ?, drift = ? WHERE id = ?
            """
        ).run([
            .integer(time), .text(report.outcome.rawValue), .integer(Int64(report.imports.count)),
            .integer(Int64(sum { $0.alreadyImported ? 1 : 0 })), .integer(Int64(sum { $0.file.read })),
            .integer(Int64(sum { $0.file.accepted })), .integer(Int64(sum { $0.file.rejected })),
            .integer(Int64(sum { $0.people.new })), .integer(Int64(sum { $0.people.updated })),
            .integer(Int64(report.pushes.reduce(0) { $0 + $1.sent })),
            .integer(Int64(report.pushes.reduce(0) { $0 + $1.acknowledged })),
            .integer(Int64(report.pushes.reduce(0) { $0 + $1.deadLettered })),
            .integer(Int64(report.pushes.reduce(0) { $0 + $1.pending })),
            .integer(Int64(report.customers)), .integer(Int64(report.fans)),
            report.failures.isEmpty ? .null : .text(report.failures.map(\.description).joined(separator: "\n")),
            report.drift.map(SQLValue.text) ?? .null, .integer(report.runID ?? 0),
        ])
    }

    /// How many customers `store` had at the end of the last run before `runID` that finished
    /// (ok or with rejects); nil when there is none.
    public func customersAtLastRun(store: String, before runID: Int64) throws -> Int64? {
        try db.prepare(
            """
            SELECT customers, fans FROM runs WHERE store = ? AND outcome IN ('ok', 'rejects') AND id < ? ORDER BY id DESC LIMIT 1
            """
        ).rows([.text(store), .integer(runID)]).first?.first?.int
    }

    /// The latest `limit` runs, newest first, each keyed by column (`id`, `started_at`, `outcome`,
    /// `rows_read`, `customers`, `failures`…).
    public func recentRuns(store: String? = nil, limit: Int) throws -> [[String: ListingValue]] {
        try Queries(db: db).named(
            """
            SELECT id, started_at, finished_at, outcome, files, skipped, rows_read, rows_accepted, rows_rejected,
                   people_new, people_updated, sent, acknowledged, dead, customers, fans, drift, failures
            FROM runs WHERE ?1 IS NULL OR store = ?1 ORDER BY id DESC LIMIT ?2
            """, [store.map(SQLValue.text) ?? .null, .integer(Int64(limit))])
    }

    /// How many rows the last finished import of `file` into `store` read (nil when never imported).
    public func rowsReadLastTime(file: String, store: String) throws -> Int64? {
        try db.cached(
            """
            SELECT rows_read FROM imports WHERE store = ? AND file = ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1
            """
        ).rows([.text(store), .text(file)]).first?.first?.int
    }

    /// How many customers `store` holds.
    public func customerCount(store: String) throws -> Int {
        Int(
            try db.prepare("SELECT count(*) FROM customers WHERE store = ?").rows([.text(store)]).first?.first?.int ?? 0
        )
    }

    /// How many fans (everyone) `store` holds.
    public func fanCount(store: String) throws -> Int {
        Int(try db.prepare("SELECT count(*) FROM fans WHERE store = ?").rows([.text(store)]).first?.first?.int ?? 0)
    }
}
