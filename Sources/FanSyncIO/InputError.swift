/// An error raised while opening or reading an input, before any format is parsed.
///
/// The description reads like a compiler diagnostic:
///
/// ```
/// exports/users.csv: cannot open: No such file or directory
/// ```
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened; the C library's reason.
        case cannotOpen(String)
        /// Reading failed midway (I/O error, truncated or corrupt gzip).
        case cannotRead(String)
        /// UTF-16 input holds an unpaired surrogate at this byte offset.
        case invalidUTF16(offset: Int)
    }

    public var kind: Kind
    /// The path as the user gave it (`-` is shown as `<stdin>`).
    public var path: String

    public init(_ kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }

    public var description: String {
        switch kind {
        case .cannotOpen(let reason):
            return "\(path): cannot open: \(reason). Check the path and its permissions."
        case .cannotRead(let reason):
            return "\(path): cannot read: \(reason). If the file is gzip, check it with `gzip -t`."
        case .invalidUTF16(let offset):
            return "\(path): invalid UTF-16 (unpaired surrogate at byte \(offset)). "
                + "Re-export the file as UTF-8, or force another encoding with --encoding."
        }
    }
}
