import Foundation
import Yams

/// A scheduled reconciliation job: which exports to import into which store,
/// and where to push what changed.
///
/// ```yaml
/// store: default
/// db: ${FANSYNC_DATA}/fansync.db        # relative paths are from the job file's folder
/// sources:
///   - exports/contacts.csv
///   - exports/stripe/*.csv               # globs
///   - { path: old/list.csv, mapping: legacy.list }
/// endpoints:
///   - name: crm
///     url: https://api.example.com/ingest
///     token_env: CRM_TOKEN
/// options:
///   region: US
///   currency: USD
/// ```
public struct Job: Sendable {
    public struct Source: Sendable, Equatable {
        public var pattern: String
        public var mapping: String?
        public var format: InputFormat?
    }

    public var file: String
    public var store = "default"
    public var db: String
    public var sources: [Source] = []
    public var endpoints: [Endpoint] = []
    public var settings = MappingSettings()
    public var encoding: TextEncoding = .auto
    public var rejects: String
    public var mappingFolders: [String] = []
    /// A drop in customers larger than this share, from one run to the next, is flagged.
    public var driftThreshold = 0.2
    /// Where `fansync report`'s page is written after every run (none when nil).
    public var report: String?

    /// The files the sources name, globs expanded, in order, each once.
    public func files() -> [(path: String, source: Source)] {
        var seen = Set<String>()
        var result: [(String, Source)] = []
        for source in sources {
            for path in Job.expand(source.pattern) where seen.insert(path).inserted { result.append((path, source)) }
        }
        return result
    }

    /// True when a pattern without wildcards names a file that is there (a glob is checked by expanding it).
    static func exists(_ pattern: String) -> Bool {
        pattern.contains(where: { "*?[".contains($0) }) || FileManager.default.fileExists(atPath: pattern)
    }

    static func expand(_ pattern: String) -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else { return [pattern] }
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(pattern, 0, nil, &matches) == 0 else { return [] }
        return (0..<Int(matches.gl_pathc)).compactMap { index in matches.gl_pathv[index].map { String(cString: $0) } }
            .sorted()
    }
}

public enum JobFile {
    static let keys = ["store", "db", "sources", "endpoints", "options", "report"]
    static let optionKeys = [
        "region", "zone", "currency", "phones", "encoding", "rejects", "mappings", "drift_threshold",
    ]

