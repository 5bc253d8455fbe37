/// `postgrest` (Supabase): an upsert, `POST /<table>?on_conflict=store_id,email` with a JSON array
/// and `Prefer: resolution=merge-duplicates`.
struct PostgRESTProfile: EndpointProfile {
    func record(_ person: PersonRecord, endpoint: Endpoint, store: String, formatter: ValueFormatter) -> String {
        listingRecord(person, endpoint: endpoint, store: store, formatter: formatter)
    }

    func body(for records: [PushRecord], endpoint: Endpoint) -> String {
        "[" + records.map(\.json).joined(separator: ",") + "]"
    }

    func url(_ endpoint: Endpoint) -> String {
        endpoint.url.contains("on_conflict=")
            ? endpoint.url
            : endpoint.url + (endpoint.url.contains("?") ? "&" : "?") + "on_conflict=store_id,email"
    }

    func headers(token: String?) -> [(String, String)] {
        [("Prefer", "resolution=merge-duplicates,return=minimal")] + bearer(token)
    }
}
