import Foundation
import Yams

/// Where and how records are pushed, as configured in an endpoints file or a job file.
///
/// ```yaml
/// endpoints:
///   - name: crm
///     url: https://api.example.com/ingest
///     profile: json-batch          # json-batch | postgrest | activecampaign | mailchimp
///     send: customers              # customers | fans
///     token_env: CRM_TOKEN         # Authorization: Bearer …; Api-Token for activecampaign; Basic for mailchimp
///     batch_size: 500
///     concurrency: 4
///     rate: 10                     # requests per second
///     timeout: 30                  # seconds
/// ```
public struct Endpoint: Sendable, Equatable {
    public enum Profile: String, Sendable, CaseIterable {
        /// `POST {"records": [...]}`.
        case jsonBatch = "json-batch"
        /// Supabase / PostgREST upsert: `POST /<table>?on_conflict=store_id,email` with a JSON array.
        case postgrest
        /// ActiveCampaign: `POST /api/3/contact/sync`, one contact per request.
        case activecampaign
        /// Mailchimp: `POST /3.0/lists/<list_id>`, a batch subscribe of up to 500 members.
        case mailchimp
    }

    public enum Send: String, Sendable, CaseIterable { case customers, fans }

    public var name: String
    public var url: String
    public var method = "POST"
    public var profile: Profile = .jsonBatch
    public var send: Send = .customers
    /// Only people of these types (empty: all).
    public var types: [PersonType] = []
    /// Only fans of this segment.
    public var segment: Segment?
    public var headers: [String: String] = [:]
    /// The environment variable holding the token; the token itself never appears in a file.
    public var tokenEnv: String?
    public var batchSize = 500
    public var concurrency = 4
    /// Requests per second, across all concurrent transfers.
    public var rate: Double = 10
    public var connectTimeout: Double = 10
    public var timeout: Double = 30
    /// Attempts per batch before it waits for the next run (in the outbox: nothing is lost).
    public var maxAttempts = 6
    /// Retries allowed in one run, across all batches.
    public var retryBudget = 200
    /// A CA bundle to verify the server with; TLS verification is never turned off.
    public var caBundle: String?
    /// The endpoint's own field for a store value: ActiveCampaign custom field ids
    /// (`{ daw: 3, genre: 4 }`), Mailchimp merge tags (`{ daw: DAW }`).
    public var fieldIDs: [String: String] = [:]
    /// Mailchimp: the status of people new to the audience (subscribed, pending, transactional).
    public var statusIfNew: String?

    public init(name: String, url: String) {
        self.name = name
        self.url = url
    }

    /// Batch size as sent: at most what the kind of endpoint takes (ActiveCampaign one contact,
    /// Mailchimp 500 members a request).
    public var effectiveBatchSize: Int { min(max(1, batchSize), profile.behavior.largestBatch) }
}

