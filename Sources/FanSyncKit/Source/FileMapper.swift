import FanSyncCSV
import FanSyncIO
import Foundation

/// How to map one input file.
public struct MapOptions: Sendable {
    /// A mapping name or path; detected from the header when `nil`.
    public var mapping: String?
    public var read = CSVReaderOptions()
    /// CSV or JSON; from the file name when `nil`.
    public var format: InputFormat?
    public var settings = MappingSettings()
    /// The folder rejected rows are written to (`rejects/` by default); `nil` writes none.
    public var rejectsDirectory: String? = "rejects"
    /// How many issues a report keeps in memory to show (all are counted and written).
    public var issueSampleLimit = 100
    /// The name positions and rejects files give the input (`<stdin>` for standard input
    /// spooled to a temporary file); the path when `nil`.
    public var displayName: String?
    /// Whether ``FileMapper/map(path:options:library:onFact:)`` puts the rejects file in
    /// place when the file is mapped. An import sets this to false and publishes it only
    /// once the file's transaction commits (``RejectsFile/publish(_:)``), so a rolled-back
    /// import leaves no rejects file behind.
    public var publishRejects = true

    public init(mapping: String? = nil, read: CSVReaderOptions = CSVReaderOptions(), format: InputFormat? = nil,
                settings: MappingSettings = MappingSettings(), rejectsDirectory: String? = "rejects") {
        self.mapping = mapping
        self.read = read
        self.format = format
        self.settings = settings
        self.rejectsDirectory = rejectsDirectory
    }
}

/// What mapping one file did. `read == accepted + rejected`, always; warned rows are
/// among the accepted.
public struct FileReport: Sendable {
    public var file: String
    public var mapping: String
    public var mappingDetected: Bool
    public var read = 0
    public var accepted = 0
    public var rejected = 0
    /// Values left empty in accepted rows because a field could not use them.
    public var warnings = 0
    /// Accepted rows that belong to nobody yet (no email, no known customer id); set by an import.
    public var unattributed = 0
    /// The first of them.
    public var unattributedSamples: [RowIssue] = []
    /// Per column, slash dates that read both month first and day first (read month first, the
    /// default, since the mapping gives no `order`), and the first of them.
    public var ambiguousDates: [String: (count: Int, first: RowIssue)] = [:]
    /// The first issues (see ``MapOptions/issueSampleLimit``).
    public var issues: [RowIssue] = []
    /// The first warnings (see ``MapOptions/issueSampleLimit``).
    public var warningSamples: [RowIssue] = []
    /// Where every rejected row was written, if any was.
    public var rejectsPath: String?
    /// Reader and binding notices (encoding fallback, missing optional columns).
    public var notices: [String] = []
    /// Phone numbers kept as written because they are not valid.
    public var invalidPhones = 0
}

/// Errors that stop a file before its rows are read.
public enum FileMapError: Error, Sendable, CustomStringConvertible {
    case csv(CSVError)
    case json(JSONReaderError)
    case detection(DetectionError)
    case binding(MappingError)
    case formatMismatch(file: String, mapping: String, format: Mapping.Format)
    case rejects(String)

    public var description: String {
        switch self {
        case .csv(let error): return error.description
        case .json(let error): return error.description
        case .detection(let error): return error.description
        case .binding(let error): return error.description
        case .formatMismatch(let file, let mapping, let format):
            return "\(file): mapping '\(mapping)' reads \(format.rawValue) files. Pass --format or another --mapping."
        case .rejects(let why): return "cannot write the rejects file: \(why)"
        }
    }
}

/// How far mapping a file has come, for a progress line.
public struct MapProgress: Sendable, Equatable {
    /// Rows read (accepted and rejected).
    public var rows: Int
    /// Bytes of the file read (compressed bytes for a gzip file) and its size, when known.
    public var bytes: Int
    public var totalBytes: Int?

    public init(rows: Int, bytes: Int, totalBytes: Int?) {
        self.rows = rows
        self.bytes = bytes
        self.totalBytes = totalBytes
    }

