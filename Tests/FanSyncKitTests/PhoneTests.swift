import FanSyncSQLite
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
        #expect(learned.keys == learned.keys.sorted())
        #expect(book.takeLearned().isEmpty)
        let reopened = PhoneBook(segments: [learned])
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

@Suite struct PhoneSegments {
    /// Keys at both ends of the range, around zero and spread between: the book's runs of keys
    /// are cut by their top bits, with the sign bit flipped.
    static let keys: [Int64] = {
        var generator = SeededRandom(seed: 11)
        var keys: Set<Int64> = [.min, .min + 1, -1, 0, 1, .max - 1, .max]
        while keys.count < 5_000 { keys.insert(Int64.random(in: .min ... .max, using: &generator)) }
        return keys.sorted()
    }()

    @Test("a segment is its pairs in key order, 16 bytes each; bytes that are not one are refused")
    func segmentsEncodeAndDecode() {
        var segment = PhoneSegment()
        for (index, key) in Self.keys.enumerated() { segment.append(key, Int64(index)) }
        let bytes = segment.encoded
        #expect(bytes.count == 16 * Self.keys.count)
        #expect(bytes.withUnsafeBytes { PhoneSegment(encoded: $0) } == segment)
        // The first pair as stored: the key, then the answer, little-endian.
        #expect(Array(bytes.prefix(16)) == [0, 0, 0, 0, 0, 0, 0, 0x80] + [UInt8](repeating: 0, count: 8))
        #expect(bytes.dropLast().withUnsafeBytes { PhoneSegment(encoded: $0) } == nil)
        var swapped = bytes
        swapped.withUnsafeMutableBytes { buffer in
            // The first two keys swapped: out of order.
            let first = buffer.loadUnaligned(fromByteOffset: 0, as: Int64.self)
            buffer.storeBytes(
                of: buffer.loadUnaligned(fromByteOffset: 16, as: Int64.self), toByteOffset: 0, as: Int64.self)
            buffer.storeBytes(of: first, toByteOffset: 16, as: Int64.self)
        }
        #expect(swapped.withUnsafeBytes { PhoneSegment(encoded: $0) } == nil)
        #expect([UInt8]().withUnsafeBytes { PhoneSegment(encoded: $0) } == PhoneSegment())
        // Read a piece at a time, as a store reads its blobs: the same segment; a piece whose keys
        // do not follow the others' is refused.
        var pieces = PhoneSegment()
        for start in stride(from: 0, to: bytes.count, by: 16 * 333) {
            #expect(bytes[start..<min(start + 16 * 333, bytes.count)].withUnsafeBytes { pieces.appendEncoded($0) })
        }
        #expect(pieces == segment)
        #expect(!bytes.prefix(16).withUnsafeBytes { pieces.appendEncoded($0) })
    }

    @Test("merging segments keeps key order, and a key in both answers as in the first")
    func segmentsMerge() {
        var odd = PhoneSegment(), even = PhoneSegment(), overlap = PhoneSegment()
        for (index, key) in Self.keys.enumerated() {
            if index % 2 == 0 { even.append(key, 1) } else { odd.append(key, 2) }
            if index % 3 == 0 { overlap.append(key, 3) }
        }
        let merged = PhoneSegment.merging(PhoneSegment.merging(odd, even), overlap)
        #expect(merged.keys == Self.keys)
        #expect(merged.answers == Self.keys.indices.map { $0 % 2 == 0 ? 1 : 2 })
        // Keys 0 (overlap), 1 (odd), 3 (both: overlap first), 5 (odd).
        #expect(PhoneSegment.merging(overlap, odd).answers.prefix(4) == [3, 2, 3, 2])
        #expect(PhoneSegment.merging(PhoneSegment(), odd) == odd)
        #expect(PhoneSegment.merging(odd, PhoneSegment()) == odd)
    }

