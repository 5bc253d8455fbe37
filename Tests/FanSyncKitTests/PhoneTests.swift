import Foundation
import Testing

@testable import FanSyncKit

@Suite struct Phones {
    @Test(
        "numbers normalize to E.164 for their region; too short or no number at all is invalid, kept as written",
        arguments: [
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

    @Test("supported regions are known and an unknown code is not")
    func regions() {
        #expect(PhoneNormalizer.isSupported(region: "US"))
        #expect(PhoneNormalizer.isSupported(region: "JP"))
        #expect(!PhoneNormalizer.isSupported(region: "XX"))
    }
}

@Suite struct PhoneBooks {
    static let numbers = [
        ("+1 415 555 0132", "US"), ("(415) 555-0199", "US"), ("020 7946 0958", "GB"),
        ("020 7946 0958", "US"), ("12", "US"), ("call me", "US"), ("+81 3-1234-5678", "US"),
    ]

    /// The book answers what libphonenumber answers, asks it once per number and region,
    /// and a book opened on what it learned answers the same without learning anything.
    @Test("the phone book answers as libphonenumber, learns each number and region once, and reopens knowing them")
    func answersAsLibphonenumberAndLearnsEachNumberOnce() throws {
        let book = try PhoneBook()
        for _ in 0..<3 {
            for (raw, region) in Self.numbers {
                #expect(book.normalize(raw, region: region) == PhoneNormalizer.normalize(raw, region: region))
            }
        }
        let learned = book.takeLearned()
        #expect(learned.count == Self.numbers.count)  // the same digits in two regions are two numbers
        #expect(learned.map(\.key) == learned.map(\.key).sorted())
        #expect(book.takeLearned().isEmpty)
        let reopened = PhoneBook(count: learned.count) { add in for entry in learned { add(entry.key, entry.answer) } }
        #expect(reopened.count == learned.count)
        for (raw, region) in Self.numbers {
            #expect(reopened.normalize(raw, region: region) == PhoneNormalizer.normalize(raw, region: region))
        }
        #expect(reopened.takeLearned().isEmpty)
    }

    /// Stores keep the keys: they must never change between versions.
    @Test("phone book keys depend on number and region and never change between versions")
    func keysAreStable() {
        #expect(PhoneBook.key("+1 415 555 0132", region: "US") == PhoneBook.key("+1 415 555 0132", region: "US"))
        #expect(PhoneBook.key("+1 415 555 0132", region: "US") != PhoneBook.key("+1 415 555 0132", region: "GB"))
        #expect(PhoneBook.key("+1 415 555 0132", region: "US") == 3_119_739_835_987_342_708)
    }

    /// Importing keeps every number read in the store; importing the same numbers again (here,
    /// into a second store given the first one's book) learns nothing and gives the same people.
    @Test("a store keeps every number it read; importing them again learns nothing and gives the same people")
    func aStoreRemembersItsNumbers() throws {
        let store = try freshStore()
        try importAll(allSamples, into: store)
        let known = try store.phoneBook().count
        #expect(known > 0)
        let copy = try temporaryDirectory() + "/contacts-again.csv"
        try FileManager.default.copyItem(atPath: allSamples[0], toPath: copy)
        try importAll([copy], into: store)
        #expect(try store.phoneBook().count == known)

        let other = try freshStore()
        try importAll(allSamples, into: other)
        #expect(try dump(other) == dump(store))
    }
}
