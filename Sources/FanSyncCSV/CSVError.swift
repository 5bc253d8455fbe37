import FanSyncIO

/// An error thrown while reading CSV input.
///
/// The description reads like a compiler diagnostic, so terminals and
/// editors can jump to it, and says what to do next:
///
/// ```
/// samples/stripe/payments.csv:14:3: not valid UTF-8. The file is not UTF-8: pass --encoding windows-1252, or leave --encoding at auto.
/// ```
public struct CSVError: Error, Sendable, Equatable {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The input could not be opened or read.
        case input(InputError)
        /// The file holds no header row (it is empty or only blank lines).
        case emptyFile
        /// A header cell is empty or only spaces.
        case blankHeader(column: Int)
        /// Two header cells have the same name.
        case duplicateHeader(name: String, firstColumn: Int, secondColumn: Int)
        /// Strict UTF-8 was asked for and a byte is not valid UTF-8.
        case invalidUTF8
        /// A quoted field is never closed before the end of the input.
        case unterminatedQuote
        /// A record grew past the size limit, most likely because of a quote
        /// that is never closed.
        case recordTooLarge(limit: Int)
        /// libcsv failed (out of memory).
        case parser(String)
    }

    public var kind: Kind
    /// The file being read (`<stdin>` for standard input).
    public var path: String
    /// The line the offending record starts on, when known.
    public var line: Int?
    /// The 1-based field, when known.
    public var column: Int?

    public init(_ kind: Kind, path: String, line: Int? = nil, column: Int? = nil) {
        self.kind = kind
        self.path = path
        self.line = line
        self.column = column
    }
}

extension CSVError: CustomStringConvertible {
    public var description: String {
        var location = path
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        switch kind {
        case .input(let error):
            return error.description
        case .emptyFile:
            return "\(location): the file is empty; a CSV export needs a header row. Check that the export finished."
        case .blankHeader(let column):
            return "\(location): header column \(column) has no name. Name it, or delete the empty column."
        case .duplicateHeader(let name, let first, let second):
            return
                "\(location): header columns \(first) and \(second) are both named '\(name)'. Rename one so columns can be told apart."
        case .invalidUTF8:
            return
                "\(location): not valid UTF-8. The file is in another encoding: pass --encoding windows-1252, or leave --encoding at auto."
        case .unterminatedQuote:
            return
                "\(location): a quoted field starting in this record is never closed. Look for a stray '\"' on this line."
        case .recordTooLarge(let limit):
            return
                "\(location): a record grew past \(limit / (1024 * 1024)) MiB, most likely a quote that is never closed. Look for a stray '\"' on this line."
        case .parser(let message):
            return "\(location): the CSV parser failed: \(message)."
        }
    }
}
