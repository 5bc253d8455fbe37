import FanSyncIO
import Foundation
import Testing

@testable import FanSyncCSV

@Suite struct RFC4180 {
    @Test("quoted fields keep their commas, doubled quotes and newlines", arguments: chunkSizes)
    func quotedCommasDoubledQuotesAndNewlines(chunkSize: Int) throws {
        let path = try write(
            "name,note\r\n\"Smith, Ann\",\"said \"\"hi\"\"\"\r\nBo,\"line one\r\nline two\nline three\"\r\n")
        let (_, rows) = try readAll(path, chunkSize: chunkSize)
        #expect(rows.map(\.fields) == [["Smith, Ann", "said \"hi\""], ["Bo", "line one\r\nline two\nline three"]])
        #expect(rows.map(\.line) == [2, 3])
    }

    @Test(
        "line numbers hold across quoted newlines, blank lines and mixed line endings, which are counted",
        arguments: chunkSizes)
    func lineNumbersAfterQuotedNewlinesBlankLinesAndCRLF(chunkSize: Int) throws {
        let path = try write(
            "email,name\r\n\r\na@x.com,\"Ann\nB\"\nb@x.com,Bo\r\n\r\n\r\nc@x.com,\"C\r\n\r\nD\"\rd@x.com,D")
        let (reader, rows) = try readAll(path, chunkSize: chunkSize)
        #expect(rows.map(\.line) == [3, 5, 8, 11])
        #expect(rows.map(\.fields[0]) == ["a@x.com", "b@x.com", "c@x.com", "d@x.com"])
        #expect(reader.blankLines == 3)
        #expect(reader.lineEndings == LineEndings(crlf: 5, lf: 1, cr: 1))
    }

    @Test("CRLF, LF and CR files read the same, and the line ending is reported", arguments: chunkSizes)
    func lineEndingsAllReadTheSame(chunkSize: Int) throws {
        for ending in ["\r\n", "\n", "\r"] {
            let path = try write(["a,b", "1,2", "3,4"].joined(separator: ending) + ending)
            let (reader, rows) = try readAll(path, chunkSize: chunkSize)
            #expect(rows.map(\.fields) == [["1", "2"], ["3", "4"]])
            #expect(rows.map(\.line) == [2, 3])
            let expected = ending == "\r\n" ? "CRLF" : ending == "\n" ? "LF" : "CR"
            #expect(reader.lineEndings.summary == expected)
        }
    }

    @Test("a last line without a newline is still read", arguments: chunkSizes)
    func lastLineWithoutNewline(chunkSize: Int) throws {
        let path = try write("a,b\n1,2\n3,\"4\"")
        let (_, rows) = try readAll(path, chunkSize: chunkSize)
        #expect(rows.map(\.fields) == [["1", "2"], ["3", "4"]])
    }

    @Test("spaces and empty fields are kept as written", arguments: chunkSizes)
    func spacesAndEmptyFieldsAreKept(chunkSize: Int) throws {
        let path = try write("a,b,c\n  padded , ,\n\"\",x,\n")
        let (_, rows) = try readAll(path, chunkSize: chunkSize)
        #expect(rows.map(\.fields) == [["  padded ", " ", ""], ["", "x", ""]])
    }

    @Test("a quote inside an unquoted field is a literal character", arguments: chunkSizes)
    func strayQuoteInUnquotedFieldIsLiteral(chunkSize: Int) throws {
        let path = try write("title,size\n12\" vinyl,big\n")
        let (_, rows) = try readAll(path, chunkSize: chunkSize)
        #expect(rows.map(\.fields) == [["12\" vinyl", "big"]])
    }

    @Test("an unterminated quote is an error at the line its record starts on", arguments: chunkSizes)
    func unterminatedQuoteIsAnErrorAtTheRecordsLine(chunkSize: Int) throws {
        let path = try write("a,b\n1,2\n3,\"never closed\n4,5\n")
        let reader = try CSVReader(path: path, options: CSVReaderOptions(chunkSize: chunkSize))
        #expect(try reader.next()?.fields == ["1", "2"])
        #expect(throws: CSVError(.unterminatedQuote, path: path, line: 3)) { try reader.next() }
    }