    /// The share of the file read, 0…1, when its size is known.
    public var fraction: Double? {
        guard let totalBytes, totalBytes > 0 else { return nil }
        return min(1, Double(bytes) / Double(totalBytes))
    }
}

/// Streams one file through a mapping: every row becomes a fact or a rejection.
public enum FileMapper {
    /// Maps `path`, calling `onFact` for each accepted row, in file order, and `progress` now
    /// and then (on this thread) with how far the reading has come.
    public static func map(path: String, options: MapOptions, library: MappingLibrary,
                           progress: ((MapProgress) -> Void)? = nil,
                           onFact: (Fact) throws -> Void) throws -> FileReport {
        let format = options.format ?? InputFormat.guess(path: path)
        let display = options.displayName ?? (path == "-" ? "<stdin>" : path)
        let rejects = RejectsFile(directory: options.rejectsDirectory, input: display == "<stdin>" ? "stdin" : display)
        var mapped = false
        // A file that fails part-way leaves no rejects file: its rows are not imported.
        defer { if !mapped { rejects.discard() } }
        func finish(_ report: inout FileReport) throws {
            // One warning per file and column for dates that read both ways, at the first of them.
            for (_, found) in report.ambiguousDates.sorted(by: { $0.key < $1.key }) {
                var warning = found.first
                if case .ambiguousDates(let field, _) = warning.reason {
                    warning.reason = .ambiguousDates(field: field, count: found.count)
                }
                report.warnings += 1
                if report.warningSamples.count < options.issueSampleLimit { report.warningSamples.append(warning) }
                try rejects.write(warning)
            }
            rejects.close()
            if options.publishRejects { try RejectsFile.publish(rejects.path) }
            report.rejectsPath = rejects.path
            mapped = true
        }
        switch format {
        case .csv:
            let reader: CSVReader
            do { reader = try CSVReader(path: path, options: options.read) } catch { throw FileMapError.csv(error) }
            let header = reader.headerNames
            // The rejects file carries each rejected row whole (secret columns left out), under
            // the source's own column names, so a user can fix it there and import it again.
            let kept = header.indices.filter { !SensitiveColumns.isSensitive(header[$0]) }
            let hasSecrets = kept.count < header.count
            rejects.sourceHeader = kept.map { header[$0] }
            func original(_ record: CSVRecord) -> [String]? {
                // A ragged row's values are not where the header says: with a secret column in the
                // file, one of them could be the secret, under another name. Such a row is left out.
                if record.count != header.count && hasSecrets { return nil }
                var fields = kept.map { record[$0] ?? "" }
                if record.count > header.count { fields += (header.count..<record.count).map { record[$0] ?? "" } }
                return fields
            }
            let mapping: Mapping
            do {
                mapping = try choose(options.mapping, header: header, format: .csv, file: display, library: library)
            } catch {
                throw FileMapError.detection(error)
            }
            guard mapping.format == .csv else {
                throw FileMapError.formatMismatch(file: display, mapping: mapping.name, format: mapping.format)
            }
            let compiled: CompiledMapping
            do {
                compiled = try CompiledMapping(mapping, header: header, settings: options.settings)
            } catch {
                throw FileMapError.binding(error)
            }
            var report = FileReport(file: display, mapping: mapping.name, mappingDetected: options.mapping == nil)
            report.notices = compiled.notices
            let expected = header.count
            // Three stages overlap: one thread reads batches of records, a thread per core maps
            // them (mapping is a pure function of the row; libphonenumber alone costs ~14 µs a
            // number), and this thread hands the facts on in file order while the next batches are
            // read and mapped.
            // Only phone fields can hold an invalid number (looking at every value cost a copy each).
            let phoneSlots = phoneSlots(mapping)
            let pipeline = MappingPipeline(reader: reader, compiled: compiled, file: display, expectedFields: expected)
            defer { pipeline.stop() }
            while let batch = try nextBatch(pipeline) {
                for index in 0..<batch.count {
                    report.read += 1
                    // Copied, not moved out: the batch keeps the fact until it is mapped again,
                    // so a mapping thread frees it and this thread only hands it on.
                    switch batch.results[index] {
                    case .success(let fact):
                        report.accepted += 1
                        for slot in phoneSlots {
                            if case .phone(_, .invalid)? = fact.values[slot] { report.invalidPhones += 1 }
                        }
                        if !fact.warnings.isEmpty {
                            let row = original(batch.records[index])
                            try warn(fact.warnings.map { var warning = $0; warning.row = row; return warning },
                                     report: &report, rejects: rejects, limit: options.issueSampleLimit)
                        }
                        try onFact(fact)
                    case .failure(var issue):
                        issue.row = original(batch.records[index])
                        try reject(issue, report: &report, rejects: rejects, limit: options.issueSampleLimit)
                    case nil:
                        break
                    }
                }
                pipeline.recycle(batch)
                if let progress {
                    let read = reader.progress
                    progress(MapProgress(rows: report.read, bytes: read.bytes, totalBytes: read.total))
                }
            }
            pipeline.stop()
            report.notices = reader.notices + report.notices
            try finish(&report)
            return report
        case .json:
            let reader: JSONStreamReader
            do { reader = try JSONStreamReader(path: path) } catch { throw FileMapError.json(error) }
            // Elements one at a time; a malformed one is an issue, not the end.
            func nextElement() throws -> Result<JSONElement, RowIssue>? {
                do {
                    return try reader.next().map { .success($0) }
                } catch where error.isSkippable {
                    var why = error.description
                    if case .malformedElement(let reason) = error.kind { why = "element \(error.index ?? 0): \(reason)" }
                    return .failure(RowIssue(file: display, line: error.line ?? 0, column: nil, columnName: nil, value: nil,
                                             reason: .malformedJSON(why)))
                } catch {
                    throw FileMapError.json(error)
                }
            }
            // The first well-formed element's keys stand for the header.
            var pending: [RowIssue] = []
            var first: JSONElement?
            while first == nil, let item = try nextElement() {
                switch item {
                case .success(let element): first = element
                case .failure(let issue): pending.append(issue)
                }
            }
            var compiled: CompiledMapping?
            var report = FileReport(file: display, mapping: options.mapping ?? "-", mappingDetected: false)
            rejects.sourceHeader = ["original"]
            if let first {
                let keys: [String]
                if case .object(let members) = first.value { keys = Array(members.keys) } else { keys = [] }
                let mapping: Mapping
                do {
                    mapping = try choose(options.mapping, header: keys, format: .json, file: display, library: library)
                } catch {
                    throw FileMapError.detection(error)
                }
                guard mapping.format == .json else {
                    throw FileMapError.formatMismatch(file: display, mapping: mapping.name, format: mapping.format)
                }
                do {
                    compiled = try CompiledMapping(jsonMapping: mapping, settings: options.settings)
                } catch {
                    throw FileMapError.binding(error)
                }
                report = FileReport(file: display, mapping: mapping.name, mappingDetected: options.mapping == nil)
                report.notices = compiled?.notices ?? []
            }
            for issue in pending {
                report.read += 1
                try reject(issue, report: &report, rejects: rejects, limit: options.issueSampleLimit)
            }
            if let compiled, let first {
                var item: Result<JSONElement, RowIssue>? = .success(first)
                while let current = item {
                    report.read += 1
                    let element = try? current.get()
                    switch current.flatMap({ compiled.apply($0, file: display) }) {
                    case .success(let fact):
                        report.accepted += 1
                        for slot in phoneSlots(compiled.mapping) {
                            if case .phone(_, .invalid)? = fact.values[slot] { report.invalidPhones += 1 }
                        }
                        if !fact.warnings.isEmpty {
                            let row = element.map { [Self.original($0.value)] }
                            try warn(fact.warnings.map { var warning = $0; warning.row = row; return warning },
                                     report: &report, rejects: rejects, limit: options.issueSampleLimit)
                        }
                        try onFact(fact)
                    case .failure(var issue):
                        if let element { issue.row = [Self.original(element.value)] }
                        try reject(issue, report: &report, rejects: rejects, limit: options.issueSampleLimit)
                    }
                    item = try nextElement()
                    if let progress, report.read % 1024 == 0 {
                        let read = reader.input.source.progress
                        progress(MapProgress(rows: report.read, bytes: read.bytes, totalBytes: read.total))
                    }
                }
            }
            try finish(&report)
            return report
        }
    }

