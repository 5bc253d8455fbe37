import FanSyncTestSupport
import Foundation
import Testing

@testable import FanSyncHTTP

/// `count` POSTs of `{}` to `url`, ids 1…count.
func posts(_ count: Int, to url: String, timeout: Double) -> [HTTPRequest] {
    (1...count).map {
        HTTPRequest(
            id: $0, method: "POST", url: url, headers: [], body: Data("{}".utf8), connectTimeout: 2, timeout: timeout)
    }
}

/// Sends `requests` through a client and returns every result by request id.
func send(_ requests: [HTTPRequest], concurrency: Int = 2) -> [Int: HTTPResult] {
    let client = HTTPClient(userAgent: "fansync-test/1")
    var queue = requests
    var results: [Int: HTTPResult] = [:]
    client.run(
        concurrency: concurrency,
        next: { queue.isEmpty ? .done : .send(queue.removeFirst()) },
        completed: { request, result in results[request.id] = result })
    return results
}

@Suite(.serialized) struct HTTPClientTests {
    @Test("a request arrives with its method, path, headers, body and user agent; the answer comes back whole")
    func aRequestArrivesWholeAndTheAnswerComesBack() throws {
        let server = try LoopbackEndpoint(token: nil)
        let body = Data(#"{"records":[{"email":"ana@example.com"},{"email":"bo@example.com"}]}"#.utf8)
        let results = send([
            HTTPRequest(
                id: 1, method: "POST", url: "http://127.0.0.1:\(server.port)/ingest",
                headers: [("Content-Type", "application/json"), ("Idempotency-Key", "key-1")], body: body,
                connectTimeout: 2, timeout: 5)
        ])
        let result = try #require(results[1])
        #expect(result.failure == nil)
        #expect(result.status == 200)
        let answer = try JSONSerialization.jsonObject(with: result.body) as? [String: Any]
        #expect(answer?["received"] as? Int == 2)
        let seen = try #require(server.requests.first)
        #expect(seen["path"] as? String == "/ingest")
        #expect(seen["key"] as? String == "key-1")
        #expect(seen["user_agent"] as? String == "fansync-test/1")
        #expect(seen["emails"] as? [String] == ["ana@example.com", "bo@example.com"])
    }

    @Test("an error status comes back as a status, with Retry-After read; it is not a transport failure")
    func errorStatusesAndRetryAfterComeBack() throws {
        let server = try LoopbackEndpoint(faults: [["status": 429, "retry_after": "3"], ["status": 503]], token: nil)
        let url = "http://127.0.0.1:\(server.port)/ingest"
        let results = send(posts(2, to: url, timeout: 5), concurrency: 1)
        #expect(results[1]?.status == 429)
        #expect(results[1]?.failure == nil)
        #expect(results[1]?.retryAfter == 3)
        #expect(results[2]?.status == 503)
        let text = String(decoding: results[2]?.body ?? Data(), as: UTF8.self)
        #expect(text.contains("injected"), "\(text)")
    }

    @Test("an answer later than the timeout is a timeout; a dropped connection is a connection failure")
    func lateAnswersTimeOutAndDroppedConnectionsFail() throws {
        let server = try LoopbackEndpoint(faults: [["hang_after_apply": 4], ["drop": true]], token: nil)
        let url = "http://127.0.0.1:\(server.port)/ingest"
        let results = send(posts(2, to: url, timeout: 1), concurrency: 1)
        #expect(results[1]?.failure == .timeout, "\(String(describing: results[1]))")
        guard case .connection? = results[2]?.failure else {
            Issue.record("expected a connection failure, got \(String(describing: results[2]))")
            return
        }
    }

    @Test("every request sent is completed exactly once, whatever the concurrency")
    func everyRequestCompletesOnce() throws {
        let server = try LoopbackEndpoint(token: nil)
        let url = "http://127.0.0.1:\(server.port)/ingest"
        let client = HTTPClient(userAgent: "fansync-test/1")
        var sent = 0
        var completed: [Int] = []
        var waited = false
        client.run(
            concurrency: 4,
            next: {
                if sent == 5 && !waited {
                    // A pause asked for by the caller (a rate limit) is honoured, then sending goes on.
                    waited = true
                    return .wait(until: Date().addingTimeInterval(0.2))
                }
                guard sent < 12 else { return .done }
                sent += 1
                return .send(
                    HTTPRequest(
                        id: sent, method: "POST", url: url, headers: [("Idempotency-Key", "k\(sent)")],
                        body: Data("{}".utf8), connectTimeout: 2, timeout: 5))
            },
            completed: { request, result in
                #expect(result.status == 200)
                completed.append(request.id)
            })
        #expect(completed.sorted() == Array(1...12))
        #expect(Set(server.requests.compactMap { $0["key"] as? String }) == Set((1...12).map { "k\($0)" }))
    }
}
