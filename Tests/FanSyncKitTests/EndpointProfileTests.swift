import Foundation
import Testing

@testable import FanSyncKit

/// A person as the store would give them to the pusher.
func samplePerson(email: String = "ana@example.com", tags: [String] = ["vip", "Ableton"]) -> PersonRecord {
    PersonRecord(
        store: "default", email: email, emailDisplay: "Ana@Example.com", name: "Ana Silva", firstName: "Ana",
        lastName: "Silva", phone: "+14155550100", type: "paying", typeRank: 2, status: nil, purchases: 2,
        firstPurchaseAt: 1_700_000_000, lastPurchaseAt: 1_710_000_000, isRepeat: true, currency: "USD",
        totalSpent: 14_800,
        otherTotals: nil, totals: nil, settlementCurrency: "USD", settlementNet: 14_800,
        firstSource: "activecampaign.contacts", firstProduct: "Mixing Masterclass", firstSeenAt: 1_690_000_000,
        lastActivityAt: 1_710_000_000, sources: "activecampaign.contacts,stripe.payments", tags: tags, score: 14,
        daw: "Ableton Live", genre: "House", level: nil, goals: nil, imageURL: nil, contentHash: "h")
}

func json(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
}

@Suite struct EndpointProfiles {
    @Test("each profile caps the batch size at what its endpoint takes")
    func batchSizesAreCappedByTheProfile() {
        var endpoint = Endpoint(name: "e", url: "https://example.com/ingest")
        endpoint.batchSize = 1000
        #expect(endpoint.effectiveBatchSize == 1000)
        endpoint.profile = .mailchimp
        #expect(endpoint.effectiveBatchSize == 500)
        endpoint.profile = .activecampaign
        #expect(endpoint.effectiveBatchSize == 1)
        endpoint.profile = .postgrest
        endpoint.batchSize = 0
        #expect(endpoint.effectiveBatchSize == 1)
    }