    @Test("a record over the size limit is an error at its line")
    func oversizedRecordIsAnError() throws {
        let path = try write("a\n\"" + String(repeating: "x", count: 5000) + "\n")
        var options = CSVReaderOptions(chunkSize: 256)
        options.maxRecordBytes = 1024
        let reader = try CSVReader(path: path, options: options)
        #expect(throws: CSVError(.recordTooLarge(limit: 1024), path: path, line: 2)) { try reader.next() }
    }

    @Test("record positions count the header as record 0")
    func recordPositionsCountTheHeaderAsRecordZero() throws {
        let path = try write("a\n1\n2\n")
        let reader = try CSVReader(path: path)
        #expect(reader.header?.position == CSVPosition(line: 1, record: 0))
        #expect(try reader.next()?.position == CSVPosition(line: 2, record: 1))
        #expect(try reader.next()?.position == CSVPosition(line: 3, record: 2))
        #expect(try reader.next() == nil)
    }

    @Test("random records written the RFC 4180 way read back field for field", arguments: [3, 7, 64, 4096])
    func randomRecordsRoundTrip(chunkSize: Int) throws {
        var generator = SeededGenerator(seed: UInt64(chunkSize) * 7919)
        let alphabet: [String] = [
            "a", "Z", "0", " ", ",", "\"", "\n", "\r\n", "\t", ";", "é", "€", "日本", "🎧", "'", "|",
        ]
        for _ in 0..<40 {
            let columns = Int.random(in: 1...6, using: &generator)
            let header = (0..<columns).map { "c\($0)" }
            var rows: [[String]] = []
            for _ in 0..<Int.random(in: 1...30, using: &generator) {
                rows.append(
                    (0..<columns).map { _ in
                        (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                            alphabet.randomElement(using: &generator)!
                        }.joined()
                    })
            }
            // A one-column row holding "" would be a blank line: quote it, as writers must.
            let lines = ([header] + rows).map { row in
                row.count == 1 && row[0].isEmpty ? "\"\"" : row.map { quoted($0) }.joined(separator: ",")
            }
            let ending = ["\n", "\r\n"].randomElement(using: &generator)!
            let path = try write(lines.joined(separator: ending) + (Bool.random(using: &generator) ? ending : ""))
            let (reader, read) = try readAll(path, chunkSize: chunkSize, delimiter: UInt8(ascii: ","))
            #expect(reader.headerNames == header)
            #expect(read.map(\.fields) == rows)
        }
    }
}

@Suite struct Encodings {
    @Test("a UTF-8 byte-order mark is noted and kept out of the first header name", arguments: chunkSizes)
    func utf8ByteOrderMarkIsRemoved(chunkSize: Int) throws {
        let path = try write([0xEF, 0xBB, 0xBF] + Array("Email,Name\nA@x.com,Zoë\n".utf8))
        let (reader, rows) = try readAll(path, chunkSize: chunkSize)
        #expect(reader.headerNames == ["Email", "Name"])
        #expect(reader.hadByteOrderMark)
        #expect(reader.encoding == .utf8)
        #expect(rows.map(\.fields) == [["A@x.com", "Zoë"]])
    }

    @Test("Windows-1252 is detected and decoded, with a notice naming the line", arguments: chunkSizes)
    func windows1252IsDetectedAndDecoded(chunkSize: Int) throws {
        // "José","Müller","it’s €5 – “ok”" in Windows-1252.
        var bytes = Array("first,last,note\r\n".utf8)
        bytes += [0x4A, 0x6F, 0x73, 0xE9, 0x2C, 0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x2C]
        bytes += [0x69, 0x74, 0x92, 0x73, 0x20, 0x80, 0x35, 0x20, 0x96, 0x20, 0x93, 0x6F, 0x6B, 0x94, 0x0D, 0x0A]
        let path = try write(bytes)
        let (reader, rows) = try readAll(path, chunkSize: chunkSize)
        #expect(rows.map(\.fields) == [["José", "Müller", "it’s €5 – “ok”"]])
        #expect(reader.encoding == .windows1252)
        #expect(reader.notices.count == 1)
        #expect(reader.notices.first?.contains("line 2") == true)
        #expect(!rows[0].fields.joined().contains("\u{FFFD}"))
        #expect(!rows[0].fields.joined().contains("Ã"))
    }

