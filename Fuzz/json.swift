// libFuzzer harness: JSONStreamReader (FanSyncIO) over a JSON array, NDJSON, or pages back to back.
//
// The input is written to a file and read to the end with several chunk sizes, going on
// after skippable errors (a malformed element) as the importer does. The elements (index,
// line, value), the errors and the layout must be the same whatever the chunk size, with
// the default element limit and with a tiny one (50 bytes) that makes the too-large path
// common. Each read must also end: every element or skippable error consumes input, so a
// plain (not gzip) input of N bytes yields at most N + 1 items.
import FanSyncIO

struct JSONOutcome: Equatable {
    enum Item: Equatable {
        case element(index: Int, line: Int, value: JSONValue)
        case skipped(JSONReaderError)
    }
    var items: [Item] = []
    var error: JSONReaderError?
    var layout: String?
    var truncated = false
}

let itemLimit = 1_000_000

func read(path: String, chunkSize: Int, maxElementBytes: Int) -> JSONOutcome {
    var outcome = JSONOutcome()
    let reader: JSONStreamReader
    do {
        reader = try JSONStreamReader(path: path, chunkSize: chunkSize, maxElementBytes: maxElementBytes)
    } catch {
        outcome.error = error
        return outcome
    }
    var lastIndex = -1
    while true {
        if outcome.items.count == itemLimit { outcome.truncated = true; break }
        do throws(JSONReaderError) {
            guard let element = try reader.next() else { break }
            Fuzz.check(element.index == lastIndex + 1, "element index \(element.index) after \(lastIndex)")
            lastIndex = element.index
            outcome.items.append(.element(index: element.index, line: element.line, value: element.value))
        } catch  where error.isSkippable {
            if let index = error.index {
                Fuzz.check(index == lastIndex + 1, "skipped element index \(index) after \(lastIndex)")
                lastIndex = index
            }
            // Which bad value JSONDecoder names first depends on a Dictionary's iteration order,
            // which differs between two decodes of the same bytes: compare the rest.
            var error = error
            if case .malformedElement(let reason) = error.kind, !reason.hasPrefix("the element is larger") {
                error.kind = .malformedElement("(decoder's reason)")
            }
            outcome.items.append(.skipped(error))
        } catch {
            outcome.error = error
            break
        }
    }
    outcome.layout = reader.layout
    return outcome
}

let chunkSizes = [1, 13, 64, 65536]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let path = Fuzz.write(bytes, name: "input.json")
    let compressed = size >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    for maxElementBytes in [16 * 1024 * 1024, 50] {
        var reference: JSONOutcome?
        for chunkSize in chunkSizes.reversed() {
            let outcome = read(path: path, chunkSize: chunkSize, maxElementBytes: maxElementBytes)
            Fuzz.check(
                compressed || outcome.items.count <= size + 1,
                "\(outcome.items.count) items from \(size) bytes (chunk \(chunkSize)): the reader does not advance")
            guard let reference else {
                reference = outcome
                continue
            }
            Fuzz.check(
                outcome == reference,
                """
                chunk size \(chunkSize) reads differently from 65536 (maxElementBytes \(maxElementBytes))
                  65536: \(Fuzz.show(reference))
                  \(chunkSize): \(Fuzz.show(outcome))
                """)
        }
    }
    return 0
}