    /// A JSON element as compact JSON with sorted keys, every member whose name looks secret left out.
    static func original(_ value: JSONValue) -> String {
        func clean(_ value: JSONValue) -> JSONValue {
            switch value {
            case .object(let members):
                return .object(members.filter { !SensitiveColumns.isSensitive($0.key) }.mapValues(clean))
            case .array(let items): return .array(items.map(clean))
            default: return value
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(clean(value)) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    private static func nextBatch(_ pipeline: MappingPipeline) throws -> MappingPipeline.Batch? {
        do { return try pipeline.next() } catch { throw FileMapError.csv(error) }
    }

    /// The mapping `map` would use for `path`, found from the header (or the
    /// first JSON element) without reading further.
    public static func mapping(for path: String, options: MapOptions, library: MappingLibrary) throws -> Mapping {
        let format = options.format ?? InputFormat.guess(path: path)
        let display = options.displayName ?? (path == "-" ? "<stdin>" : path)
        do {
            switch format {
            case .csv:
                let reader: CSVReader
                do { reader = try CSVReader(path: path, options: options.read) } catch { throw FileMapError.csv(error) }
                return try choose(options.mapping, header: reader.headerNames, format: .csv, file: display, library: library)
            case .json:
                if let name = options.mapping { return try library.resolve(name) }
                let reader: JSONStreamReader
                do { reader = try JSONStreamReader(path: path) } catch { throw FileMapError.json(error) }
                var keys: [String] = []
                while true {
                    do {
                        guard let element = try reader.next() else { break }
                        if case .object(let members) = element.value { keys = Array(members.keys) }
                        break
                    } catch where error.isSkippable {
                        continue
                    } catch {
                        throw FileMapError.json(error)
                    }
                }
                return try library.detect(header: keys, format: .json, file: display)
            }
        } catch let error as DetectionError {
            throw FileMapError.detection(error)
        }
    }

    private static func choose(_ name: String?, header: [String], format: Mapping.Format, file: String,
                               library: MappingLibrary) throws(DetectionError) -> Mapping {
        if let name { return try library.resolve(name) }
        return try library.detect(header: header, format: format, file: file)
    }

    /// The slots of a mapping's record that hold phone numbers (only they can hold an invalid one).
    private static func phoneSlots(_ mapping: Mapping) -> [Int] {
        mapping.record.schema.indices.filter { mapping.record.schema[$0].type == .phone }
    }

    private static func warn(_ warnings: [RowIssue], report: inout FileReport, rejects: RejectsFile, limit: Int) throws {
        for warning in warnings {
            if case .ambiguousDates = warning.reason {
                // Counted per column and said once for the file (see ``FileReport/ambiguousDates``).
                let column = warning.columnName ?? warning.reasonText
                if report.ambiguousDates[column] == nil { report.ambiguousDates[column] = (0, warning) }
                report.ambiguousDates[column]?.count += 1
                continue
            }
            report.warnings += 1
            if report.warningSamples.count < limit { report.warningSamples.append(warning) }
            try rejects.write(warning)
        }
    }

    private static func reject(_ issue: RowIssue, report: inout FileReport, rejects: RejectsFile, limit: Int) throws {
        report.rejected += 1
        if report.issues.count < limit { report.issues.append(issue) }
        try rejects.write(issue)
    }
}

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
            if writer == nil { (writer, path) = try Self.create(directory: directory, input: input, sourceHeader: sourceHeader) }
            try writer?.write(Self.row(issue))
        } catch {
            throw FileMapError.rejects("\(error)")
        }
    }

