import Foundation
import Testing

@testable import FanSyncIO

/// Reads all of `input` through `room`-byte buffers that sit between guard bytes,
/// and checks that no call writes a byte outside the room it was given.
private func readThroughRoom(_ input: TextInput, room: Int) throws -> [UInt8] {
    let guardBytes = 16
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0xA5, count: room + 2 * guardBytes)
    while true {
        for index in buffer.indices { buffer[index] = 0xA5 }
        let count = try buffer.withUnsafeMutableBytes { raw -> Int in
            try input.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[guardBytes..<guardBytes + room]))
        }
        #expect(count >= 0 && count <= room, "read returned \(count) for a room of \(room)")
        #expect(buffer[..<guardBytes].allSatisfy { $0 == 0xA5 }, "wrote before the room of \(room)")
        #expect(buffer[(guardBytes + room)...].allSatisfy { $0 == 0xA5 }, "wrote past the room of \(room)")
        if count == 0 { break }
        output += buffer[guardBytes..<guardBytes + count]
    }
    return output
}

private func utf16(_ text: String, bigEndian: Bool, mark: Bool) -> [UInt8] {
    var bytes: [UInt8] = mark ? (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) : []
    for unit in text.utf16 {
        bytes += bigEndian ? [UInt8(unit >> 8), UInt8(unit & 0xFF)] : [UInt8(unit & 0xFF), UInt8(unit >> 8)]
    }
    return bytes
}

@Suite struct TextInputRoom {
    /// Text with one-, two-, three- and four-byte UTF-8 forms and a surrogate pair.
    static let text = "id,名前,note\n1,Zoë,🎧 beats\n2,中中中中中中中中中中中中,x\n"

    @Test(
        "a read never writes past the room it is given, for every room from 1 to 16",
        arguments: 1...16)
    func utf16NeverOverflowsTheRoom(room: Int) throws {
        for bigEndian in [false, true] {
            for mark in [true, false] {
                let path = try write(bytes: utf16(Self.text, bigEndian: bigEndian, mark: mark))
                // Without a mark, auto-detection holds the first four bytes over from the sniff.
                let input = try TextInput(path: path, encoding: mark ? .auto : .utf16)
                #expect(try readThroughRoom(input, room: room) == Array(Self.text.utf8))
            }
        }
    }

    @Test("sniffed UTF-8 bytes held over are delivered within any room", arguments: 1...16)
    func utf8HeldOverBytesRespectTheRoom(room: Int) throws {
        for prefix in [[UInt8](), [0xEF, 0xBB, 0xBF]] {
            let path = try write(bytes: prefix + Array(Self.text.utf8))
            #expect(try readThroughRoom(try TextInput(path: path), room: room) == Array(Self.text.utf8))
        }
    }

    @Test("the fuzz inputs that overflowed the first chunk read to their end", arguments: 1...16)
    func fuzzReproducers(room: Int) throws {
        let cases: [[UInt8]] = [
            [0x03] + [UInt8](repeating: 0x41, count: 6),
            [0x5B] + [UInt8](repeating: 0x41, count: 44),
        ]
        for bytes in cases {
            // An odd byte count ends in an error at the last byte; what matters is every
            // read before it stayed inside its room (checked inside readThroughRoom).
            let input = try TextInput(path: try write(bytes: bytes), encoding: .utf16)
            #expect(throws: InputError(.invalidUTF16(offset: bytes.count - 1), path: input.displayName)) {
                try readThroughRoom(input, room: room)
            }
            // The same bytes made even read to their end.
            let even = try TextInput(path: try write(bytes: bytes + [0x00]), encoding: .utf16)
            #expect(try readThroughRoom(even, room: room).count >= bytes.count / 2)
        }
    }

    @Test("a first line far longer than a block survives transcoding")
    func longFirstLine() throws {
        let line = String(repeating: "中", count: 30_000) + ",b\n1,2\n"
        let input = try TextInput(path: try write(bytes: utf16(line, bigEndian: false, mark: true)))
        #expect(try readThroughRoom(input, room: 1000) == Array(line.utf8))
    }

    @Test("UTF-16 without a byte-order mark is recognised from its NUL high bytes")
    func unmarkedUTF16IsRecognised() throws {
        for bigEndian in [false, true] {
            let input = try TextInput(path: try write(bytes: utf16("a,b\n1,2\n", bigEndian: bigEndian, mark: false)))
            #expect(input.form == (bigEndian ? .utf16BE : .utf16LE))
            #expect(input.utf16WithoutMark)
            #expect(try readThroughRoom(input, room: 7) == Array("a,b\n1,2\n".utf8))
        }
        // Plain UTF-8 stays UTF-8.
        let plain = try TextInput(path: try write(bytes: Array("a,b\n".utf8)))
        #expect(plain.form == .utf8)
        #expect(!plain.utf16WithoutMark)
    }
}

@Suite struct GzipErrors {
    @Test("a truncated gzip file is named by its path, not zlib's <fd:N>")
    func truncatedGzipNamesTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fansync-gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let plain = directory.appendingPathComponent("rows.csv").path
        try Data(String(repeating: "a,b,c\n", count: 20_000).utf8).write(to: URL(fileURLWithPath: plain))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "gzip -c '\(plain)' | head -c 200 > '\(plain).gz'"]
        try gzip.run()
        gzip.waitUntilExit()
        let source = try ByteSource(path: plain + ".gz")
        var buffer = [UInt8](repeating: 0, count: 4096)
        do {
            while try source.read(into: &buffer) > 0 {}
            Issue.record("expected a read error")
        } catch {
            #expect(error.path == plain + ".gz")
            #expect(!error.description.contains("<fd:"), "\(error.description)")
        }
    }
}

private func write(bytes: [UInt8]) throws -> String {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("fansync-io-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent("input.csv")
    try Data(bytes).write(to: url)
    return url.path
}
