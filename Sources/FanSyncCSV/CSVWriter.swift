internal import CLibCSV
import Foundation

/// Writes CSV rows, quoting every field with libcsv's `csv_write`
/// (quotes around the field, inner quotes doubled), lines ending in CRLF
/// as RFC 4180 says.
public final class CSVWriter {
    private let handle: FileHandle
    private var buffer = Data()

    /// Creates (or truncates) the file at `path`; with `appending`, adds to the end of an existing one.
    public init(path: String, appending: Bool = false) throws {
        if !(appending && FileManager.default.fileExists(atPath: path)) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        if appending { try handle.seekToEnd() }
    }

    deinit {
        try? close()
    }

    /// Appends one row.
    public func write(_ fields: [String]) throws {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.append(contentsOf: Self.quote(field))
        }
        buffer.append(contentsOf: [0x0D, 0x0A])
        if buffer.count > 64 * 1024 { try flush() }
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    public func close() throws {
        try flush()
        try handle.close()
    }

    /// `field` quoted: `a"b` → `"a""b"`.
    public static func quote(_ field: String) -> [UInt8] {
        let source = Array(field.utf8)
        var output = [UInt8](repeating: 0, count: source.count * 2 + 2)
        let written = source.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dest in
                csv_write(dest.baseAddress, dest.count, src.baseAddress, src.count)
            }
        }
        return Array(output.prefix(written))
    }
}
