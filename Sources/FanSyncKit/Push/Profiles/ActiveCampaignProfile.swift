import Foundation

/// `activecampaign`: one contact per request to `/api/3/contact/sync` (with `Api-Token`), custom
/// fields by id (`field_ids`), then per tag a lookup, a create when missing, and the link.
struct ActiveCampaignProfile: EndpointProfile {
    var largestBatch: Int { 1 }

    func record(_ person: PersonRecord, endpoint: Endpoint, store: String, formatter: ValueFormatter) -> String {
        var contact = "{\"email\":" + JSONText.quoted(person.email)
        for (key, value) in [("firstName", person.firstName), ("lastName", person.lastName), ("phone", person.phone)] {
            if let value, !value.isEmpty { contact += ",\"\(key)\":" + JSONText.quoted(value) }
        }
        // Custom fields name the person's values as the store does (`daw`, `first_source`…).
        let fields = endpoint.fieldIDs.sorted { $0.key < $1.key }.compactMap { field, id -> String? in
            guard let value = person.value(field).string, !value.isEmpty else { return nil }
            return "{\"field\":" + JSONText.quoted(id) + ",\"value\":" + JSONText.quoted(value) + "}"
        }
        if !fields.isEmpty { contact += ",\"fieldValues\":[" + fields.joined(separator: ",") + "]" }
        // Tags go through the tags and contactTags endpoints after the contact is synced.
        let tags = person.tags.map(JSONText.quoted).joined(separator: ",")
        return "{\"contact\":" + contact + "},\"tags\":[" + tags + "]}"
    }

    /// contact/sync takes the contact alone.
    func body(for records: [PushRecord], endpoint: Endpoint) -> String {
        guard let json = records.first?.json, let object = Pusher.object(json), let contact = object["contact"],
            let data = try? JSONSerialization.data(withJSONObject: ["contact": contact], options: [.sortedKeys])
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    func url(_ endpoint: Endpoint) -> String { base(endpoint) + "/api/3/contact/sync" }

    func headers(token: String?) -> [(String, String)] { token.map { [("Api-Token", $0)] } ?? [] }

    /// The API root, from the endpoint URL (with or without the sync path).
    func base(_ endpoint: Endpoint) -> String {
        var base = endpoint.url.hasSuffix("/") ? String(endpoint.url.dropLast()) : endpoint.url
        if base.hasSuffix("/api/3/contact/sync") { base.removeLast("/api/3/contact/sync".count) }
        return base
    }

    func request(for batch: Pusher.Batch, endpoint: Endpoint) -> Pusher.Request {
        switch batch.step {
        case .main:
            return mainRequest(for: batch, endpoint: endpoint)
        case .findTag(let index):
            let name = batch.tags[index].addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return Pusher.Request(
                method: "GET", url: base(endpoint) + "/api/3/tags?search=" + name, body: "",
                keySuffix: "-tag-\(index)-find")
        case .createTag(let index):
            let body =
                "{\"tag\":{\"tag\":" + JSONText.quoted(batch.tags[index])
                + ",\"tagType\":\"contact\",\"description\":\"\"}}"
            return Pusher.Request(
                method: "POST", url: base(endpoint) + "/api/3/tags", body: body, keySuffix: "-tag-\(index)-create")
        case .linkTag(let index, let tagID):
            let body =
                "{\"contactTag\":{\"contact\":" + JSONText.quoted(batch.contactID ?? "") + ",\"tag\":"
                + JSONText.quoted(tagID) + "}}"
            return Pusher.Request(
                method: "POST", url: base(endpoint) + "/api/3/contactTags", body: body,
                keySuffix: "-tag-\(index)-link")
        }
    }

    /// ActiveCampaign answers 422 when a contact already has the tag: that is success.
    func succeeded(_ status: Int, step: Pusher.Step) -> Bool {
        (200..<300).contains(status) || (step.isLink && status == 422)
    }

    func next(after batch: inout Pusher.Batch, response: Data) -> Pusher.Step? {
        let answer = (try? JSONSerialization.jsonObject(with: response)) as? [String: Any]
        switch batch.step {
        case .main:
            batch.contactID = ((answer?["contact"] as? [String: Any])?["id"]).map { "\($0)" }
            batch.tags = (batch.records.first.flatMap { Pusher.object($0.json)?["tags"] as? [String] }) ?? []
            guard batch.contactID != nil, !batch.tags.isEmpty else { return nil }
            return .findTag(0)
        case .findTag(let index):
            let found = (answer?["tags"] as? [[String: Any]])?.first {
                ($0["tag"] as? String)?.lowercased() == batch.tags[index].lowercased()
            }
            if let id = found?["id"] { return .linkTag(index, tagID: "\(id)") }
            return .createTag(index)
        case .createTag(let index):
            guard let id = (answer?["tag"] as? [String: Any])?["id"] else { return .findTag(index) }
            return .linkTag(index, tagID: "\(id)")
        case .linkTag(let index, _):
            return index + 1 < batch.tags.count ? .findTag(index + 1) : nil
        }
    }
}
