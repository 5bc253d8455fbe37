import Foundation

/// Why a run could not start.
public struct JobError: DisposedError, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The lock file beside the store could not be created.
        case lockFile(reason: String)
        /// Another run holds the store (its process id as the lock file says), waited for in vain.
        case locked(pid: String, waited: Double)
    }

    public var kind: Kind
    /// The lock file, or the store another run holds.
    public var path: String
    public var disposition: ErrorDisposition {
        if case .locked = kind { return .retriable }
        return .fatal
    }

    public var description: String {
        switch kind {
        case .lockFile(let reason):
            return "\(path): cannot create the lock file: \(reason)"
        case .locked(let pid, let waited):
            return "\(path) is in use by another fansync run (pid \(pid)); waited \(Int(waited)) s. "
                + "Run again later, or pass --wait SECONDS to wait longer."
        }
    }
}

/// Runs a job: imports every source, refreshes people, pushes what changed —
/// under a lock so overlapping runs (cron firing while the last run is slow)
/// never interleave.
public final class JobRunner {
    public let job: Job
    public let dryRun: Bool
    /// Seconds to wait for another run's lock.
    public let wait: Double
    public var onProgress: ((String) -> Void)?
    /// Called while a source file is read: the file, and how far the reading has come.
    public var onFileProgress: ((String, MapProgress) -> Void)?

    public init(job: Job, dryRun: Bool = false, wait: Double = 0) {
        self.job = job
        self.dryRun = dryRun
        self.wait = wait
    }

    public func run() throws -> JobReport {
        let started = Date()
        let lock = try DatabaseLock(path: job.db + ".lock", wait: wait, database: job.db)
        defer { lock.release() }
        var report = JobReport(dryRun: dryRun)

        var path = job.db
        var scratch: String?
        if dryRun {
            // The dry run imports into a copy; the real store is only read.
            let copy = FileManager.default.temporaryDirectory.appendingPathComponent(
                "fansync-dry-run-\(UUID().uuidString).db"
            ).path
            if FileManager.default.fileExists(atPath: job.db) {
                try Store.snapshot(of: job.db, into: copy)
            }
            scratch = copy
            path = copy
        }
        defer {
            if let scratch {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratch + suffix) }
            }
        }
        let store = try Store(path: path)
        // Holding the lock, any run still marked running was interrupted.
        try store.markInterruptedRuns()
        report.runID = try store.startRun(job: job.file, store: job.store, at: Int64(started.timeIntervalSince1970))

        let library = MappingLibrary(directories: MappingLibrary.defaultDirectories(extra: job.mappingFolders))
        let importer = Importer(store: store, storeName: job.store, library: library)
        importer.onProgress = onFileProgress
        let files = job.files()
        report.unmatchedSources = job.sources.map(\.pattern).filter { Job.expand($0).isEmpty || !Job.exists($0) }
        if files.isEmpty {
            report.failures.append(
                JobFailure(
                    stage: .sources,
                    message: "\(job.file): no source matches a file ("
                        + job.sources.map(\.pattern).joined(separator: ", ")
                        + "); check the paths, relative to the job file", disposition: .fatal))
        }
        for (file, source) in files {
            let before = try store.rowsReadLastTime(file: file, store: job.store)
            var options = MapOptions(
                mapping: source.mapping, read: CSVReaderOptions(encoding: job.encoding),
                format: source.format, settings: job.settings,
                rejectsDirectory: dryRun ? nil : job.rejects)  // a dry run leaves no files
            options.issueSampleLimit = 100
            do {
                let result = try importer.importFile(file, options: options)
                report.imports.append(result)
                if !result.alreadyImported, let before, before > 0,
                    Double(result.file.read) < Double(before) * (1 - job.driftThreshold)
                {
                    report.driftWarnings.append(
                        String(
                            format:
                                "%@ has %d rows, the previous import had %lld (%.0f%%); check that the export is complete",
                            file, result.file.read, before, (Double(result.file.read) / Double(before) - 1) * 100))
                }
                onProgress?(
                    "\(file): "
                        + (result.alreadyImported
                            ? "already imported" : "\(result.file.accepted) accepted, \(result.file.rejected) rejected")
                )
            } catch {
                // The run goes on with the other files: skippable, unless a later try of the same file would do.
                let disposition = ErrorDisposition.of(error)
                report.failures.append(
                    JobFailure(
                        stage: .file(file), message: "\(error)",
                        disposition: disposition == .retriable ? .retriable : .skippable))
            }
        }

        for endpoint in job.endpoints {
            let pusher = Pusher(store: store, storeName: job.store, endpoint: endpoint)
            do {
                if dryRun {
                    report.plans.append(try pusher.plan())
                } else {
                    pusher.onProgress = onProgress
                    let summary = try pusher.apply()
                    report.pushes.append(summary)
                    if summary.failed, let problem = summary.problem {
                        // The outbox keeps what was not delivered: the next run sends it.
                        report.failures.append(
                            JobFailure(stage: .endpoint(endpoint.name), message: problem, disposition: .retriable))
                    }
                }
            } catch {
                // A PushError names its endpoint; a store's error is told where it happened.
                report.failures.append(
                    JobFailure(
                        stage: .endpoint(endpoint.name),
                        message: error is PushError ? "\(error)" : "endpoint '\(endpoint.name)': \(error)",
                        disposition: .of(error)))
            }
        }

        report.customers = try store.customerCount(store: job.store)
        report.fans = try store.fanCount(store: job.store)
        if let before = try store.customersAtLastRun(store: job.store, before: report.runID ?? 0), before > 0 {
            let change = Double(report.customers - Int(before)) / Double(before)
            if change <= -job.driftThreshold {
                report.driftWarnings.append(
                    String(
                        format:
                            "customers fell from %d to %d (%.0f%%) since the previous run; check that every export is complete",
                        before, report.customers, change * 100))
            }
        }
        report.elapsed = Date().timeIntervalSince(started)
        try store.finishRun(report, at: Int64(Date().timeIntervalSince1970))
        // After the run is recorded, so the page shows it among the last runs.
        if let path = job.report, !dryRun {
            do {
                let now = Int64(Date().timeIntervalSince1970)
                let data = try ReportData.gather(from: store, options: ReportOptions(store: job.store, asOf: now))
                try HTMLReport.write(data, to: path, generatedAt: now)
                report.reportPath = path
            } catch {
                // The run itself is done and recorded: a page that could not be written is a warning.
                report.reportProblem = "the report \(path) could not be written: \(error)"
            }
        }
        return report
    }
}

/// An exclusive lock on a store for the length of a run (`flock` on `<db>.lock`;
/// the kernel releases it if the process dies, so a crash never leaves it stuck).
final class DatabaseLock {
    private let descriptor: Int32

    init(path: String, wait: Double, database: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        descriptor = open(path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw JobError(kind: .lockFile(reason: String(cString: strerror(errno))), path: path)
        }
        let deadline = Date().addingTimeInterval(max(0, wait))
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if Date() >= deadline {
                var holder = [UInt8](repeating: 0, count: 32)
                let count = pread(descriptor, &holder, holder.count, 0)
                let pid =
                    count > 0
                    ? String(decoding: holder.prefix(count), as: UTF8.self).trimmingCharacters(
                        in: .whitespacesAndNewlines) : "?"
                close(descriptor)
                throw JobError(kind: .locked(pid: pid, waited: wait), path: database)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
