// Shared by every harness in Fuzz/: compiled into each fuzz binary next to its harness file.
#if canImport(Glibc)
    import Glibc
#endif

/// Helpers for the libFuzzer harnesses.
enum Fuzz {
    /// A private folder for this process's input files (`$TMPDIR/fansync-fuzz-PID`), removed at exit.
    static let directory: String = {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        let folder = "\(base)/fansync-fuzz-\(getpid())"
        mkdir(folder, 0o700)
        atexit {
            for name in Fuzz.written { unlink(Fuzz.directory + "/" + name) }
            rmdir(Fuzz.directory)
        }
        return folder
    }()

    /// The names of the files written, for the clean-up at exit.
    nonisolated(unsafe) static var written: Set<String> = []

    /// Writes `bytes` to `name` in ``directory`` (replacing it) and returns the path.
    static func write(_ bytes: UnsafeRawBufferPointer, name: String) -> String {
        let path = directory + "/" + name
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(descriptor >= 0, "cannot create \(path)")
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            precondition(count > 0, "cannot write \(path)")
            offset += count
        }
        close(descriptor)
        written.insert(name)
        return path
    }

    static func write(_ bytes: [UInt8], name: String) -> String {
        bytes.withUnsafeBytes { write($0, name: name) }
    }

    /// Traps (a crash libFuzzer saves as an artifact) when `condition` is false, after
    /// printing `message`: how the harness reports a broken invariant or a mismatch.
    static func check(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        if condition() { return }
        printError("\n=== fuzz check failed (\(file):\(line)) ===\n\(message())\n\n")
        fatalError("fuzz check failed", file: file, line: line)
    }

    /// Writes `text` to standard error, unbuffered.
    static func printError(_ text: String) {
        var text = text
        text.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }

    /// A short, printable form of a value for mismatch reports.
    static func show<T>(_ value: T, limit: Int = 4000) -> String {
        let text = String(reflecting: value)
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}
