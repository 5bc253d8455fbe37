import Foundation

/// Imports files into a store: each file streams through its mapping into the
/// ledger and the people it touched are recomputed, all in one transaction,
/// so a crash leaves the store as before the file or after it, never half.
public final class Importer {
    public let store: Store
    public let storeName: String
    public let library: MappingLibrary
    /// Called now and then while a file is read: the file, and how far the reading has come.
    public var onProgress: ((String, MapProgress) -> Void)?
    /// Called while a file's people are recomputed: file, people done, people touched.
    public var onPeopleProgress: ((String, Int, Int) -> Void)?

    public init(store: Store, storeName: String, library: MappingLibrary) {
        self.store = store
        self.storeName = storeName
        self.library = library
    }

    /// Imports one file (`-` reads standard input, spooled to a temporary file first
    /// so its content can be fingerprinted).
    public func importFile(_ path: String, options: MapOptions) throws -> ImportReport {
        var options = options
        var source = path
        var spooled: String?
        if path == "-" {
            spooled = try Self.spool()
            source = spooled ?? path
        }
        defer { if let spooled { try? FileManager.default.removeItem(atPath: spooled) } }
        let display = path == "-" ? "<stdin>" : path
        if spooled != nil { options.displayName = display }  // positions say <stdin>, not the spool file
        let fingerprint = try Self.fingerprint(source)

        // Same content through the same mapping, finished before: nothing to do.
        let mapping = try FileMapper.mapping(for: source, options: options, library: library)
        if let counts = try store.previousImport(store: storeName, fingerprint: fingerprint, mapping: mapping.name) {
            var report = FileReport(file: display, mapping: mapping.name, mappingDetected: options.mapping == nil)
            report.read = counts.read
            report.accepted = counts.accepted
            report.rejected = counts.rejected
            return ImportReport(file: report, alreadyImported: true)
        }
        let detected = options.mapping == nil
        options.mapping = mapping.file  // resolved once: the rows go through exactly this mapping
        options.publishRejects = false  // only once the transaction has committed
        if options.settings.normalizePhones, options.settings.phoneBook == nil,
            mapping.record.schema.contains(where: { $0.type == .phone })
        {
            // Opened for each file that has phone numbers (30 ms for a million numbers): what one
            // file learns is in the store for the next one, and no book stays in memory through
            // the files that have none.
            options.settings.phoneBook = try store.phoneBook()
        }

        var rejectsPath: String?
        do {
            let report = try importRows(
                source: source, display: display, fingerprint: fingerprint, mapping: mapping,
                detected: detected, options: options, rejectsPath: &rejectsPath)
            try RejectsFile.publish(rejectsPath)
            return report
        } catch {
            store.forgetLanded()
            RejectsFile.discard(rejectsPath)
            throw error
        }
    }

    /// Lands one file's rows and recomputes its people, in one transaction.
    private func importRows(
        source: String, display: String, fingerprint: String, mapping: Mapping, detected: Bool,
        options: MapOptions, rejectsPath: inout String?
    ) throws -> ImportReport {
        var workEnded = Date()
        var report = try store.transaction(loading: mapping.record) {
            let importID = try store.beginImport(
                store: storeName, file: display, fingerprint: fingerprint,
                at: Int64(Date().timeIntervalSince1970))
            let landStart = Date()
            let onProgress = self.onProgress
            var fileReport = try FileMapper.map(
                path: source, options: options, library: library,
                progress: onProgress.map { report in { report(display, $0) } },
                // The mapping threads work out what landing needs; this thread only writes.
                preparing: { Store.prepareLanding(&$0) }
            ) { fact in
                try self.store.land(fact, store: self.storeName, importID: importID)
            }
            // The numbers the rows taught the book, kept now: the book lets go of them before the
            // people phase, whose index sorts set the import's peak memory.
            if let book = options.settings.phoneBook { try store.rememberPhones(book) }
            rejectsPath = fileReport.rejectsPath
            fileReport.file = display
            fileReport.mapping = mapping.name
            fileReport.mappingDetected = detected
            let refreshStart = Date()
            if let onPeopleProgress { store.onPeopleProgress = { onPeopleProgress(display, $0, $1) } }
            defer { store.onPeopleProgress = nil }
            let people = try store.refreshTouched()
            // Rows of this file that belong to nobody yet: reported, stored and written beside the rejects.
            let nobody = try store.unattributed(importID: importID, file: display, limit: options.issueSampleLimit)
            fileReport.unattributed = nobody.count
            fileReport.unattributedSamples = nobody.samples
            rejectsPath = try RejectsFile.append(
                nobody.samples, to: rejectsPath, directory: options.rejectsDirectory,
                input: display)
            fileReport.rejectsPath = rejectsPath
            let refreshSeconds = Date().timeIntervalSince(refreshStart)
            let landSeconds = refreshStart.timeIntervalSince(landStart)
            try store.recordIssues(
                fileReport.issues + fileReport.warningSamples + fileReport.unattributedSamples,
                importID: importID)
            try store.finishImport(
                importID, report: fileReport, people: people, at: Int64(Date().timeIntervalSince1970))
            workEnded = Date()
            return ImportReport(
                file: fileReport, people: people, importID: importID, landSeconds: landSeconds,
                refreshSeconds: refreshSeconds)
        }
        report.commitSeconds = Date().timeIntervalSince(workEnded)
        report.wroteOnce = store.lastTransactionWroteOnce
        report.peopleLaps = store.peopleLaps
        return report
    }

    /// A fingerprint of a file's bytes (``FileFingerprint``: 128 bits plus the size).
    static func fingerprint(_ path: String) throws -> String {
        guard let file = fopen(path, "rb") else {
            throw InputError(.cannotOpen(String(cString: strerror(errno))), path: path)
        }
        defer { fclose(file) }
        var fingerprint = FileFingerprint()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            buffer.withUnsafeBytes { fingerprint.combine(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        return fingerprint.text
    }

    /// Copies standard input to a temporary file.
    static func spool() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fansync-stdin-\(UUID().uuidString)")
            .path
        guard let output = fopen(path, "wb") else {
            throw InputError(.cannotOpen(String(cString: strerror(errno))), path: path)
        }
        defer { fclose(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            _ = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, count, output) }
        }
        return path
    }
}