    /// Loads and checks a job file, with every problem reported as `file:line:column`.
    /// With `sending: false` (a dry run) endpoints may name environment variables that are not set.
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        sending: Bool = true
    ) throws(ConfigErrors) -> Job {
        do {
            return try parse(path: path, environment: environment, sending: sending)
        } catch {
            throw ConfigErrors(errors: error.errors, document: "the job file")
        }
    }

    private static func parse(path: String, environment: [String: String], sending: Bool) throws(ConfigErrors) -> Job {
        var errors: [ConfigError] = []
        func fail(_ message: String, _ node: Node?) {
            errors.append(
                ConfigError(file: path, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message: message)
            )
        }
        let root = try YAMLFile.load(path: path, what: "job file")
        guard let top = root.mapping else {
            throw ConfigErrors(errors: [
                ConfigError(
                    file: path, line: 1, column: 1,
                    message: "a job file is a mapping with store, db, sources, endpoints, options")
            ])
        }
        for (key, _) in top where !keys.contains(key.string ?? "") {
            let name = key.string ?? "?"
            let hint = closest(to: name, in: keys)
            fail(
                "unknown key '\(name)'" + (hint.isEmpty ? "" : " (did you mean '\(hint[0])'?)") + "; a job has "
                    + keys.joined(separator: ", "), key)
        }
        let folder = (URL(fileURLWithPath: path).deletingLastPathComponent().path as NSString)
        let here = FileManager.default.currentDirectoryPath + "/"
        func resolve(_ raw: String, _ node: Node?) -> String {
            let substituted = EndpointFile.substitute(raw, environment: environment, node: node, fail: fail)
            let full = substituted.hasPrefix("/") ? substituted : folder.appendingPathComponent(substituted)
            // Shown in messages and recorded as provenance: keep it short when it is under the working folder.
            let clean = URL(fileURLWithPath: full).standardizedFileURL.path
            return clean.hasPrefix(here) ? String(clean.dropFirst(here.count)) : clean
        }
        var namedMappings: [(name: String, node: Node?)] = []
        var job = Job(
            file: path, db: resolve(environment["FANSYNC_DB"] ?? "fansync.db", nil), rejects: resolve("rejects", nil))
        if let node = top["store"] {
            if let store = node.string, !store.isEmpty { job.store = store } else { fail("'store' is a name", node) }
        }
        if let node = top["db"] {
            if let db = node.string { job.db = resolve(db, node) } else { fail("'db' is a path", node) }
        }
        if let node = top["report"] {
            if let report = node.string, !report.isEmpty {
                job.report = resolve(report, node)
            } else {
                fail("'report' is the path of the HTML page to write after every run", node)
            }
        }
        if let node = top["sources"] {
            if let list = node.sequence {
                for item in list {
                    if let pattern = item.string {
                        job.sources.append(Job.Source(pattern: resolve(pattern, item)))
                    } else if let map = item.mapping {
                        for (key, _) in map where !["path", "mapping", "format"].contains(key.string ?? "") {
                            fail("a source has path, mapping and format; not '\(key.string ?? "?")'", key)
                        }
                        guard let pattern = map["path"]?.string else { fail("a source needs a 'path'", item); continue }
                        var source = Job.Source(pattern: resolve(pattern, map["path"]))
                        if let mapping = map["mapping"]?.string {
                            // A mapping name, or a path to a mapping file relative to the job.
                            source.mapping =
                                mapping.hasSuffix(".yml") || mapping.hasSuffix(".yaml")
                                ? resolve(mapping, map["mapping"]) : mapping
                            namedMappings.append((source.mapping ?? mapping, map["mapping"]))
                        }
                        if let format = map["format"] {
                            if let value = format.string, let parsed = InputFormat(rawValue: value) {
                                source.format = parsed
                            } else {
                                fail("'format' is csv or json", format)
                            }
                        }
                        job.sources.append(source)
                    } else {
                        fail("a source is a path (or glob), or { path, mapping }", item)
                    }
                }
            } else {
                fail("'sources' is a list of paths or { path, mapping }", node)
            }
        } else {
            fail("missing 'sources': the exports to import", root)
        }
        if let node = top["endpoints"] {
            do {
                job.endpoints = try EndpointFile.parse(
                    list: node, file: path, environment: environment, sending: sending)
            } catch {
                errors += error.errors
            }
        }
        if let node = top["options"] {
            guard let map = node.mapping else {
                fail("'options' is a mapping", node); throw ConfigErrors(errors: errors)
            }
            for (key, _) in map where !optionKeys.contains(key.string ?? "") {
                let name = key.string ?? "?"
                let hint = closest(to: name, in: optionKeys)
                fail(
                    "unknown option '\(name)'" + (hint.isEmpty ? "" : " (did you mean '\(hint[0])'?)")
                        + "; options are " + optionKeys.joined(separator: ", "), key)
            }
            if let value = map["region"] {
                if let region = value.string?.uppercased(), PhoneNormalizer.isSupported(region: region) {
                    job.settings.region = region
                } else {
                    fail("'region' is a region code such as US, GB, DE", value)
                }
            }
            if let value = map["zone"] {
                if let zone = value.string.flatMap(TimeZone.init(identifier:)) {
                    job.settings.zone = zone
                } else {
                    fail("'zone' is an IANA time zone such as Europe/Berlin", value)
                }
            }
            if let value = map["currency"] {
                if let code = value.string?.uppercased(), Currency.exponent(of: code) != nil {
                    job.settings.defaultCurrency = code
                } else {
                    fail("'currency' is an ISO 4217 code such as USD", value)
                }
            }
            if let value = map["phones"] {
                switch value.string {
                case "e164": job.settings.normalizePhones = true
                case "keep": job.settings.normalizePhones = false
                default: fail("'phones' is e164 or keep", value)
                }
            }
            if let value = map["encoding"] {
                if let encoding = value.string.flatMap(TextEncoding.init(rawValue:)) {
                    job.encoding = encoding
                } else {
                    fail("'encoding' is auto, utf-8, windows-1252 or utf-16", value)
                }
            }
            if let value = map["rejects"], let folder = value.string { job.rejects = resolve(folder, value) }
            if let value = map["mappings"] {
                let folders = value.sequence?.compactMap(\.string) ?? value.string.map { [$0] } ?? []
                job.mappingFolders = folders.map { resolve($0, value) }
            }
            if let value = map["drift_threshold"] {
                if let share = value.string.flatMap(Double.init), share > 0, share < 1 {
                    job.driftThreshold = share
                } else {
                    fail("'drift_threshold' is a share between 0 and 1, e.g. 0.2", value)
                }
            }
        }
        // Every mapping a source names must exist now, not after the sources before it were imported.
        if !namedMappings.isEmpty {
            let library = MappingLibrary(directories: MappingLibrary.defaultDirectories(extra: job.mappingFolders))
            for (name, node) in namedMappings {
                do {
                    _ = try library.resolve(name)
                } catch {
                    if case .unknownMapping(_, let known) = error.kind, let hint = closest(to: name, in: known).first {
                        fail("\(error.description) Did you mean '\(hint)'?", node)
                    } else {
                        fail(error.description, node)
                    }
                }
            }
        }
        if !errors.isEmpty {
            throw ConfigErrors(errors: errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return job
    }
}
