import FanSyncCSV
import FanSyncIO
import Foundation

/// The CSV of rejected rows beside a run: created on the first rejection, as
/// `NAME.partial` until ``publish(_:)`` renames it into place.
final class RejectsFile {
    let directory: String?
    let input: String
    private var writer: CSVWriter?
    private(set) var path: String?
    /// The source's columns, written after the issue's own (set before the first row).
    var sourceHeader: [String] = []

    init(directory: String?, input: String) {
        self.directory = directory
        self.input = input
    }

    /// Adds one row (creating the file on the first); a failure is a ``FileMapError/rejects(_:)``.
    func write(_ issue: RowIssue) throws(FileMapError) {
        guard let directory else { return }
        do {
            if writer == nil {
                (writer, path) = try Self.create(directory: directory, input: input, sourceHeader: sourceHeader)
            }
            try writer?.write(Self.row(issue))
        } catch {
            throw FileMapError.rejects("\(error)")
        }
    }

    /// A new (partial) rejects file for `input` in `directory`, with its header; and its final path.
    private static func create(
        directory: String, input: String, sourceHeader: [String] = []
    ) throws -> (CSVWriter, String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stamp = UTCTime.iso8601(Int64(Date().timeIntervalSince1970)).replacingOccurrences(of: ":", with: "")
        var base = (input as NSString).lastPathComponent
        for suffix in [".gz", ".csv", ".json", ".ndjson", ".jsonl", ".txt"] where base.lowercased().hasSuffix(suffix) {
            base.removeLast(suffix.count)
        }
        var candidate = (directory as NSString).appendingPathComponent("\(stamp)-\(base).rejects.csv")
        var counter = 2
        while FileManager.default.fileExists(atPath: candidate)
            || FileManager.default.fileExists(atPath: partial(candidate))
        {
            candidate = (directory as NSString).appendingPathComponent("\(stamp)-\(base)-\(counter).rejects.csv")
            counter += 1
        }
        let created = try CSVWriter(path: partial(candidate))
        // The source's columns keep their names, so the file imports again through its mapping; when
        // one is named like an issue column (a `value` or `reason` column), the issue's get a prefix,
        // so the mapping reads the source's own.
        var own = ["disposition", "file", "line", "column", "column_name", "value", "reason"]
        let taken = Set(sourceHeader.map { $0.lowercased() })
        if own.contains(where: { taken.contains($0) }) { own = own.map { "fansync_" + $0 } }
        try created.write(own + sourceHeader)
        return (created, candidate)
    }

    /// Adds `issues` to the unpublished rejects file at `path` (creating one in `directory`
    /// when `path` is nil); returns the file's final path.
    static func append(_ issues: [RowIssue], to path: String?, directory: String?, input: String) throws -> String? {
        guard let directory, !issues.isEmpty else { return path }
        let writer: CSVWriter, target: String
        if let path {
            (writer, target) = (try CSVWriter(path: partial(path), appending: true), path)
        } else {
            (writer, target) = try create(directory: directory, input: input)
        }
        for issue in issues { try writer.write(row(issue)) }
        try writer.close()
        return target
    }

    private static func row(_ issue: RowIssue) -> [String] {
        [
            issue.disposition.rawValue, issue.file, String(issue.line), issue.column.map(String.init) ?? "",
            issue.columnName ?? "",
            issue.value ?? "", issue.reasonText,
        ] + (issue.row ?? [])
    }

    func close() {
        try? writer?.close()
        writer = nil
    }

    /// Closes and removes the file written so far.
    func discard() {
        close()
        Self.discard(path)
    }

    static func partial(_ path: String) -> String { path + ".partial" }

    /// Renames the written file (`PATH.partial`) to `path`; nothing when `path` is nil.
    static func publish(_ path: String?) throws {
        guard let path else { return }
        guard rename(partial(path), path) == 0 else {
            throw FileMapError.rejects("\(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the unpublished file for `path`, if there is one.
    static func discard(_ path: String?) {
        guard let path else { return }
        unlink(partial(path))
    }
}
