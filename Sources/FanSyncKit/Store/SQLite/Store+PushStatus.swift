import FanSyncSQLite
import Foundation

/// A record an endpoint refused for good, as the dead letter keeps it.
public struct DeadLetter: Sendable, Equatable {
    public var recordKey: String
    public var status: Int
    /// The start of the endpoint's answer.
    public var response: String
    public var failedAt: Int64
}

/// Where one endpoint stands for a store: what it acknowledged, what waits, what it refused,
/// and how its last run ended.
public struct EndpointPushStatus: Sendable {
    public var endpoint: String
    public var acknowledged = 0
    public var lastAcknowledgedAt: Int64?
    /// Batches (and the records in them) waiting in the outbox for the next run.
    public var pendingBatches = 0
    public var pendingRecords = 0
    public var deadCount = 0
    /// The newest dead letters, up to the limit asked for.
    public var dead: [DeadLetter] = []
    public var lastRunStartedAt: Int64?
    public var lastRunError: String?

    /// Nothing dead, nothing pending, and the last run did not fail.
    public var isSettled: Bool { deadCount == 0 && pendingBatches == 0 && lastRunError == nil }
}

extension Store {
    /// Every endpoint `store` has pushed to (or holds pending or dead records for), by name.
    public func pushStatus(store: String, deadLimit: Int) throws -> [EndpointPushStatus] {
        let names = try db.prepare(
            """
            SELECT endpoint FROM push_state WHERE store = ?1 UNION SELECT endpoint FROM push_outbox WHERE store = ?1
            UNION SELECT endpoint FROM push_dead WHERE store = ?1 UNION SELECT endpoint FROM push_runs WHERE store = ?1
            ORDER BY 1
            """
        ).rows([.text(store)]).compactMap { $0.first?.string }
        return try names.map { name in
            var status = EndpointPushStatus(endpoint: name)
            let key: [SQLValue] = [.text(name), .text(store)]
            if let row = try db.prepare(
                "SELECT count(*), max(acknowledged_at) FROM push_state WHERE endpoint = ? AND store = ?"
            )
            .rows(key).first {
                status.acknowledged = Int(row[0].int ?? 0)
                status.lastAcknowledgedAt = row[1].int
            }
            let batches = try outbox(endpoint: name, store: store)
            status.pendingBatches = batches.count
            status.pendingRecords = batches.reduce(0) { $0 + $1.records.count }
            status.deadCount = try deadLetterCount(endpoint: name, store: store)
            status.dead = try db.prepare(
                """
                SELECT record_key, status, substr(response, 1, 200), failed_at FROM push_dead
                WHERE endpoint = ? AND store = ? ORDER BY failed_at DESC, record_key LIMIT ?
                """
            ).rows(key + [.integer(Int64(max(0, deadLimit)))]).map {
                DeadLetter(
                    recordKey: $0[0].string ?? "", status: Int($0[1].int ?? 0), response: $0[2].string ?? "",
                    failedAt: $0[3].int ?? 0)
            }
            if let run = try db.prepare(
                """
                SELECT started_at, error FROM push_runs WHERE endpoint = ? AND store = ? ORDER BY id DESC LIMIT 1
                """
            ).rows(key).first {
                status.lastRunStartedAt = run[0].int
                status.lastRunError = run[1].string
            }
            return status
        }
    }
}
