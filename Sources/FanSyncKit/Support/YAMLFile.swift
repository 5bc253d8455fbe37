import Foundation
import Yams

/// Reading a YAML configuration file (mapping, endpoints, job) into a node tree,
/// with the failure located to `file:line:column`.
enum YAMLFile {
    /// The document in `path`; `what` names it in messages ("job file").
    static func load(path: String, what: String) throws(ConfigErrors) -> Node {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigErrors(errors: [
                ConfigError(
                    file: path, line: 0, column: 0,
                    message: "cannot read the \(what): \(error.localizedDescription)")
            ])
        }
        return try parse(text, file: path, what: what)
    }

    static func parse(_ text: String, file: String, what: String) throws(ConfigErrors) -> Node {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigErrors(errors: [locate(error, file: file)])
        } catch {
            throw ConfigErrors(errors: [
                ConfigError(file: file, line: 0, column: 0, message: "not valid YAML: \(error)")
            ])
        }
        guard let node else {
            throw ConfigErrors(errors: [ConfigError(file: file, line: 0, column: 0, message: "the \(what) is empty")])
        }
        return node
    }

    /// A YAML syntax error as a problem located to `file:line:column`.
    static func locate(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            return ConfigError(
                file: file, line: mark.line, column: mark.column,
                message: "not valid YAML: " + [context?.text, problem].compactMap { $0 }.joined(separator: " "))
        default:
            return ConfigError(file: file, line: 0, column: 0, message: "not valid YAML: \(error)")
        }
    }
}
