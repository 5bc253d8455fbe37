/// A problem in a mapping file, located to the YAML node.
///
/// ```
/// mappings/stripe.payments.yml:14:19: unknown transform 'lower' (did you mean 'lowercase'?)
/// ```
public struct MappingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based, from Yams' `Mark`; 0 when the problem is the whole file.
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
    }
}

/// Every problem found in one or more mapping files.
public struct MappingErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [MappingError]
    /// What kind of file the problems are in ("mapping files", "the job file"…), for the count line.
    public var document = "mapping files"

    public init(errors: [MappingError], document: String = "mapping files") {
        self.errors = errors
        self.document = document
    }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
            + (errors.count > 1 ? "\n\(errors.count) problems in \(document)." : "")
    }
}

import Foundation
import Yams

/// Reading a YAML configuration file (mapping, endpoints, job) into a node tree,
/// with the failure located to `file:line:column`.
enum YAMLFile {
    /// The document in `path`; `what` names it in messages ("job file").
    static func load(path: String, what: String) throws(MappingErrors) -> Node {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw MappingErrors(errors: [MappingError(file: path, line: 0, column: 0,
                                                      message: "cannot read the \(what): \(error.localizedDescription)")])
        }
        return try parse(text, file: path, what: what)
    }

    static func parse(_ text: String, file: String, what: String) throws(MappingErrors) -> Node {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw MappingErrors(errors: [MappingParser.locate(error, file: file)])
        } catch {
            throw MappingErrors(errors: [MappingError(file: file, line: 0, column: 0, message: "not valid YAML: \(error)")])
        }
        guard let node else {
            throw MappingErrors(errors: [MappingError(file: file, line: 0, column: 0, message: "the \(what) is empty")])
        }
        return node
    }
}
