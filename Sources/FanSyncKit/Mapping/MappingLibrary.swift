import Foundation

/// The mappings fansync knows: the built-in ones plus the user's, by name.
public struct MappingLibrary: Sendable {
    public private(set) var mappings: [Mapping] = []
    /// Files that failed to load, with every problem in them.
    public private(set) var problems: [ConfigError] = []
    /// The folders read, in order (later folders override earlier names).
    public private(set) var directories: [String] = []

    /// The `file` of a built-in mapping: `<built-in>/NAME.yml`.
    public static let builtInPrefix = "<built-in>/"

    /// The built-in mappings (compiled into the binary), then every `*.yml` / `*.yaml` file in
    /// `directories`: a file whose mapping has a built-in's name replaces it, later folders win.
    public init(directories: [String], builtIn: Bool = true) {
        self.directories = directories
        var byName: [String: Int] = [:]
        func add(_ mapping: Mapping) {
            if let existing = byName[mapping.name] {
                mappings[existing] = mapping
            } else {
                byName[mapping.name] = mappings.count
                mappings.append(mapping)
            }
        }
        if builtIn {
            for file in BuiltInMappings.files {
                do { add(try Mapping.parse(yaml: file.yaml, file: Self.builtInPrefix + file.name)) } catch {
                    problems += error.errors
                }
            }
        }
        for directory in directories {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted()
            for name in files {
                let path = (directory as NSString).appendingPathComponent(name)
                do { add(try Mapping.load(path: path)) } catch { problems += error.errors }
            }
        }
    }

    /// The user's folders to read after the built-in mappings: `./mappings` when it exists,
    /// then each of `extra` (later ones win on a name clash).
    public static func defaultDirectories(extra: [String] = []) -> [String] {
        var folders: [String] = []
        let local = FileManager.default.currentDirectoryPath + "/mappings"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: local, isDirectory: &isDirectory), isDirectory.boolValue {
            folders.append(local)
        }
        return folders + extra
    }

    /// Where a mapping comes from: `built-in`, or its file.
    public static func origin(of mapping: Mapping) -> String {
        mapping.file.hasPrefix(builtInPrefix) ? "built-in" : mapping.file
    }

    /// The mapping called `name`, or loaded from `name` when it is a path to a file.
    public func resolve(_ name: String) throws(DetectionError) -> Mapping {
        if let mapping = mappings.first(where: { $0.name == name || $0.file == name }) { return mapping }
        if name.hasSuffix(".yml") || name.hasSuffix(".yaml") || name.contains("/") {
            do {
                return try Mapping.load(path: name)
            } catch {
                throw DetectionError(.invalidMapping(error), file: name)
            }
        }
        throw DetectionError(.unknownMapping(name, known: mappings.map(\.name).sorted()), file: name)
    }

    /// Picks the mapping whose `detect` columns the header has; the one
    /// naming the most columns wins. `file` is for messages.
    public func detect(header: [String], format: Mapping.Format, file: String) throws(DetectionError) -> Mapping {
        let index = HeaderIndex(header)
        let candidates = mappings.filter { $0.format == format }
        let matching = candidates.filter { $0.detect.allSatisfy { index.find($0) != nil } }
        if let best = matching.map(\.detect.count).max() {
            let top = matching.filter { $0.detect.count == best }
            if top.count == 1 { return top[0] }
            throw DetectionError(.ambiguous(top.map(\.name).sorted()), file: file)
        }
        let near = candidates.map { mapping in
            (mapping.name, mapping.detect.filter { index.find($0) == nil })
        }
        .sorted { ($0.1.count, $0.0) < ($1.1.count, $1.0) }
        .prefix(3)
        throw DetectionError(
            .unknown(
                near.map { DetectionError.Near(mapping: $0.0, missing: $0.1) },
                considered: candidates.map(\.name).sorted()), file: file)
    }
}

/// Why no mapping could be chosen for a file.
public struct DetectionError: DisposedError, Sendable {
    public struct Near: Sendable {
        public var mapping: String
        public var missing: [String]
    }

    public enum Kind: Sendable {
        /// No mapping's `detect` columns are all in the header: the closest, and every mapping considered.
        case unknown([Near], considered: [String])
        case ambiguous([String])
        case unknownMapping(String, known: [String])
        case invalidMapping(ConfigErrors)
    }

    public var kind: Kind
    public var file: String

    public init(_ kind: Kind, file: String) {
        self.kind = kind
        self.file = file
    }

    /// No mapping fits the file: name one, or write one.
    public var disposition: ErrorDisposition { .fatal }

    public var description: String {
        switch kind {
        case .unknown(let near, let considered):
            var text =
                "\(file): no mapping recognizes this header. Pass --mapping NAME or PATH, or write a mapping "
                + "(the built-in legacy.list is a commented template: mappings/template.yml in the repository)."
            text +=
                considered.isEmpty
                ? " No mappings were found for this format."
                : " Considered: " + considered.joined(separator: ", ") + "."
            if !near.isEmpty {
                text += " Closest:"
                for candidate in near {
                    text +=
                        "\n  \(candidate.mapping): missing "
                        + candidate.missing.map { "'\($0)'" }.joined(separator: ", ")
                }
            }
            return text
        case .ambiguous(let names):
            return "\(file): the header fits several mappings (" + names.joined(separator: ", ")
                + "). Pass --mapping NAME to choose."
        case .unknownMapping(let name, let known):
            return "no mapping named '\(name)'. Known mappings: " + known.joined(separator: ", ") + "."
        case .invalidMapping(let errors):
            return errors.description
        }
    }
}
