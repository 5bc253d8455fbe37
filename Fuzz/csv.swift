// libFuzzer harness: the CSV reader (FanSyncCSV over FanSyncIO).
//
// The input is written to a file and read with CSVReader under every TextEncoding and
// several chunk sizes. Per encoding, the records (fields, line, index), the header, the
// encoding and notices, the line-ending counts and the error must be the same whatever
// the chunk size (the reader raises chunk sizes below 8 to 8, so 1 reads 8 bytes at a time).
//
// The delimiter is sniffed from the first chunk only, so a header line longer than the
// chunk can sniff differently (by design: the default chunk is 64 KiB). The chunk-size
// comparison therefore forces the delimiter that a sniffing 64 KiB read chose; that
// sniffing read must in turn agree with the forced 64 KiB read.
//
// Also checked on every record: its bytes are valid UTF-8, its field ends are ordered and
// end at its byte count, record numbers go up by one and lines never go back; pure ASCII
// without NUL bytes reads the same under auto, utf-8 and windows-1252.
import FanSyncCSV
import FanSyncIO

/// Everything a read of one file shows, for comparing reads.
struct CSVOutcome: Equatable {
    struct Record: Equatable {
        var line: Int
        var index: Int
        var fields: [String]
    }

    var delimiter: UInt8?
    var encoding: DetectedEncoding?
    var hadByteOrderMark: Bool?
    var header: Record?
    var records: [Record] = []
    var ragged = 0
    var notices: [String] = []
    /// The error that ended the read. For an input error (unreadable gzip, invalid UTF-16) the
    /// line is dropped: it says how far parsing had got when the read failed, which depends
    /// on the chunk size, and the message does not show it.
    var error: CSVError? {
        didSet { if case .input? = error?.kind { error?.line = nil } }
    }
    /// Line endings and blank lines, known once the whole input was read without error.
    var lineEndings: LineEndings?
    var blankLines: Int?
    var truncated = false
}

/// More records than this and the reads stop comparing (a gzip bomb should not eat the run).
let recordLimit = 200_000

func read(path: String, encoding: TextEncoding, chunkSize: Int, delimiter: UInt8?, reuse: Bool) -> CSVOutcome {
    var outcome = CSVOutcome()
    let options = CSVReaderOptions(encoding: encoding, delimiter: delimiter, chunkSize: chunkSize)
    let reader: CSVReader
    do {
        reader = try CSVReader(path: path, options: options)
    } catch {
        outcome.error = error
        return outcome
    }
    outcome.delimiter = reader.delimiter
    outcome.hadByteOrderMark = reader.hadByteOrderMark
    if let header = reader.header {
        check(header, in: "header", encoding: encoding, chunkSize: chunkSize)
        outcome.header = .init(line: header.position.line, index: header.position.record, fields: header.fields)
        Fuzz.check(header.position.record == 0, "header is record \(header.position.record)")
    }
    var previous = outcome.header
    var record = CSVRecord()
    do throws(CSVError) {
        while true {
            if outcome.records.count == recordLimit { outcome.truncated = true; break }
            // Half the reads reuse one record's storage, the other half take fresh ones.
            if reuse {
                guard try reader.read(into: &record) else { break }
            } else {
                guard let fresh = try reader.next() else { break }
                record = fresh
            }
            check(record, in: "record", encoding: encoding, chunkSize: chunkSize)
            let entry = CSVOutcome.Record(
                line: record.position.line, index: record.position.record, fields: record.fields)
            if let previous {
                Fuzz.check(
                    entry.index == previous.index + 1 && entry.line >= previous.line,
                    "record \(Fuzz.show(entry)) follows \(Fuzz.show(previous)) (\(encoding), chunk \(chunkSize))")
            }
            if let header = reader.header, record.count != header.count { outcome.ragged += 1 }
            previous = entry
            outcome.records.append(entry)
        }
        if !outcome.truncated {
            outcome.lineEndings = reader.lineEndings
            outcome.blankLines = reader.blankLines
        }
    } catch {
        outcome.error = error
    }
    Fuzz.check(
        reader.recordsRead == outcome.records.count,
        "recordsRead \(reader.recordsRead) but \(outcome.records.count) records (\(encoding), chunk \(chunkSize))")
    Fuzz.check(
        reader.raggedRecords == outcome.ragged, "raggedRecords \(reader.raggedRecords), counted \(outcome.ragged)")
    outcome.encoding = reader.encoding
    outcome.notices = reader.notices
    if outcome.error != nil {
        // Callers are told to stop after a throw; reading on must still not crash.
        for _ in 0..<3 { _ = try? reader.next() }
    }
    return outcome
}

