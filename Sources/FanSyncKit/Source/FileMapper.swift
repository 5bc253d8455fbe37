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

    public init(
        mapping: String? = nil, read: CSVReaderOptions = CSVReaderOptions(), format: InputFormat? = nil,
        settings: MappingSettings = MappingSettings(), rejectsDirectory: String? = "rejects"
    ) {
        self.mapping = mapping
        self.read = read
        self.format = format
        self.settings = settings
        self.rejectsDirectory = rejectsDirectory
    }
}

/// Errors that stop a file before its rows are read.
public enum FileMapError: DisposedError, Sendable {
    case csv(CSVError)
    case json(JSONReaderError)
    case detection(DetectionError)
    case binding(ConfigError)
    case formatMismatch(file: String, mapping: String, format: Mapping.Format)
    case rejects(String)

    /// What went wrong with the file decides: a file that cannot be read, or a mapping that does
    /// not fit it, is fixed first.
    public var disposition: ErrorDisposition {
        switch self {
        case .csv(let error): return error.disposition
        case .json(let error): return error.disposition
        case .detection, .binding, .formatMismatch, .rejects: return .fatal
        }
    }

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
    /// and then (on this thread) with how far the reading has come. A CSV file's facts first
    /// go through `preparing` on the mapping threads (a JSON file is mapped on this thread:
    /// its facts come as they are).
    public static func map(
        path: String, options: MapOptions, library: MappingLibrary,
        progress: ((MapProgress) -> Void)? = nil,
        preparing prepare: (@Sendable (inout Fact) -> Void)? = nil,
        onFact: (Fact) throws -> Void
    ) throws -> FileReport {
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
            let mapping = try chooseMapping(
                options.mapping, header: header, format: .csv, file: display, library: library)
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
            let pipeline = MappingPipeline(
                reader: reader, compiled: compiled, file: display, expectedFields: expected, prepare: prepare)
            defer { pipeline.stop() }
            while let batch = try nextBatch(pipeline) {
                for index in 0..<batch.count {
                    // Copied, not moved out: the batch keeps the fact until it is mapped again,
                    // so a mapping thread frees it and this thread only hands it on.
                    guard let result = batch.results[index] else { continue }
                    try take(
                        result, row: { original(batch.records[index]) }, phoneSlots: phoneSlots, report: &report,
                        rejects: rejects, limit: options.issueSampleLimit, onFact: onFact)
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
                } catch  where error.isSkippable {
                    var why = error.description
                    if case .malformedElement(let reason) = error.kind {
                        why = "element \(error.index ?? 0): \(reason)"
                    }
                    return .failure(
                        RowIssue(
                            file: display, line: error.line ?? 0, column: nil, columnName: nil, value: nil,
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
                let mapping = try chooseMapping(
                    options.mapping, header: keys, format: .json, file: display, library: library)
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
                let phoneSlots = phoneSlots(compiled.mapping)
                var item: Result<JSONElement, RowIssue>? = .success(first)
                while let current = item {
                    let element = try? current.get()
                    try take(
                        current.flatMap { compiled.apply($0, file: display) },
                        row: { element.map { [Self.original($0.value)] } }, phoneSlots: phoneSlots, report: &report,
                        rejects: rejects, limit: options.issueSampleLimit, onFact: onFact)
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

    /// Counts one mapped row, from either format, and hands it on: an accepted fact (its warnings
    /// written beside the rejects with the source row), or a rejection with the source row. `row`
    /// is asked for only when an issue needs it.
    private static func take(
        _ result: Result<Fact, RowIssue>, row: () -> [String]?, phoneSlots: [Int], report: inout FileReport,
        rejects: RejectsFile, limit: Int, onFact: (Fact) throws -> Void
    ) throws {
        report.read += 1
        switch result {
        case .success(let fact):
            report.accepted += 1
            for slot in phoneSlots {
                if case .phone(_, .invalid)? = fact.values[slot] { report.invalidPhones += 1 }
            }
            if !fact.warnings.isEmpty {
                let original = row()
                let warnings = fact.warnings.map {
                    var warning = $0
                    warning.row = original
                    return warning
                }
                try warn(warnings, report: &report, rejects: rejects, limit: limit)
            }
            try onFact(fact)
        case .failure(var issue):
            issue.row = row()  // nil where the row cannot be shown safely (a ragged row beside a secret column)
            try reject(issue, report: &report, rejects: rejects, limit: limit)
        }
    }

    /// The mapping a file goes through (named, or detected from its header or first element's
    /// keys), which must read the file's format.
    private static func chooseMapping(
        _ name: String?, header: [String], format: Mapping.Format, file: String, library: MappingLibrary
    ) throws -> Mapping {
        let mapping: Mapping
        do {
            mapping = try choose(name, header: header, format: format, file: file, library: library)
        } catch {
            throw FileMapError.detection(error)
        }
        guard mapping.format == format else {
            throw FileMapError.formatMismatch(file: file, mapping: mapping.name, format: mapping.format)
        }
        return mapping
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
                return try choose(
                    options.mapping, header: reader.headerNames, format: .csv, file: display, library: library)
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
                    } catch  where error.isSkippable {
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

    private static func choose(
        _ name: String?, header: [String], format: Mapping.Format, file: String,
        library: MappingLibrary
    ) throws(DetectionError) -> Mapping {
        if let name { return try library.resolve(name) }
        return try library.detect(header: header, format: format, file: file)
    }

    /// The slots of a mapping's record that hold phone numbers (only they can hold an invalid one).
    private static func phoneSlots(_ mapping: Mapping) -> [Int] {
        mapping.record.schema.indices.filter { mapping.record.schema[$0].type == .phone }
    }

    private static func warn(_ warnings: [RowIssue], report: inout FileReport, rejects: RejectsFile, limit: Int) throws
    {
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