    @Test("a field that is valid UTF-8 stays UTF-8 in a file that falls back to Windows-1252")
    func mixedFilesKeepValidUTF8Fields() throws {
        let path = try write(Array("a,b\n".utf8) + [0x4A, 0x6F, 0x73, 0xE9] + Array(",“q”\n".utf8))
        let (_, rows) = try readAll(path, chunkSize: 5)
        #expect(rows.map(\.fields) == [["José", "“q”"]])
    }

    @Test("forced Windows-1252 decodes every high byte, even ones that would be valid UTF-8", arguments: chunkSizes)
    func forcedWindows1252DecodesEveryHighByte(chunkSize: Int) throws {
        // C3 A9 is "é" in UTF-8 but "Ã©" in Windows-1252: forcing decides.
        let path = try write(Array("a\n".utf8) + [0xC3, 0xA9, 0x0A])
        let (reader, rows) = try readAll(path, chunkSize: chunkSize, encoding: .windows1252)
        #expect(rows.map(\.fields) == [["Ã©"]])
        #expect(reader.encoding == .windows1252)
    }

    @Test(
        "forced UTF-8 fails at the line of the first invalid byte, even inside a multi-line record",
        arguments: chunkSizes)
    func strictUTF8FailsAtTheLineOfTheFirstBadByte(chunkSize: Int) throws {
        let path = try write(Array("a,b\n1,ok\n2,\"multi\nline ".utf8) + [0xE9] + Array("\"\n3,x\n".utf8))
        let reader = try CSVReader(path: path, options: CSVReaderOptions(encoding: .utf8, chunkSize: chunkSize))
        #expect(try reader.next()?.fields == ["1", "ok"])
        #expect(throws: CSVError(.invalidUTF8, path: path, line: 4, column: 2)) { try reader.next() }
    }

