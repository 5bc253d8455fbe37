import Foundation

/// A JSON value, as read from one element of a JSON dump.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The member `key` of an object, or `nil`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The value as text: strings as they are, numbers and booleans spelled
    /// out, `nil` for null, arrays and objects.
    public var text: String? {
        switch self {
        case .string(let value): return value
        case .integer(let value): return String(value)
        case .number(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null, .array, .object: return nil
        }
    }
}

/// One element of a JSON dump, with where it started.
public struct JSONElement: Sendable {
    /// The index of the element among all elements of the input, from 0.
    public var index: Int
    /// The line the element starts on, from 1.
    public var line: Int
    public var value: JSONValue

    public init(index: Int, line: Int, value: JSONValue) {
        self.index = index
        self.line = line
        self.value = value
    }
}

/// An error in a JSON dump. Errors of kind ``Kind/malformedElement(_:)`` are
/// skippable: the reader has found the element's end and ``JSONStreamReader/next()``
/// goes on with the next one.
public struct JSONReaderError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case input(InputError)
        /// The element's bytes are not valid JSON.
        case malformedElement(String)
        /// The structure around the elements is broken (stray `]`, text
        /// between elements, an array or string never closed).
        case malformedStructure(String)
    }
    public var kind: Kind
    public var path: String
    public var line: Int?
    /// The element index, when the error belongs to one element.
    public var index: Int?

    public var isSkippable: Bool {
        if case .malformedElement = kind { return true }
        return false
    }

    public var description: String {
        let location = path + (line.map { ":\($0)" } ?? "")
        let element = index.map { " (element \($0))" } ?? ""
        switch kind {
        case .input(let error): return error.description
        case .malformedElement(let reason):
            return "\(location): invalid JSON\(element): \(reason). Fix or remove this element; the others were read."
        case .malformedStructure(let reason):
            return "\(location): not a JSON array or NDJSON: \(reason)."
        }
    }
}

/// Reads a JSON array of values, NDJSON (one value per line), or several
/// arrays one after another (API pages saved back to back), one element at
/// a time, in memory bounded by the largest element. Outside an array a
/// value must fit on its line, as NDJSON says; inside one it may span lines.
///
/// ```swift
/// let reader = try JSONStreamReader(path: "samples/clerk/users.json")
/// while let user = try reader.next() {
///     print(user.index, user.value["id"]?.text ?? "")
/// }
/// ```
///
/// A byte scanner finds each element's end (tracking strings, escapes and
/// nesting); Foundation's `JSONDecoder` parses the element alone.
public final class JSONStreamReader {
    public let input: TextInput
    private var chunk: [UInt8]
    private var chunkCount = 0
    private var chunkIndex = 0
    private var element: [UInt8] = []
    private var line = 1
    private var elementIndex = 0
    private var arrayDepth = 0  // 1 while inside a top-level array
    private var finished = false
    private let decoder = JSONDecoder()
    /// The largest element read; a larger one is skipped with an error.
    public let maxElementBytes: Int
    private var elementTooLarge = false

    /// How the input was laid out, once seen: `array`, `ndjson` or `mixed`.
    public private(set) var layout: String?

    /// - Parameter maxElementBytes: elements larger than this (16 MiB by
    ///   default, as for a CSV record) are skipped with a skippable error
    ///   instead of being held in memory several times over.
    public init(
        path: String, chunkSize: Int = 64 * 1024,
        maxElementBytes: Int = 16 * 1024 * 1024
    ) throws(JSONReaderError) {
        self.maxElementBytes = maxElementBytes
        do {
            input = try TextInput(path: path)
        } catch {
            throw JSONReaderError(kind: .input(error), path: path == "-" ? "<stdin>" : path)
        }
        chunk = [UInt8](repeating: 0, count: max(8, chunkSize))
    }

    private var displayName: String { input.displayName }

    private func fail(_ reason: String, line: Int? = nil) -> JSONReaderError {
        JSONReaderError(kind: .malformedStructure(reason), path: displayName, line: line ?? self.line)
    }

    private func nextByte() throws(JSONReaderError) -> UInt8? {
        if chunkIndex == chunkCount {
            if finished { return nil }
            do {
                chunkCount = try input.read(into: &chunk)
            } catch {
                throw JSONReaderError(kind: .input(error), path: displayName, line: line)
            }
            chunkIndex = 0
            if chunkCount == 0 { finished = true; return nil }
        }
        defer { chunkIndex += 1 }
        return chunk[chunkIndex]
    }

