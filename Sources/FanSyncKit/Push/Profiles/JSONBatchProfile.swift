/// `json-batch`: `POST {"records": [...]}` to the endpoint's url, with `Authorization: Bearer`.
struct JSONBatchProfile: EndpointProfile {
    func record(_ person: PersonRecord, endpoint: Endpoint, store: String, formatter: ValueFormatter) -> String {
        listingRecord(person, endpoint: endpoint, store: store, formatter: formatter)
    }

    func body(for records: [PushRecord], endpoint: Endpoint) -> String {
        "{\"records\":[" + records.map(\.json).joined(separator: ",") + "]}"
    }
}