    @Test(
        "UTF-16 with a byte-order mark, in either byte order, is transcoded and its delimiter sniffed",
        arguments: chunkSizes)
    func utf16WithByteOrderMarkIsTranscoded(chunkSize: Int) throws {
        let text = "email;name\r\nzoë@x.com;Zoë 🎧\r\nbo@x.com;\"B;o\"\r\n"
        for bigEndian in [false, true] {
            var bytes: [UInt8] = bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]
            for unit in text.utf16 {
                bytes += bigEndian ? [UInt8(unit >> 8), UInt8(unit & 0xFF)] : [UInt8(unit & 0xFF), UInt8(unit >> 8)]
            }
            let path = try write(bytes)
            let (reader, rows) = try readAll(path, chunkSize: chunkSize)
            #expect(reader.encoding == (bigEndian ? .utf16BE : .utf16LE))
            #expect(reader.delimiter == UInt8(ascii: ";"))
            #expect(reader.headerNames == ["email", "name"])
            #expect(rows.map(\.fields) == [["zoë@x.com", "Zoë 🎧"], ["bo@x.com", "B;o"]])
            #expect(rows.map(\.line) == [2, 3])
        }
    }

    @Test("a UTF-16 first line longer than the first chunk reads whole (the heap overflow's reproducer)")
    func utf16FirstLineLongerThanTheChunk() throws {
        let text = String(repeating: "中", count: 30_000) + ",b\n1,2\n"
        let path = try write([0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let (reader, rows) = try readAll(path, chunkSize: 64 * 1024)
        #expect(reader.headerNames == [String(repeating: "中", count: 30_000), "b"])
        #expect(rows.map(\.fields) == [["1", "2"]])
    }

    @Test("UTF-16 reads the same at every chunk size from 1 to 16", arguments: 1...16)
    func utf16AtEveryChunkSize(chunkSize: Int) throws {
        let text = "email,name\nzoë@x.com,Zoë 🎧\n"
        let path = try write([0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let (_, rows) = try readAll(path, chunkSize: chunkSize)
        #expect(rows.map(\.fields) == [["zoë@x.com", "Zoë 🎧"]])
    }

    @Test("--encoding utf-16 on a large UTF-8 file is an error, not a crash")
    func forcedUTF16OnUTF8() throws {
        let path = try write(String(repeating: "abcdefghij,", count: 5000) + "z\n1,2\n")
        do {
            let (_, rows) = try readAll(path, chunkSize: 64 * 1024, encoding: .utf16)
            #expect(rows.count <= 1)
        } catch {
            #expect(error is CSVError)
        }
    }

    @Test("UTF-16 without a byte-order mark is read as UTF-16, with a notice")
    func unmarkedUTF16IsDetected() throws {
        let text = "email,name\nzoë@x.com,Zoë\n"
        let path = try write(text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let (reader, rows) = try readAll(path, chunkSize: 3)
        #expect(reader.encoding == .utf16LE)
        #expect(reader.headerNames == ["email", "name"])
        #expect(rows.map(\.fields) == [["zoë@x.com", "Zoë"]])
        #expect(reader.notices.contains { $0.contains("NUL") })
    }

    @Test("--encoding utf-16 without a byte-order mark guesses the byte order")
    func forcedUTF16WithoutMarkGuessesTheByteOrder() throws {
        let text = "a,b\n1,2\n"
        let path = try write(text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
        let (reader, rows) = try readAll(path, chunkSize: 64, encoding: .utf16)
        #expect(reader.encoding == .utf16BE)
        #expect(rows.map(\.fields) == [["1", "2"]])
    }
}

@Suite struct Delimiters {
    @Test(
        "the delimiter is sniffed from the header: comma, semicolon, tab or pipe",
        arguments: [
            (",", UInt8(ascii: ",")), (";", UInt8(ascii: ";")), ("\t", UInt8(0x09)), ("|", UInt8(ascii: "|")),
        ])
    func sniffedFromTheHeader(separator: String, expected: UInt8) throws {
        let header = ["Email", "First Name", "Note, with comma"].map { quoted($0, delimiter: Character(separator)) }
        let path = try write(header.joined(separator: separator) + "\na@x.com" + separator + "Ann" + separator + "x\n")
        let (reader, rows) = try readAll(path, chunkSize: 3)
        #expect(reader.delimiter == expected)
        #expect(reader.delimiterWasSniffed)
        #expect(rows.map(\.fields) == [["a@x.com", "Ann", "x"]])
    }

    @Test("a forced delimiter is used as given, not sniffed")
    func forcedDelimiterWins() throws {
        let path = try write("a;b,c\n1;2,3\n")
        let (reader, rows) = try readAll(path, chunkSize: 64, delimiter: UInt8(ascii: ";"))
        #expect(!reader.delimiterWasSniffed)
        #expect(rows.map(\.fields) == [["1", "2,3"]])
    }

    @Test("a single-column file defaults to a comma")
    func singleColumnDefaultsToComma() throws {
        let path = try write("email\na@x.com\n")
        let (reader, rows) = try readAll(path, chunkSize: 64)
        #expect(reader.delimiter == UInt8(ascii: ","))
        #expect(rows.map(\.fields) == [["a@x.com"]])
    }
}

@Suite struct HeadersAndShapes {
    @Test("an empty file, or one of blank lines only, is an empty-file error")
    func emptyFileIsAClearError() throws {
        for content in ["", "\n\n\r\n"] {
            let path = try write(content)
            #expect(throws: CSVError.self) { try CSVReader(path: path) }
            do { _ = try CSVReader(path: path) } catch { #expect(error.kind == .emptyFile) }
        }
    }

    @Test("a blank header name is an error at its column")
    func blankHeaderNameIsAnError() throws {
        let path = try write("email,,name\n")
        #expect(throws: CSVError(.blankHeader(column: 2), path: path, line: 1, column: 2)) { try CSVReader(path: path) }
    }

    @Test("a duplicate header name is an error naming both its columns")
    func duplicateHeaderNameIsAnError() throws {
        let path = try write("email,name,Email,name\n")
        #expect(
            throws: CSVError(
                .duplicateHeader(name: "name", firstColumn: 2, secondColumn: 4), path: path,
                line: 1, column: 4)
        ) { try CSVReader(path: path) }
    }

    @Test("records with too few or too many fields are returned and counted", arguments: chunkSizes)
    func raggedRecordsAreReturnedAndCounted(chunkSize: Int) throws {
        let path = try write("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n")
        let (reader, rows) = try readAll(path, chunkSize: chunkSize)
        #expect(rows.map(\.fields.count) == [3, 2, 4, 3])
        #expect(rows.filter { $0.fields.count != 3 }.map(\.line) == [3, 4])
        #expect(reader.raggedRecords == 2)
        #expect(reader.recordsRead == 4)
    }

    @Test("a missing file is an error naming the path and the reason")
    func missingFileSaysWhy() throws {
        #expect {
            try CSVReader(path: "/nonexistent/x.csv")
        } throws: { error in
            "\(error)".contains("/nonexistent/x.csv: cannot open: No such file or directory")
        }
    }

    @Test("a gzip file is read as its contents", arguments: chunkSizes)
    func gzipIsReadTransparently(chunkSize: Int) throws {
        let plain = try write("email,name\na@x.com,\"Ann, B\"\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-k", "-f", plain]
        try process.run()
        process.waitUntilExit()
        let (reader, rows) = try readAll(plain + ".gz", chunkSize: chunkSize)
        #expect(reader.wasCompressed)
        #expect(rows.map(\.fields) == [["a@x.com", "Ann, B"]])
    }

    @Test("a truncated gzip file is a read error")
    func truncatedGzipIsAnError() throws {
        let plain = try write("email,name\n" + String(repeating: "someone@example.com,Some Name\n", count: 2000))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-k", "-f", plain]
        try process.run()
        process.waitUntilExit()
        let gz = try Data(contentsOf: URL(fileURLWithPath: plain + ".gz"))
        let cut = try write(Array(gz.prefix(gz.count / 2)), name: "cut.csv.gz")
        #expect {
            let reader = try CSVReader(path: cut)
            while try reader.next() != nil {}
        } throws: { error in
            guard let error = error as? CSVError, case .input(let input) = error.kind,
                case .cannotRead = input.kind
            else { return false }
            return true
        }
    }
}

@Suite struct FailedOpens {
    /// The process's virtual size, from /proc: a leaked buffer shows there even when its
    /// pages were never touched (malloc maps blocks of 128 KiB and more on their own).
    func virtualBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = text.split(separator: " ").first.flatMap({ Int($0) })
        else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    @Test("a reader whose initializer throws frees its parser and buffers")
    func failedInitializersDoNotLeak() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fansync-missing-\(UUID().uuidString).csv"
        ).path
        let badUTF16 = try write([0xFF, 0xFE, 0x00, 0xDC, 0x41, 0x00])  // a lone low surrogate in the first chunk
        func failOnce() {
            _ = try? CSVReader(path: missing)
            _ = try? CSVReader(path: badUTF16)
        }
        for _ in 0..<200 { failOnce() }
        // A leak of the parser's buffers costs ~200 KB a reader: 800 MB a round, every round. Other
        // tests run at the same time and start threads and connections, which can grow the process
        // by a few hundred MB in one round: the smallest growth of three rounds is the one to judge.
        var grown = Int.max
        for _ in 0..<3 {
            let before = virtualBytes()
            for _ in 0..<2000 { failOnce() }
            grown = min(grown, virtualBytes() - before)
        }
        #expect(grown < 250 * 1024 * 1024, "virtual memory grew by \(grown / 1024) KiB over 4000 failed opens")
    }
}