    @Test("PostgREST upserts on store_id and email unless the url names its own conflict columns")
    func postgrestURLs() {
        let profile = PostgRESTProfile()
        #expect(
            profile.url(Endpoint(name: "e", url: "https://x.supabase.co/rest/v1/fans"))
                == "https://x.supabase.co/rest/v1/fans?on_conflict=store_id,email")
        #expect(
            profile.url(Endpoint(name: "e", url: "https://x.supabase.co/rest/v1/fans?select=id"))
                == "https://x.supabase.co/rest/v1/fans?select=id&on_conflict=store_id,email")
        #expect(
            profile.url(Endpoint(name: "e", url: "https://x.supabase.co/rest/v1/fans?on_conflict=email"))
                == "https://x.supabase.co/rest/v1/fans?on_conflict=email")
        #expect(profile.headers(token: "t").contains { $0 == ("Authorization", "Bearer t") })
    }

    @Test("a Mailchimp member carries the status for new people, names and field_ids as merge tags, and tags")
    func mailchimpMembers() throws {
        var endpoint = Endpoint(name: "audience", url: "https://us21.api.mailchimp.com/3.0/lists/abc")
        endpoint.profile = .mailchimp
        endpoint.statusIfNew = "pending"
        endpoint.fieldIDs = ["daw": "DAW", "level": "LEVEL"]
        let profile = MailchimpProfile()
        let member = json(
            profile.record(samplePerson(), endpoint: endpoint, store: "default", formatter: ValueFormatter()))
        #expect(member["email_address"] as? String == "ana@example.com")
        #expect(member["status_if_new"] as? String == "pending")
        // An empty store value (level) sends no merge field, so it cannot blank what Mailchimp has.
        #expect(
            member["merge_fields"] as? [String: String]
                == ["FNAME": "Ana", "LNAME": "Silva", "PHONE": "+14155550100", "DAW": "Ableton Live"])
        #expect(member["tags"] as? [String] == ["vip", "Ableton"])
        let body = json(profile.body(for: [PushRecord(key: "a", json: "{\"x\":1}", hash: "h")], endpoint: endpoint))
        #expect(body["update_existing"] as? Bool == true)
        #expect((body["members"] as? [[String: Int]]) == [["x": 1]])
        let basic = "Basic " + Data("fansync:key-us21".utf8).base64EncodedString()
        #expect(profile.headers(token: "key-us21").map(\.1) == [basic])
    }

    @Test("Mailchimp's refused members are found by address, whatever its case; unknown addresses are ignored")
    func mailchimpRefusals() {
        let profile = MailchimpProfile()
        let records = ["ana@example.com", "bo@example.com"].map { PushRecord(key: $0, json: "{}", hash: "h") }
        let answer = """
            {"new_members":[{"email_address":"ana@example.com"}],"errors":[
              {"email_address":"Bo@Example.com","error":"Bo@Example.com looks fake","error_code":"ERROR_GENERIC"},
              {"email_address":"someone@else.com","error":"x","error_code":"ERROR_GENERIC"}],"error_count":2}
            """
        #expect(
            profile.refusals(in: Data(answer.utf8), of: records) == [
                "bo@example.com": "ERROR_GENERIC: Bo@Example.com looks fake"
            ])
        #expect(profile.refusals(in: Data(#"{"errors":[]}"#.utf8), of: records).isEmpty)
        #expect(profile.refusals(in: Data("not json".utf8), of: records).isEmpty)
    }

    @Test("a Mailchimp endpoint needs an audience url and status_if_new")
    func mailchimpProblems() {
        var endpoint = Endpoint(name: "audience", url: "https://us21.api.mailchimp.com/3.0/lists/abc")
        endpoint.profile = .mailchimp
        #expect(MailchimpProfile().problems(endpoint).count == 1)  // status_if_new
        endpoint.statusIfNew = "subscribed"
        #expect(MailchimpProfile().problems(endpoint).isEmpty)
        endpoint.url = "https://us21.api.mailchimp.com/3.0/ping"
        #expect(MailchimpProfile().problems(endpoint).first?.contains("a mailchimp url is the audience's") == true)
        endpoint.url = "https://${MC_DC}.api.mailchimp.com/3.0/lists/abc"  // left to the environment at send time
        #expect(MailchimpProfile().problems(endpoint).isEmpty)
    }

    @Test("ActiveCampaign syncs the contact, then per tag finds it (any case), creates it when missing, and links it")
    func activeCampaignSteps() throws {
        let profile = ActiveCampaignProfile()
        let endpoint = Endpoint(name: "ac", url: "https://acct.api-us1.com/")
        let record = PushRecord(
            key: "ana@example.com",
            json: profile.record(samplePerson(), endpoint: endpoint, store: "default", formatter: ValueFormatter()),
            hash: "h")
        var batch = Pusher.Batch(key: "k", records: [record], attempts: 0, notBefore: .distantPast)
        #expect(profile.request(for: batch, endpoint: endpoint).url == "https://acct.api-us1.com/api/3/contact/sync")
        #expect(profile.next(after: &batch, response: Data(#"{"contact":{"id":"42"}}"#.utf8)) == .findTag(0))
        #expect(batch.contactID == "42" && batch.tags == ["vip", "Ableton"])
        batch.step = .findTag(0)
        #expect(profile.request(for: batch, endpoint: endpoint).url == "https://acct.api-us1.com/api/3/tags?search=vip")
        #expect(
            profile.next(after: &batch, response: Data(#"{"tags":[{"id":"7","tag":"VIP"}]}"#.utf8))
                == .linkTag(0, tagID: "7"))
        batch.step = .linkTag(0, tagID: "7")
        #expect(profile.succeeded(422, step: batch.step))  // already linked
        #expect(profile.next(after: &batch, response: Data()) == .findTag(1))
        batch.step = .findTag(1)
        #expect(profile.next(after: &batch, response: Data(#"{"tags":[]}"#.utf8)) == .createTag(1))
        batch.step = .createTag(1)
        #expect(profile.next(after: &batch, response: Data(#"{"tag":{"id":"9"}}"#.utf8)) == .linkTag(1, tagID: "9"))
        batch.step = .linkTag(1, tagID: "9")
        #expect(profile.next(after: &batch, response: Data()) == nil)
        #expect(!profile.succeeded(422, step: .main))
    }
}
