import Foundation
import Testing

@testable import FanSyncIO

func write(_ text: String, name: String = "input.json") throws -> String {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("fansync-io-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

func readAll(_ path: String, chunkSize: Int) throws -> [JSONElement] {
    let reader = try JSONStreamReader(path: path, chunkSize: chunkSize)
    var elements: [JSONElement] = []
    while let element = try reader.next() { elements.append(element) }
    return elements
}

let chunkSizes = [3, 64 * 1024]

/// A Clerk Backend API user, as `GET /v1/users` pages them out (trimmed).
let clerkUser = """
      {
        "id": "user_2abc",
        "object": "user",
        "first_name": "Zoë",
        "last_name": "O'Neil",
        "primary_email_address_id": "idn_2",
        "email_addresses": [
          {"id": "idn_1", "email_address": "old@example.com", "verification": {"status": "unverified"}},
          {"id": "idn_2", "email_address": "Zoe@Example.com", "verification": {"status": "verified"}}
        ],
        "public_metadata": {"note": "likes ] and } and \\"quotes\\" in strings"},
        "created_at": 1716200000000,
        "password_enabled": true,
        "totp_enabled": false
      }
    """

@Suite struct JSONDumps {
    @Test("an array of Clerk users reads element by element, with index, line and typed values", arguments: chunkSizes)
    func arrayOfUsers(chunkSize: Int) throws {
        let path = try write(
            "[\n" + clerkUser + ",\n" + clerkUser.replacingOccurrences(of: "user_2abc", with: "user_3def") + "\n]\n")
        let elements = try readAll(path, chunkSize: chunkSize)
        #expect(elements.map(\.index) == [0, 1])
        #expect(elements.map { $0.value["id"]?.text } == ["user_2abc", "user_3def"])
        #expect(elements.map(\.line) == [2, 17])
        #expect(elements[0].value["first_name"] == .string("Zoë"))
        #expect(elements[0].value["created_at"] == .integer(1_716_200_000_000))
        #expect(elements[0].value["public_metadata"]?["note"]?.text == "likes ] and } and \"quotes\" in strings")
    }

    @Test(
        "NDJSON and back-to-back array pages in one file read as one stream, laid out as mixed",
        arguments: chunkSizes)
    func ndjsonAndBackToBackPages(chunkSize: Int) throws {
        let path = try write("{\"id\":\"u1\"}\n{\"id\":\"u2\"}\n\n[{\"id\":\"u3\"}][{\"id\":\"u4\"},{\"id\":\"u5\"}]")
        let reader = try JSONStreamReader(path: path, chunkSize: chunkSize)
        var ids: [String] = []
        while let element = try reader.next() { ids.append(element.value["id"]?.text ?? "?") }
        #expect(ids == ["u1", "u2", "u3", "u4", "u5"])
        #expect(reader.layout == "mixed")
    }

    @Test("an empty array reads nothing; scalars read as their JSON types", arguments: chunkSizes)
    func scalarsAndEmptyArray(chunkSize: Int) throws {
        #expect(try readAll(try write("[]"), chunkSize: chunkSize).isEmpty)
        let values = try readAll(try write("[1, -2.5, true, null, \"x,]\"]"), chunkSize: chunkSize).map(\.value)
        #expect(values == [.integer(1), .number(-2.5), .bool(true), .null, .string("x,]")])
    }

    @Test(
        "a malformed element is a skippable error at its line and index, and the next one reads",
        arguments: chunkSizes)
    func malformedElementIsSkippable(chunkSize: Int) throws {
        let path = try write("{\"id\":\"u1\"}\n{\"id\": nope}\n{\"id\":\"u3\"}\n")
        let reader = try JSONStreamReader(path: path, chunkSize: chunkSize)
        #expect(try reader.next()?.value["id"]?.text == "u1")
        do {
            _ = try reader.next()
            Issue.record("expected an error")
        } catch {
            #expect(error.isSkippable)
            #expect(error.line == 2)
            #expect(error.index == 1)
        }
        #expect(try reader.next()?.value["id"]?.text == "u3")
        #expect(try reader.next() == nil)
    }

    @Test("an array never closed is an error after its last element")
    func unclosedArrayIsAnError() throws {
        let path = try write("[{\"id\":1},\n{\"id\":2}\n")
        let reader = try JSONStreamReader(path: path)
        _ = try reader.next()
        _ = try reader.next()
        #expect(throws: JSONReaderError.self) { try reader.next() }
    }

    @Test("a string never closed is an error at its line that cannot be skipped")
    func unclosedStringIsAnErrorAtItsLine() throws {
        let path = try write("[\n{\"id\": \"oops}\n]\n")
        let reader = try JSONStreamReader(path: path)
        do {
            _ = try reader.next()
            Issue.record("expected an error")
        } catch {
            #expect(!error.isSkippable)
            #expect(error.line == 2)
        }
    }
}

@Suite struct Bytes {
    @Test(
        "UTF-8 validation finds the first invalid byte: Windows-1252, overlong, surrogate, too large or truncated",
        arguments: [
            ([0x61, 0x62], nil),
            ([0xC3, 0xA9], nil),  // é
            ([0xE2, 0x82, 0xAC], nil),  // €
            ([0xF0, 0x9F, 0x8E, 0xA7], nil),  // 🎧
            ([0x61, 0xE9, 0x62], 1),  // Windows-1252 é
            ([0xC0, 0xAF], 0),  // overlong
            ([0xED, 0xA0, 0x80], 0),  // surrogate
            ([0xF4, 0x90, 0x80, 0x80], 0),  // above U+10FFFF
            ([0x61, 0xE2, 0x82], 1),  // truncated
        ] as [([UInt8], Int?)])
    func utf8Validation(bytes: [UInt8], firstBad: Int?) {
        #expect(bytes.withUnsafeBytes { UTF8Check.firstInvalidByte(in: $0) } == firstBad)
    }

    @Test("a sequence cut off at the end is allowed when asked")
    func truncatedEndCanBeAllowed() {
        let bytes: [UInt8] = [0x61, 0xE2, 0x82]
        #expect(bytes.withUnsafeBytes { UTF8Check.firstInvalidByte(in: $0, allowTruncatedEnd: true) } == nil)
    }

    @Test("Windows-1252 bytes decode to their characters, the undefined ones to C1 controls")
    func windows1252Table() {
        let bytes: [UInt8] = [0xE9, 0xFC, 0x92, 0x80, 0x96, 0x93, 0x94, 0x81, 0x41]
        var output: [UInt8] = []
        bytes.withUnsafeBytes { UTF8Check.appendWindows1252($0, to: &output) }
        #expect(String(decoding: output, as: UTF8.self) == "éü’€–“”\u{81}A")
    }

    @Test("the ASCII check sees a non-ASCII last byte at every length")
    func asciiCheckSeesEveryByte() {
        for length in 0..<20 {
            var bytes = [UInt8](repeating: 0x41, count: length)
            #expect(bytes.withUnsafeBytes(UTF8Check.isASCII))
            if length > 0 {
                bytes[length - 1] = 0xC3
                #expect(!bytes.withUnsafeBytes(UTF8Check.isASCII))
            }
        }
    }

    @Test("an unpaired UTF-16 surrogate is an error at its byte offset")
    func utf16UnpairedSurrogateIsAnError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fansync-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("bad16.csv")
        try Data([0xFF, 0xFE, 0x61, 0x00, 0x00, 0xDC, 0x62, 0x00]).write(to: url)
        let input = try TextInput(path: url.path)
        var buffer = [UInt8](repeating: 0, count: 64)
        #expect(throws: InputError(.invalidUTF16(offset: 4), path: url.path)) { try input.read(into: &buffer) }
    }

    @Test("a directory is refused as input")
    func directoryIsRefused() throws {
        #expect(throws: InputError(.cannotOpen("it is a directory"), path: "/tmp")) { try ByteSource(path: "/tmp") }
    }
}

@Suite struct LargeElements {
    @Test("an element over the size limit is skipped with an error, and the next one is read", arguments: chunkSizes)
    func oversizedElementIsSkippable(chunkSize: Int) throws {
        let big = "{\"id\":\"big\",\"blob\":\"" + String(repeating: "x", count: 5000) + "\"}"
        let path = try write("[{\"id\":\"u1\"},\n" + big + ",\n{\"id\":\"u3\"}]")
        let reader = try JSONStreamReader(path: path, chunkSize: chunkSize, maxElementBytes: 1000)
        #expect(try reader.next()?.value["id"]?.text == "u1")
        do {
            _ = try reader.next()
            Issue.record("expected the large element to be refused")
        } catch {
            #expect(error.isSkippable)
            #expect(error.line == 2)
            #expect(error.description.contains("larger than"))
        }
        #expect(try reader.next()?.value["id"]?.text == "u3")
        #expect(try reader.next() == nil)
    }

    @Test("an element under the limit still reads after a refused one freed its buffer")
    func elementsAfterALargeOneStillRead() throws {
        let path = try write("{\"a\":\"" + String(repeating: "y", count: 3000) + "\"}\n{\"a\":1}\n")
        let reader = try JSONStreamReader(path: path, chunkSize: 64, maxElementBytes: 2000)
        #expect(throws: JSONReaderError.self) { try reader.next() }
        #expect(try reader.next()?.value["a"] == .integer(1))
    }
}
