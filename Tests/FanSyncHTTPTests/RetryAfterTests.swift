import Foundation
import Testing

@testable import FanSyncHTTP

@Suite struct RetryAfter {
    func result(_ value: String?) -> HTTPResult {
        HTTPResult(status: 429, headers: value.map { ["retry-after": $0] } ?? [:], body: Data(), failure: nil)
    }

    @Test("Retry-After reads as seconds or an HTTP date, a past date as 0 and anything else as absent")
    func secondsAndHTTPDates() {
        #expect(result("7").retryAfter == 7)
        #expect(result(" 0 ").retryAfter == 0)
        #expect(result(nil).retryAfter == nil)
        #expect(result("soon").retryAfter == nil)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let inTen = formatter.string(from: Date().addingTimeInterval(10))
        let seconds = result(inTen).retryAfter ?? -1
        #expect(seconds > 7 && seconds <= 10)
        #expect(result(formatter.string(from: Date().addingTimeInterval(-60))).retryAfter == 0)  // a date in the past
    }

    @Test("a refused connection is a connection failure")
    func aRefusedConnectionIsAConnectionFailure() {
        // Port 9 (discard) is not listening on loopback here: the transfer fails to connect.
        let client = HTTPClient(userAgent: "fansync-test")
        var outcome: HTTPResult?
        var sent = false
        client.run(
            concurrency: 1,
            next: {
                if sent { return .done }
                sent = true
                return .send(HTTPRequest(id: 1, url: "http://127.0.0.1:9/x", connectTimeout: 2, timeout: 2))
            }, completed: { _, result in outcome = result })
        guard case .connection? = outcome?.failure else {
            Issue.record("expected a connection failure, got \(String(describing: outcome))")
            return
        }
    }
}
