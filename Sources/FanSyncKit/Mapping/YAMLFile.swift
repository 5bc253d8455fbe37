import Foundation
import Yams

/// Reading a YAML configuration file (mapping, endpoints, job) into a node tree,
/// with the failure located to `file:line:column`.
enum YAMLFile {
    /// The document in `path`; `what` names it in messages ("job file").
    static func load(path: String, what: String) throws(MappingErrors) -> Node {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw MappingErrors(errors: [
                MappingError(
                    file: path, line: 0, column: 0,
                    message: "cannot read the \(what): \(error.localizedDescription)")
            ])
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
            throw MappingErrors(errors: [
                MappingError(file: file, line: 0, column: 0, message: "not valid YAML: \(error)")
            ])
        }
        guard let node else {
            throw MappingErrors(errors: [MappingError(file: file, line: 0, column: 0, message: "the \(what) is empty")])
        }
        return node
    }
}