    private func noteLayout(_ kind: String) {
        if layout == nil { layout = kind } else if layout != kind { layout = "mixed" }
    }

    /// Returns the next element, or `nil` at the end of the input.
    /// - Throws: ``JSONReaderError``; when ``JSONReaderError/isSkippable`` is
    ///   true, calling `next()` again continues after the bad element.
    public func next() throws(JSONReaderError) -> JSONElement? {
        // Find the start of the next element.
        var first: UInt8
        while true {
            guard let byte = try nextByte() else {
                if arrayDepth > 0 { throw fail("the array is never closed with ']'") }
                return nil
            }
            switch byte {
            case 0x0A: line += 1; continue
            case 0x20, 0x09, 0x0D: continue
            case UInt8(ascii: ","):
                if arrayDepth > 0 { continue }
                throw fail("unexpected ',' between top-level values")
            case UInt8(ascii: "["):
                if arrayDepth == 0 { arrayDepth = 1; noteLayout("array"); continue }
            case UInt8(ascii: "]"):
                if arrayDepth > 0 { arrayDepth = 0; continue }
                throw fail("unexpected ']'")
            default:
                break
            }
            first = byte
            break
        }
        if arrayDepth == 0 { noteLayout("ndjson") }
        let startLine = line
        if element.capacity > maxElementBytes {
            element = []  // let go of a large element's buffer once it is used
        } else {
            element.removeAll(keepingCapacity: true)
        }
        elementTooLarge = false
        element.append(first)
        try scanElement(startingWith: first)
        let index = elementIndex
        elementIndex += 1
        if elementTooLarge {
            throw JSONReaderError(
                kind: .malformedElement(
                    "the element is larger than \(maxElementBytes / (1024 * 1024)) MiB; "
                        + "split it, or check that the file is a dump of records"),
                path: displayName, line: startLine, index: index)
        }
        do {
            // Decoded in place: no second copy of the element's bytes.
            let value = try element.withUnsafeMutableBytes { bytes -> JSONValue in
                guard let base = bytes.baseAddress else { return try decoder.decode(JSONValue.self, from: Data()) }
                return try decoder.decode(
                    JSONValue.self, from: Data(bytesNoCopy: base, count: bytes.count, deallocator: .none))
            }
            return JSONElement(index: index, line: startLine, value: value)
        } catch {
            throw JSONReaderError(
                kind: .malformedElement(Self.reason(error)), path: displayName,
                line: startLine, index: index)
        }
    }

    /// Reads the rest of one element into `element`.
    private func scanElement(startingWith first: UInt8) throws(JSONReaderError) {
        var depth = 0
        var inString = false
        var escaped = false
        let startLine = line
        switch first {
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth = 1
        case UInt8(ascii: "\""): inString = true
        default: break
        }
        if depth == 0 && !inString {
            // A scalar (number, true, false, null): ends before the next delimiter.
            while let byte = try peekByte(), !Self.endsScalar(byte) {
                chunkIndex += 1
                keep(byte)
            }
            return
        }
        while true {
            guard let byte = try nextByte() else {
                throw fail(inString ? "a string is never closed" : "an element is never closed", line: startLine)
            }
            if byte == 0x0A {
                line += 1
                // NDJSON: a line is one value, so the end of a line ends the
                // element, complete or not (if not, decoding reports it and
                // the next line is read on its own).
                if arrayDepth == 0 { return }
            }
            keep(byte)
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return }
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return }
            default: break
            }
        }
    }

    /// Appends `byte` to the element, or notes that it is too large and drops it
    /// (the scan goes on to find the element's end).
    @inline(__always)
    private func keep(_ byte: UInt8) {
        if element.count < maxElementBytes { element.append(byte) } else { elementTooLarge = true }
    }

    private static func endsScalar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x0A, 0x0D, 0x20, 0x09: return true
        default: return false
        }
    }

    /// The next byte without consuming it, reading a new chunk if needed.
    private func peekByte() throws(JSONReaderError) -> UInt8? {
        guard let byte = try nextByte() else { return nil }
        chunkIndex -= 1
        return byte
    }

    private static func reason(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            if let underlying = context.underlyingError as NSError? {
                return underlying.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
            }
            return context.debugDescription
        }
        return "\(error)"
    }
}