/// A record's own invariants: valid UTF-8, ordered field ends that cover its bytes.
func check(_ record: CSVRecord, in what: String, encoding: TextEncoding, chunkSize: Int) {
    record.withBytes { bytes, ends in
        Fuzz.check(
            UTF8Check.firstInvalidByte(in: UnsafeRawBufferPointer(bytes)) == nil,
            "\(what) at line \(record.position.line) is not valid UTF-8 (\(encoding), chunk \(chunkSize)): \(Array(bytes))"
        )
        var last = 0
        for end in ends {
            Fuzz.check(end >= last && end <= bytes.count, "\(what) field ends \(Array(ends)) over \(bytes.count) bytes")
            last = end
        }
        Fuzz.check(
            ends.isEmpty ? bytes.isEmpty : last == bytes.count,
            "\(what) field ends \(Array(ends)) do not end at \(bytes.count)")
    }
    Fuzz.check(record.count > 0, "\(what) at line \(record.position.line) has no fields")
}

let chunkSizes = [1, 13, 64, 65536]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let path = Fuzz.write(bytes, name: "input.csv")
    var byEncoding: [TextEncoding: CSVOutcome] = [:]
    for encoding in TextEncoding.allCases {
        let sniffed = read(path: path, encoding: encoding, chunkSize: 65536, delimiter: nil, reuse: false)
        // When the sniffing read failed before choosing, ',' is as good as any.
        let delimiter = sniffed.delimiter ?? UInt8(ascii: ",")
        var reference: CSVOutcome?
        for (number, chunkSize) in chunkSizes.reversed().enumerated() {
            let outcome = read(
                path: path, encoding: encoding, chunkSize: chunkSize, delimiter: delimiter,
                reuse: number % 2 == 0)
            guard let reference else {
                reference = outcome
                if sniffed.delimiter != nil {
                    Fuzz.check(
                        sniffed == outcome,
                        """
                        \(encoding): sniffing the delimiter and forcing the one sniffed (\(delimiter)) read differently
                          sniffed: \(Fuzz.show(sniffed))
                          forced:  \(Fuzz.show(outcome))
                        """)
                }
                continue
            }
            Fuzz.check(
                outcome == reference,
                """
                \(encoding), delimiter \(delimiter): chunk size \(chunkSize) reads differently from 65536
                  65536: \(Fuzz.show(reference))
                  \(chunkSize): \(Fuzz.show(outcome))
                """)
        }
        byEncoding[encoding] = sniffed
    }
    // Plain ASCII (no NUL, so no unmarked UTF-16; no byte-order mark) is the same in every 8-bit reading.
    if !bytes.contains(where: { $0 == 0 || $0 >= 0x80 }) {
        let utf8 = byEncoding[.utf8], auto = byEncoding[.auto]
        var latin = byEncoding[.windows1252]
        latin?.encoding = utf8?.encoding  // the one field that names the encoding asked for
        Fuzz.check(
            auto == utf8 && latin == utf8,
            """
            ASCII input reads differently under auto / utf-8 / windows-1252
              auto:  \(Fuzz.show(auto))
              utf-8: \(Fuzz.show(utf8))
              1252:  \(Fuzz.show(byEncoding[.windows1252]))
            """)
    }
    return 0
}