    @Test("a book opened on segments finds every key they hold, and no other", arguments: [0, 1, 2, 7, 5_000])
    func booksFindTheirKeys(count: Int) {
        let kept = Array(Self.keys.prefix(count))
        var first = PhoneSegment(), second = PhoneSegment()
        for (index, key) in kept.enumerated() {
            if index % 3 == 0 { first.append(key, key &* 3) } else { second.append(key, key &* 3) }
        }
        let book = PhoneBook(segments: [first, second])
        #expect(book.count == kept.count)
        for key in kept { #expect(book.known(key) == key &* 3) }
        for key in Self.keys.dropFirst(count) { #expect(book.known(key) == nil) }
        for key: Int64 in [42, -42, 1 << 40] where !kept.contains(key) { #expect(book.known(key) == nil) }
    }

    /// A contacts export whose rows carry `numbers`, one a row.
    static func contacts(_ numbers: [String], name: String) throws -> String {
        var text = "Contact ID,Email,First Name,Last Name,Phone,Tags,Date Created,Date Updated,DAW,Genre,Level,Goals\n"
        for (index, number) in numbers.enumerated() {
            text +=
                "\(name)\(index),\(name)\(index)@example.com,Ana,Silva,\(number),,2024-01-17 12:11:00,2025-11-16 03:19:00,,,,\n"
        }
        let path = try temporaryDirectory() + "/\(name).csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func numbers(_ range: Range<Int>) -> [String] { range.map { "+1 415 555 \(String(1000 + $0).suffix(4))" } }

    /// What the store keeps of its phone numbers: segments, and numbers kept a row each.
    static func kept(_ store: Store) throws -> (segments: Int64?, rows: Int64?) {
        (
            try store.db.prepare("SELECT count(*) FROM phone_segments").rows().first?.first?.int,
            try store.db.prepare("SELECT count(*) FROM phone_numbers").rows().first?.first?.int
        )
    }

    @Test("each import that learns numbers keeps a segment of them; past the limit they are folded into one")
    func storesKeepSegmentsAndFoldThem() throws {
        let store = try freshStore()
        store.phoneSegmentsBeforeFolding = 3
        try importAll([try Self.contacts(Self.numbers(0..<40), name: "first")], into: store)
        #expect(try Self.kept(store) == (1, 0))
        try importAll([try Self.contacts(Self.numbers(20..<60), name: "second")], into: store)
        #expect(try Self.kept(store) == (2, 0))
        // Nothing new: no segment.
        try importAll([try Self.contacts(Self.numbers(0..<60), name: "again")], into: store)
        #expect(try Self.kept(store) == (2, 0))
        try importAll([try Self.contacts(Self.numbers(50..<90), name: "third")], into: store)
        #expect(try Self.kept(store) == (1, 0))
        try Self.expectKnows(store, Self.numbers(0..<90))
    }

    /// `store`'s book holds exactly `numbers` and answers each as libphonenumber does, learning none.
    static func expectKnows(_ store: Store, _ numbers: [String]) throws {
        let book = try store.phoneBook()
        #expect(book.count == numbers.count)
        for number in numbers {
            #expect(book.normalize(number, region: "US") == PhoneNormalizer.normalize(number, region: "US"))
        }
        #expect(book.takeLearned().isEmpty)
    }

    /// A store of version 9 kept a row a number: its book reads them, and the first import that
    /// learns a number folds them into a segment.
    @Test("numbers kept a row each before version 10 are read, then folded into a segment")
    func numbersKeptAsRowsAreFolded() throws {
        let db = try database(atVersion: 9)
        let path = db.path
        let insert = try db.prepare("INSERT INTO phone_numbers (key, e164) VALUES (?, ?)")
        for number in Self.numbers(0..<30) {
            let answer: Int64
            if case .valid(let e164) = PhoneNormalizer.normalize(number, region: "US") {
                answer = Int64(e164.dropFirst()) ?? 0
            } else {
                answer = 0
            }
            try insert.run([.integer(PhoneBook.key(number, region: "US")), .integer(answer)])
        }
        let store = try Store(path: path)
        #expect(try store.phoneBook().count == 30)
        #expect(try Self.kept(store) == (0, 30))
        try importAll([try Self.contacts(Self.numbers(25..<35), name: "later")], into: store)
        #expect(try Self.kept(store) == (1, 0))
        try Self.expectKnows(store, Self.numbers(0..<35))
    }
}
