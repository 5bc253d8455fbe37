import Testing
@testable import FanSyncKit

@Suite struct Phones {
    @Test(arguments: [
        ("+1 415 555 0132", "US", PhoneNormalizer.Outcome.valid("+14155550132")),
        ("(415) 555-0199", "US", .valid("+14155550199")),
        ("+44 20 7946 0958", "US", .valid("+442079460958")),
        ("020 7946 0958", "GB", .valid("+442079460958")),
        ("+81 3-1234-5678", "US", .valid("+81312345678")),
        ("12", "US", .invalid("12")),
        ("call me", "US", .invalid("call me")),
    ])
    func e164(raw: String, region: String, expected: PhoneNormalizer.Outcome) {
        #expect(PhoneNormalizer.normalize(raw, region: region) == expected)
    }

    @Test func regions() {
        #expect(PhoneNormalizer.isSupported(region: "US"))
        #expect(PhoneNormalizer.isSupported(region: "JP"))
        #expect(!PhoneNormalizer.isSupported(region: "XX"))
    }
}