/// Reads endpoints from YAML, with `file:line:column` errors and `${VAR}` substitution in URLs.
public enum EndpointFile {
    static let keys = [
        "name", "url", "method", "profile", "send", "types", "segment", "headers", "token_env", "batch_size",
        "concurrency", "rate", "connect_timeout", "timeout", "max_attempts", "retry_budget", "ca_bundle",
        "field_ids", "status_if_new", "allow_insecure_http",
    ]

    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigErrors) -> [Endpoint] {
        let node = try YAMLFile.load(path: path, what: "endpoints file")
        guard let list = node.mapping?["endpoints"] ?? (node.sequence != nil ? node : nil) else {
            throw ConfigErrors(errors: [
                ConfigError(
                    file: path, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0,
                    message: "expected 'endpoints:' with a list of endpoints")
            ])
        }
        do {
            return try parse(list: list, file: path, environment: environment)
        } catch {
            throw ConfigErrors(errors: error.errors, document: "the endpoints file")
        }
    }

    /// Parses a list of endpoint mappings (also used by job files). With `sending: false` (a dry
    /// run, which sends nothing) an endpoint URL naming an unset variable keeps the `${NAME}`.
    public static func parse(
        list: Node, file: String, environment: [String: String],
        sending: Bool = true
    ) throws(ConfigErrors) -> [Endpoint] {
        var errors: [ConfigError] = []
        func fail(_ message: String, _ node: Node?) {
            errors.append(
                ConfigError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message: message)
            )
        }
        var endpoints: [Endpoint] = []
        guard let items = list.sequence else {
            fail("'endpoints' is a list", list)
            throw ConfigErrors(errors: errors)
        }
        for item in items {
            guard let map = item.mapping else {
                fail("an endpoint is a mapping with name, url, profile…", item); continue
            }
            for (key, _) in map where !keys.contains(key.string ?? "") {
                let name = key.string ?? "?"
                let hint = closest(to: name, in: keys)
                fail("unknown key '\(name)'" + (hint.isEmpty ? "" : " (did you mean '\(hint[0])'?)"), key)
            }
            guard let name = map["name"]?.string, !name.isEmpty else {
                fail("an endpoint needs a 'name'", item); continue
            }
            guard let rawURL = map["url"]?.string else { fail("endpoint '\(name)' needs a 'url'", item); continue }
            let url = substitute(rawURL, environment: environment, node: map["url"], fail: fail, keepUnset: !sending)
            if !(url.hasPrefix("https://") || url.hasPrefix("http://")) && (sending || !url.hasPrefix("${")) {
                fail(
                    "endpoint '\(name)': the url must start with https:// (or http:// for a local test server)",
                    map["url"])
            }
            var endpoint = Endpoint(name: name, url: url)
            if let node = map["method"] { endpoint.method = node.string?.uppercased() ?? "POST" }
            if let node = map["profile"] {
                if let value = node.string, let profile = Endpoint.Profile(rawValue: value) {
                    endpoint.profile = profile
                } else {
                    fail(
                        "'profile' is one of " + Endpoint.Profile.allCases.map(\.rawValue).joined(separator: ", "), node
                    )
                }
            }
            if let node = map["send"] {
                if let value = node.string, let send = Endpoint.Send(rawValue: value) {
                    endpoint.send = send
                } else {
                    fail("'send' is customers or fans", node)
                }
            }
            if let node = map["types"] {
                let names = node.sequence?.compactMap(\.string) ?? node.string.map { [$0] } ?? []
                for typeName in names {
                    if let type = PersonType(name: typeName) {
                        endpoint.types.append(type)
                    } else {
                        fail("unknown type '\(typeName)'; types are user, lead, paying, subscription", node)
                    }
                }
            }
            if let node = map["segment"] {
                if let value = node.string, let segment = Segment(rawValue: value) {
                    endpoint.segment = segment
                } else {
                    fail(
                        "unknown segment; segments are " + Segment.allCases.map(\.rawValue).joined(separator: ", "),
                        node)
                }
            }
            if let node = map["headers"] {
                for (key, value) in node.mapping ?? [:] {
                    guard let header = key.string, let text = value.string else { continue }
                    if ["authorization", "api-token"].contains(header.lowercased()) {
                        fail("put secrets in the environment and name the variable in token_env, not in headers", key)
                    }
                    endpoint.headers[header] = substitute(text, environment: environment, node: value, fail: fail)
                }
            }
            if let node = map["token_env"] {
                guard let variable = node.string,
                    variable.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil
                else {
                    fail("'token_env' names an environment variable, e.g. CRM_TOKEN", node)
                    continue
                }
                endpoint.tokenEnv = variable
            }
            func number(_ key: String, _ apply: (Double) -> Void, minimum: Double) {
                guard let node = map[key] else { return }
                guard let value = node.string.flatMap(Double.init), value >= minimum else {
                    fail(
                        "'\(key)' is a number of at least \(minimum == minimum.rounded() ? String(Int(minimum)) : String(minimum))",
                        node)
                    return
                }
                apply(value)
            }
            number("batch_size", { endpoint.batchSize = Int($0) }, minimum: 1)
            number("concurrency", { endpoint.concurrency = Int($0) }, minimum: 1)
            number("rate", { endpoint.rate = $0 }, minimum: 0.01)
            number("timeout", { endpoint.timeout = $0 }, minimum: 0.1)
            number("connect_timeout", { endpoint.connectTimeout = $0 }, minimum: 0.1)
            number("max_attempts", { endpoint.maxAttempts = Int($0) }, minimum: 1)
            number("retry_budget", { endpoint.retryBudget = Int($0) }, minimum: 0)
            if let node = map["ca_bundle"] {
                endpoint.caBundle = node.string.map { substitute($0, environment: environment, node: node, fail: fail) }
            }
            if let node = map["field_ids"] {
                for (key, value) in node.mapping ?? [:] {
                    if let field = key.string, let id = value.string { endpoint.fieldIDs[field] = id }
                }
            }
            // A token over plain http crosses the network readable by anyone on the way: only to this
            // machine, or where the file says the network is the user's own.
            if endpoint.tokenEnv != nil, url.lowercased().hasPrefix("http://"), !url.contains("${"),
                !Self.isLoopback(URLComponents(string: url)?.host ?? "")
            {
                let host = URLComponents(string: url)?.host ?? url
                let allowed =
                    map["allow_insecure_http"]?.string.map { ["true", "yes"].contains($0.lowercased()) } ?? false
                if !allowed {
                    fail(
                        "endpoint '\(name)': its token would cross the network unencrypted to \(host) over http://; "
                            + "use https://, or set allow_insecure_http: true if that network is your own", map["url"])
                }
            }
            if let node = map["status_if_new"] {
                if let value = node.string, MailchimpProfile.statuses.contains(value) {
                    endpoint.statusIfNew = value
                } else {
                    fail("'status_if_new' is one of " + MailchimpProfile.statuses.joined(separator: ", "), node)
                }
            }
            if map["status_if_new"] == nil || endpoint.statusIfNew != nil {
                for problem in endpoint.profile.behavior.problems(endpoint) { fail(problem, map["profile"] ?? item) }
            }
            if endpoints.contains(where: { $0.name == name }) { fail("two endpoints are named '\(name)'", map["name"]) }
            endpoints.append(endpoint)
        }
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
        return endpoints
    }

    /// This machine: where a token over http:// goes nowhere else.
    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        // 127.0.0.0/8 as an address, not a name that starts with it (127.example.com).
        var address = in_addr()
        return inet_pton(AF_INET, host, &address) == 1 && host.hasPrefix("127.")
    }

    /// Replaces `${VAR}` with the environment's value; an unset variable is an error, or is kept
    /// as written with `keepUnset`.
    static func substitute(
        _ text: String, environment: [String: String], node: Node?, fail: (String, Node?) -> Void,
        keepUnset: Bool = false
    ) -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                fail("'${' is never closed", node)
                return result + rest[start.lowerBound...]
            }
            let name = String(rest[start.upperBound..<end])
            if let value = environment[name] {
                result += value
            } else if keepUnset {
                result += "${\(name)}"
            } else {
                fail("environment variable '\(name)' is not set", node)
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }
}
