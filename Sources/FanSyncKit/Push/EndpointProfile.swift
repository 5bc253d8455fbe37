import Foundation

/// One kind of endpoint: how a person becomes the record it receives, how records become a
/// request, what its answers mean for each record, and what its endpoint file must say. The
/// pusher does the rest the same for every kind (batches, the outbox, retries with backoff,
/// splitting a refused batch, dead letters). A new kind is one type in `Profiles/` and a case
/// of ``Endpoint/Profile``.
protocol EndpointProfile: Sendable {
    /// The most records one request carries (an endpoint's `batch_size` above it is lowered).
    var largestBatch: Int { get }
    /// The person's record as the endpoint receives it (its JSON).
    func record(_ person: PersonRecord, endpoint: Endpoint, store: String, formatter: ValueFormatter) -> String
    /// The body of the request that carries `records`.
    func body(for records: [PushRecord], endpoint: Endpoint) -> String
    /// Where the records go.
    func url(_ endpoint: Endpoint) -> String
    /// The headers that carry the token, and any other this kind needs.
    func headers(token: String?) -> [(String, String)]
    /// The request for a batch at `step` (past the first: ActiveCampaign's tags).
    func request(for batch: Pusher.Batch, endpoint: Endpoint) -> Pusher.Request
    /// After a successful answer to `batch`'s step, the next step (nil: the records are done).
    func next(after batch: inout Pusher.Batch, response: Data) -> Pusher.Step?
    /// Whether `status` answers a step with success.
    func succeeded(_ status: Int, step: Pusher.Step) -> Bool
    /// The records a successful answer refused one by one, by key, with the endpoint's reason.
    func refusals(in response: Data, of records: [PushRecord]) -> [String: String]
    /// What the endpoint file lacks or gets wrong for this kind, each a sentence.
    func problems(_ endpoint: Endpoint) -> [String]
}

extension EndpointProfile {
    var largestBatch: Int { .max }

    func url(_ endpoint: Endpoint) -> String { endpoint.url }

    func headers(token: String?) -> [(String, String)] { bearer(token) }

    /// The token as a bearer `Authorization` header (none without a token).
    func bearer(_ token: String?) -> [(String, String)] {
        token.map { [("Authorization", "Bearer " + $0)] } ?? []
    }

    func request(for batch: Pusher.Batch, endpoint: Endpoint) -> Pusher.Request {
        mainRequest(for: batch, endpoint: endpoint)
    }

    /// The batch's records, as the body, to the endpoint's URL with its method.
    func mainRequest(for batch: Pusher.Batch, endpoint: Endpoint) -> Pusher.Request {
        Pusher.Request(
            method: endpoint.method, url: url(endpoint), body: body(for: batch.records, endpoint: endpoint),
            keySuffix: "")
    }

    func next(after batch: inout Pusher.Batch, response: Data) -> Pusher.Step? { nil }
    func succeeded(_ status: Int, step: Pusher.Step) -> Bool { (200..<300).contains(status) }
    func refusals(in response: Data, of records: [PushRecord]) -> [String: String] { [:] }
    func problems(_ endpoint: Endpoint) -> [String] { [] }

    /// The record json-batch and PostgREST send: the store, the email, and the listing's columns
    /// of customers or fans as JSON values.
    func listingRecord(_ person: PersonRecord, endpoint: Endpoint, store: String, formatter: ValueFormatter) -> String {
        let columns = endpoint.send == .customers ? ListingJSON.customers : ListingJSON.fans
        return "{\"store_id\":" + JSONText.quoted(store) + ",\"email\":" + JSONText.quoted(person.email)
            + "," + columns.map { $0.key + formatter.json(person, $0.column) }.joined(separator: ",") + "}"
    }
}

/// The listing's columns a record carries, with their keys quoted once (not per person).
private enum ListingJSON {
    static let customers = keyed(Exporter.customerColumns)
    static let fans = keyed(Exporter.fanColumns)

    static func keyed(
        _ columns: [(header: String, key: String, column: ListingColumn)]
    ) -> [(
        key: String, column: ListingColumn
    )] {
        columns.filter { $0.column.isShown(in: .json) }.map {
            (JSONText.quoted($0.key == "email" ? "email_display" : $0.key) + ":", $0.column)
        }
    }
}

extension Endpoint.Profile {
    /// What this kind of endpoint does (see ``EndpointProfile``).
    var behavior: any EndpointProfile {
        switch self {
        case .jsonBatch: return JSONBatchProfile()
        case .postgrest: return PostgRESTProfile()
        case .activecampaign: return ActiveCampaignProfile()
        case .mailchimp: return MailchimpProfile()
        }
    }
}
