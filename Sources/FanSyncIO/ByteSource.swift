internal import CZlib
import Foundation
import Synchronization

/// Raw bytes from a file, standard input (`-`), or a gzip stream, read in chunks.
///
/// zlib's `gzread` reads gzip data and passes any other data through
/// unchanged, so compressed and plain inputs share one code path, and the
/// choice is made from the bytes (the gzip magic number), not the file name.
///
/// ```swift
/// let source = try ByteSource(path: "exports/payments.csv.gz")
/// var buffer = [UInt8](repeating: 0, count: 65536)
/// while case let count = try buffer.withUnsafeMutableBytes({ try source.read(into: $0) }), count > 0 {
///     // use buffer[0..<count]
/// }
/// ```
///
/// A class because it owns a zlib handle, closed in `deinit`. Not `Sendable`.
public final class ByteSource {
    /// The path as given; `-` means standard input.
    public let path: String
    private let file: gzFile
    private var offset = 0
    /// Bytes of the file read so far (compressed bytes for a gzip file), for progress shown
    /// by another thread than the one reading.
    private let consumed = Atomic<Int>(0)
    /// The file's size on disk, when it is a regular file (not standard input or a pipe).
    public let size: Int?

    /// The name to show in messages: the path, or `<stdin>` for `-`.
    public var displayName: String { path == "-" ? "<stdin>" : path }

    /// Opens `path`, or standard input when `path` is `-`.
    /// - Throws: ``InputError`` of kind `cannotOpen` with the system's reason.
    public init(path: String) throws(InputError) {
        self.path = path
        let name = path == "-" ? "<stdin>" : path
        var isDirectory: ObjCBool = false
        if path != "-", FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw InputError(.cannotOpen("it is a directory"), path: name)
        }
        let descriptor = path == "-" ? dup(STDIN_FILENO) : open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw InputError(.cannotOpen(String(cString: strerror(errno))), path: name)
        }
        guard let file = gzdopen(descriptor, "rb") else {
            close(descriptor)
            throw InputError(.cannotOpen("zlib could not open the stream"), path: name)
        }
        gzbuffer(file, 256 * 1024)
        self.file = file
        var status = stat()
        size = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG ? Int(status.st_size) : nil
    }

    /// How far the reading has come: bytes of the file consumed, and its size when known.
    /// Safe to read from any thread.
    public var progress: (bytes: Int, total: Int?) { (consumed.load(ordering: .relaxed), size) }

    deinit {
        gzclose_r(file)
    }

    /// True when the input is gzip-compressed. Known after the first read.
    public var isCompressed: Bool { offset > 0 && gzdirect(file) == 0 }

    /// Fills `buffer` with up to `buffer.count` bytes; returns 0 at the end of the input.
    /// - Throws: ``InputError`` of kind `cannotRead` on an I/O error or corrupt gzip data.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let count = gzread(file, base, UInt32(clamping: buffer.count))
        if count < 0 {
            var code: Int32 = 0
            throw InputError(.cannotRead(Self.reason(gzerror(file, &code)) ?? "unknown error"), path: displayName)
        }
        if count == 0 {
            // At a clean end zlib reports Z_OK; a gzip stream cut short reports Z_BUF_ERROR.
            var code: Int32 = 0
            let message = gzerror(file, &code)
            if code != Z_OK {
                throw InputError(.cannotRead(Self.reason(message) ?? "truncated input"), path: displayName)
            }
        }
        offset += Int(count)
        consumed.store(Int(gzoffset(file)), ordering: .relaxed)
        return Int(count)
    }

    /// zlib's message without the `<fd:7>: ` it puts in front (zlib only knows
    /// the descriptor; the error carries the path).
    static func reason(_ message: UnsafePointer<CChar>?) -> String? {
        guard let message else { return nil }
        let text = String(cString: message)
        if text.hasPrefix("<fd:"), let end = text.range(of: ": ") {
            return String(text[end.upperBound...])
        }
        return text.isEmpty ? nil : text
    }

    /// Bytes delivered so far (after decompression).
    public var bytesRead: Int { offset }
}

/// Something that fills raw buffers with input bytes.
public protocol ByteReading: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int
}

extension ByteReading {
    /// Fills `array[offset...]`; returns the byte count, 0 at the end.
    ///
    /// (`Array.withUnsafeMutableBytes` rethrows untyped errors; this keeps
    /// the error typed.)
    public func read(into array: inout [UInt8], at offset: Int = 0) throws(InputError) -> Int {
        var outcome: Result<Int, InputError> = .success(0)
        array.withUnsafeMutableBytes { buffer in
            do throws(InputError) {
                outcome = .success(try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset...])))
            } catch {
                outcome = .failure(error)
            }
        }
        return try outcome.get()
    }
}

extension ByteSource: ByteReading {}