    /// A new (partial) rejects file for `input` in `directory`, with its header; and its final path.
    private static func create(directory: String, input: String, sourceHeader: [String] = []) throws -> (CSVWriter, String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stamp = UTCTime.iso8601(Int64(Date().timeIntervalSince1970)).replacingOccurrences(of: ":", with: "")
        var base = (input as NSString).lastPathComponent
        for suffix in [".gz", ".csv", ".json", ".ndjson", ".jsonl", ".txt"] where base.lowercased().hasSuffix(suffix) {
            base.removeLast(suffix.count)
        }
        var candidate = (directory as NSString).appendingPathComponent("\(stamp)-\(base).rejects.csv")
        var counter = 2
        while FileManager.default.fileExists(atPath: candidate) || FileManager.default.fileExists(atPath: partial(candidate)) {
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
        [issue.disposition.rawValue, issue.file, String(issue.line), issue.column.map(String.init) ?? "", issue.columnName ?? "",
         issue.value ?? "", issue.reasonText] + (issue.row ?? [])
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

/// Reads, maps and hands on batches of CSV records in overlapping stages: one thread
/// reads batches, one mapping thread per core maps whole batches (the compiled mapping is
/// immutable and its steps are pure; libphonenumber is thread-safe), and the consumer
/// takes them back in file order. A fixed number of batches circulates, so memory stays
/// at a few batches whatever the file's size.
///
/// (Splitting each batch across the cores instead made every batch wait for its slowest
/// half, and with the reader on one of two cores that half was often the one sharing it.)
final class MappingPipeline: @unchecked Sendable {
    /// One batch of rows, in file order.
    final class Batch: @unchecked Sendable {
        var records: [CSVRecord]
        /// The mapped rows. A batch keeps the facts it last held until it is mapped again,
        /// so they are freed by a mapping thread, not by the consumer.
        var results: [Result<Fact, RowIssue>?]
        var count = 0
        /// The batch's place in the file.
        var sequence = 0

        init(capacity: Int) {
            records = Array(repeating: CSVRecord(), count: capacity)
            results = Array(repeating: nil, count: capacity)
        }

        /// Maps `records[0..<count]` into `results`.
        func map(_ compiled: CompiledMapping, file: String, expectedFields: Int) {
            records.withUnsafeBufferPointer { records in
                results.withUnsafeMutableBufferPointer { results in
                    for index in 0..<count {
                        results[index] = compiled.apply(records[index], file: file, expectedFields: expectedFields)
                    }
                }
            }
        }
    }

    enum Item {
        case batch(Batch)
        case failed(CSVError)
    }

    static let batchSize = 1024
    let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    private let read: BoundedQueue<Batch>
    /// Mapped batches by sequence, for the consumer to take in order.
    private let mapped = ReorderBuffer<Item>()
    /// Batches handed back for reuse; the reader waits here once all are in flight.
    private let spare: BoundedQueue<Batch>
    /// Signalled once by each stage's thread when it ends.
    private let finished = DispatchSemaphore(value: 0)
    private var taken = 0
    private var stopped = false

    init(reader: CSVReader, compiled: CompiledMapping, file: String, expectedFields: Int) {
        let reader = UncheckedReader(reader: reader)
        let total = 2 * workers + 2
        read = BoundedQueue<Batch>(capacity: workers + 1)
        spare = BoundedQueue<Batch>(capacity: total)
        for _ in 0..<total { _ = spare.put(Batch(capacity: Self.batchSize)) }
        let (read, mapped, spare, finished, workers) = (read, mapped, spare, finished, workers)
        let compiled = UncheckedMapping(compiled: compiled)
        // Dedicated threads: every stage blocks on a queue.
        Thread.detachNewThread {
            defer { read.close(); finished.signal() }
            var sequence = 0
            while let batch = spare.take() {
                batch.sequence = sequence
                // Filled through one borrow of the batch's records (an element of a class's array
                // costs a dynamic exclusivity check on every access).
                let (count, failure) = batch.records.withUnsafeMutableBufferPointer { records -> (Int, CSVError?) in
                    var count = 0
                    do throws(CSVError) {
                        while count < Self.batchSize, try reader.reader.read(into: &records[count]) { count += 1 }
                    } catch {
                        return (count, error)
                    }
                    return (count, nil)
                }
                batch.count = count
                if let error = failure {
                    // Where the file stops being readable: after the rows read before it.
                    if batch.count > 0 {
                        if !read.put(batch) { return }
                        sequence += 1
                    }
                    mapped.put(.failed(error), at: sequence)
                    mapped.finish(at: sequence + 1)
                    return
                }
                if batch.count > 0 {
                    if !read.put(batch) { return }
                    sequence += 1
                }
                if batch.count < Self.batchSize {
                    mapped.finish(at: sequence)
                    return
                }
            }
        }
        for _ in 0..<workers {
            Thread.detachNewThread {
                defer { finished.signal() }
                // The reader is the pipeline's critical path: mapping yields the core to it.
                // (On Linux the nice value is per thread, and 0 names the calling thread.)
                #if os(Linux)
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
                #endif
                while let batch = read.take() {
                    batch.map(compiled.compiled, file: file, expectedFields: expectedFields)
                    mapped.put(.batch(batch), at: batch.sequence)
                }
            }
        }
    }

    /// The next mapped batch, in file order; nil at the end of the file.
    /// - Throws: the reader's error, where the file stopped being readable.
    func next() throws(CSVError) -> Batch? {
        defer { taken += 1 }
        switch mapped.take(taken) {
        case .batch(let batch)?: return batch
        case .failed(let error)?: throw error
        case nil: return nil
        }
    }

    /// Hands a batch back once its facts are used, for the reader to fill again.
    func recycle(_ batch: Batch) {
        _ = spare.put(batch)
    }

    /// Stops the stages (when the consumer gives up early) and waits for them.
    func stop() {
        guard !stopped else { return }
        stopped = true
        read.close()
        mapped.close()
        spare.close()
        for _ in 0...workers { finished.wait() }
    }
}

/// Items put by several threads under sequence numbers, taken in sequence order.
final class ReorderBuffer<Element>: @unchecked Sendable {
    private var items: [Int: Element] = [:]
    /// The sequence number after the last item, once known.
    private var end: Int?
    private var closed = false
    private let condition = NSCondition()

    func put(_ item: Element, at sequence: Int) {
        condition.lock()
        items[sequence] = item
        condition.broadcast()
        condition.unlock()
    }

    /// Says that `sequence` is one past the last item.
    func finish(at sequence: Int) {
        condition.lock()
        end = sequence
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for item `sequence`; nil past the end or once closed.
    func take(_ sequence: Int) -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items[sequence] == nil && !closed {
            if let end, sequence >= end { return nil }
            condition.wait()
        }
        return items.removeValue(forKey: sequence)
    }

    /// Wakes every waiter; takes return what is already there, or nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// The compiled mapping, shared by the mapping threads: immutable, its steps pure.
struct UncheckedMapping: @unchecked Sendable {
    let compiled: CompiledMapping
}

/// The reader, handed to the reading thread (which alone uses it until the pipeline stops).
struct UncheckedReader: @unchecked Sendable {
    let reader: CSVReader
}

/// A first-in first-out queue of at most `capacity` items between two threads.
final class BoundedQueue<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var closed = false
    private let condition = NSCondition()

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room; false when the queue was closed (the item is dropped).
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !closed { condition.wait() }
        if closed { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Waits for an item; nil once the queue is closed and empty.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.count == head && !closed { condition.wait() }
        return pop()
    }

    private func pop() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        condition.broadcast()
        return item
    }

    /// Wakes every waiter; later puts are refused, takes drain what is left.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
