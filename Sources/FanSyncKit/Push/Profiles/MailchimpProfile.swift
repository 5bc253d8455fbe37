import Foundation

/// `mailchimp`: Mailchimp's batch subscribe of an audience's members, `POST /3.0/lists/<list_id>`
/// with `{"members": [...], "update_existing": true}` (500 members at most a request), the API key
/// by HTTP Basic. Names go in the merge fields FNAME, LNAME and PHONE; `field_ids` maps other store
/// values to the audience's merge tags (`{ daw: DAW }`); tags go as tags. Mailchimp answers 200 to
/// a batch even when it refused some members: those come back in `errors` and go to the dead
/// letter one by one, the rest are acknowledged.
struct MailchimpProfile: EndpointProfile {
    /// What `status_if_new` may say: whether people new to the audience get campaigns
    /// (`pending` sends them a confirmation first; `transactional` gets no campaigns).
    static let statuses = ["subscribed", "pending", "transactional"]

    var largestBatch: Int { 500 }

    func record(_ person: PersonRecord, endpoint: Endpoint, store: String, formatter: ValueFormatter) -> String {
        var merge: [(String, String)] = []
        for (tag, value) in [("FNAME", person.firstName), ("LNAME", person.lastName), ("PHONE", person.phone)] {
            if let value, !value.isEmpty { merge.append((tag, value)) }
        }
        for (field, tag) in endpoint.fieldIDs.sorted(by: { $0.key < $1.key }) {
            if let value = person.value(field).string, !value.isEmpty { merge.append((tag, value)) }
        }
        var member =
            "{\"email_address\":" + JSONText.quoted(person.email)
            + ",\"status_if_new\":" + JSONText.quoted(endpoint.statusIfNew ?? "subscribed")
            + ",\"merge_fields\":{"
            + merge.map { JSONText.quoted($0.0) + ":" + JSONText.quoted($0.1) }.joined(separator: ",") + "}"
        if !person.tags.isEmpty {
            member += ",\"tags\":[" + person.tags.map(JSONText.quoted).joined(separator: ",") + "]"
        }
        return member + "}"
    }

    func body(for records: [PushRecord], endpoint: Endpoint) -> String {
        "{\"members\":[" + records.map(\.json).joined(separator: ",") + "],\"update_existing\":true}"
    }

    /// Mailchimp takes the API key as the password of HTTP Basic (any user name).
    func headers(token: String?) -> [(String, String)] {
        token.map { [("Authorization", "Basic " + Data("fansync:\($0)".utf8).base64EncodedString())] } ?? []
    }

    func refusals(in response: Data, of records: [PushRecord]) -> [String: String] {
        guard let answer = (try? JSONSerialization.jsonObject(with: response)) as? [String: Any],
            let errors = answer["errors"] as? [[String: Any]], !errors.isEmpty
        else { return [:] }
        let keys = Set(records.map(\.key))
        var refused: [String: String] = [:]
        for error in errors {
            guard let address = error["email_address"] as? String else { continue }
            // Keys are addresses as the store normalizes them: the answer's spelling may differ.
            let key = (try? Email.normalize(address).get())?.normalized ?? address
            guard keys.contains(key) else { continue }
            refused[key] = [error["error_code"], error["error"]].compactMap { $0 as? String }.joined(separator: ": ")
        }
        return refused
    }

    func problems(_ endpoint: Endpoint) -> [String] {
        var problems: [String] = []
        let path = URLComponents(string: endpoint.url)?.path ?? ""
        if !endpoint.url.contains("${"), path.range(of: "/3\\.0/lists/[^/]+/?$", options: .regularExpression) == nil {
            problems.append(
                "endpoint '\(endpoint.name)': a mailchimp url is the audience's, "
                    + "https://<dc>.api.mailchimp.com/3.0/lists/<list_id> (the list id is under Audience settings)")
        }
        if endpoint.statusIfNew == nil {
            problems.append(
                "endpoint '\(endpoint.name)': mailchimp needs 'status_if_new' ("
                    + Self.statuses.joined(separator: ", ")
                    + "): whether people new to the audience get your campaigns (pending asks them to confirm first)")
        }
        return problems
    }
}
