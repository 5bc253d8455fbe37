internal import CCurl
import Foundation

/// One HTTP request to send.
public struct HTTPRequest: Sendable {
    public var id: Int
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: Data
    /// Seconds to connect, and for the whole exchange.
    public var connectTimeout: Double
    public var timeout: Double
    /// A CA bundle file to verify the server against (the system's when nil). Verification is never off.
    public var caBundle: String?

    public init(
        id: Int, method: String = "POST", url: String, headers: [(String, String)] = [], body: Data = Data(),
        connectTimeout: Double = 10, timeout: Double = 30, caBundle: String? = nil
    ) {
        self.id = id
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.caBundle = caBundle
    }
}

/// What came back: a status and body, or a transport failure.
public struct HTTPResult: Sendable {
    public enum Failure: Sendable, Equatable {
        case timeout
        /// Could not connect, or the connection dropped.
        case connection(String)
        /// Anything else libcurl reports (TLS, bad URL…).
        case other(String)
    }

    public var status: Int
    public var headers: [String: String]
    public var body: Data
    public var failure: Failure?

    /// `Retry-After` in seconds (from seconds or an HTTP date), if the server sent one.
    public var retryAfter: Double? {
        guard let value = headers["retry-after"]?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }
}

/// Sends requests concurrently over libcurl's multi interface, pulling them
/// from the caller as slots free up, so the caller keeps control of rate
/// limits and retries. Blocking; use from one thread.
public final class HTTPClient {
    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    public let userAgent: String

    public init(userAgent: String) {
        _ = Self.initialized
        self.userAgent = userAgent
    }

    /// What `next` tells the loop.
    public enum Next {
        case send(HTTPRequest)
        /// Nothing to send before this moment (rate limit, backoff).
        case wait(until: Date)
        /// Nothing more will come once the requests in flight finish.
        case done
    }

    /// Runs until `next` says `.done` and nothing is in flight. `completed` gets every result.
    public func run(concurrency: Int, next: () -> Next, completed: (HTTPRequest, HTTPResult) -> Void) {
        guard let multi = curl_multi_init() else { return }
        defer { curl_multi_cleanup(multi) }
        var inFlight: [UnsafeMutableRawPointer: Transfer] = [:]
        var finished = false
        var wakeAt: Date?
        while true {
            // Fill free slots.
            while !finished, inFlight.count < max(1, concurrency) {
                if let wakeAt, wakeAt > Date() { break }
                wakeAt = nil
                switch next() {
                case .send(let request):
                    guard let transfer = Transfer(request: request, userAgent: userAgent) else {
                        completed(
                            request,
                            HTTPResult(
                                status: 0, headers: [:], body: Data(),
                                failure: .other("libcurl could not create a transfer")))
                        continue
                    }
                    curl_multi_add_handle(multi, transfer.handle)
                    inFlight[transfer.handle] = transfer
                case .wait(let until):
                    wakeAt = until
                case .done:
                    finished = true
                }
            }
            if inFlight.isEmpty {
                if finished { return }
                if let wakeAt { Thread.sleep(until: wakeAt) }
                continue
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                    let transfer = inFlight.removeValue(forKey: handle)
                else { continue }
                let code = ccurl_message_result(message)
                curl_multi_remove_handle(multi, handle)
                completed(transfer.request, transfer.result(code: code))
            }
            let waitMilliseconds = wakeAt.map { max(1, min(100, Int32($0.timeIntervalSinceNow * 1000))) } ?? 100
            if !inFlight.isEmpty { curl_multi_poll(multi, nil, 0, waitMilliseconds, nil) }
        }
    }
}

/// One easy handle with its buffers; alive while the transfer runs.
final class Transfer {
    let request: HTTPRequest
    let handle: UnsafeMutableRawPointer
    var body: Data
    var response = Data()
    var headers: [String: String] = [:]
    private var headerList: UnsafeMutablePointer<curl_slist>?

    /// `nil` only when libcurl cannot allocate a handle.
    init?(request: HTTPRequest, userAgent: String) {
        guard let handle = curl_easy_init() else { return nil }
        self.request = request
        self.handle = handle
        body = request.body
        ccurl_setopt_string(handle, CURLOPT_URL, request.url)
        ccurl_setopt_string(handle, CURLOPT_USERAGENT, userAgent)
        ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        if let bundle = request.caBundle { ccurl_setopt_string(handle, CURLOPT_CAINFO, bundle) }
        ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
        ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000))
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        headerList = curl_slist_append(headerList, "Expect:")  // no 100-continue round trip
        ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
        if request.method != "GET" {
            ccurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE_LARGE, body.count)
            body.withUnsafeMutableBytes { ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, $0.baseAddress) }
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        ccurl_setopt_write_function(handle, onData)
        ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        ccurl_setopt_header_function(handle, onHeader)
        ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
    }

    func result(code: CURLcode) -> HTTPResult {
        var status = 0
        ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var failure: HTTPResult.Failure?
        switch code {
        case CURLE_OK: break
        case CURLE_OPERATION_TIMEDOUT: failure = .timeout
        case CURLE_COULDNT_CONNECT, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
            CURLE_COULDNT_RESOLVE_HOST:
            failure = .connection(String(cString: curl_easy_strerror(code)))
        default:
            failure = .other(String(cString: curl_easy_strerror(code)))
        }
        return HTTPResult(status: failure == nil ? status : 0, headers: headers, body: response, failure: failure)
    }
}

private let onData: ccurl_data_callback = { data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    // Keep at most 64 KiB of an answer: enough for errors and acknowledgements.
    if transfer.response.count < 65_536 {
        transfer.response.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: min(length, 65_536))
    }
    return length
}

private let onHeader: ccurl_data_callback = { data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        transfer.headers[name] = value
    } else if line.hasPrefix("HTTP/") {
        transfer.headers = [:]  // a new response (after a 100 or a redirect)
    }
    return length
}
