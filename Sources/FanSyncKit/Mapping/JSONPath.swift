import FanSyncIO

/// A path into a JSON element, as written in a JSON mapping's `from`.
///
/// - `first_name`, `public_metadata.daw`: members;
/// - `email_addresses[0]`: an array element;
/// - `phone_numbers[*].phone_number`: every element (values joined with ", ");
/// - `email_addresses[id=@primary_email_address_id].email_address`: the element
///   whose `id` equals the element's own `primary_email_address_id` (a path
///   after `@`, from the top of the element), or a literal (`[type=work]`).
public struct JSONPath: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        case member(String)
        case index(Int)
        case all
        case whereEquals(key: String, rootPath: [String])
        case whereLiteral(key: String, value: String)
    }

    let steps: [Step]
    public let text: String

    public init(_ text: String, file: String) throws(ConfigError) {
        self.text = text
        func fail(_ why: String) -> ConfigError {
            ConfigError(file: file, line: 0, column: 0, message: "path '\(text)': \(why)")
        }
        var steps: [Step] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            if rest.first == "." { rest.removeFirst() }
            let name = rest.prefix { $0 != "." && $0 != "[" }
            rest = rest.dropFirst(name.count)
            if !name.isEmpty { steps.append(.member(String(name))) }
            while rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else { throw fail("a '[' is never closed") }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
                if inside == "*" {
                    steps.append(.all)
                } else if let index = Int(inside), index >= 0 {
                    steps.append(.index(index))
                } else if let equals = inside.firstIndex(of: "=") {
                    let key = inside[..<equals].trimmingCharacters(in: .whitespaces)
                    let value = inside[inside.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                    guard !key.isEmpty, !value.isEmpty else { throw fail("a filter reads [key=@path] or [key=value]") }
                    if value.hasPrefix("@") {
                        steps.append(
                            .whereEquals(key: key, rootPath: value.dropFirst().split(separator: ".").map(String.init)))
                    } else {
                        steps.append(.whereLiteral(key: key, value: value))
                    }
                } else {
                    throw fail("'[\(inside)]' is not an index, [*] or a filter [key=@path]")
                }
            }
            if name.isEmpty && !(rest.isEmpty || rest.first == ".") { throw fail("unexpected '\(rest.prefix(1))'") }
        }
        guard !steps.isEmpty else { throw fail("empty path") }
        self.steps = steps
    }

    /// The values the path reaches in `root`.
    func values(in root: JSONValue) -> [JSONValue] {
        var current = [root]
        for step in steps {
            var next: [JSONValue] = []
            for value in current {
                switch step {
                case .member(let name):
                    if let member = value[name] { next.append(member) }
                case .index(let index):
                    if case .array(let items) = value, index < items.count { next.append(items[index]) }
                case .all:
                    if case .array(let items) = value { next += items }
                case .whereEquals(let key, let rootPath):
                    var target: JSONValue? = root
                    for name in rootPath { target = target?[name] }
                    guard let wanted = target?.text, case .array(let items) = value else { continue }
                    next += items.filter { $0[key]?.text == wanted }
                case .whereLiteral(let key, let wanted):
                    if case .array(let items) = value { next += items.filter { $0[key]?.text == wanted } }
                }
            }
            current = next
        }
        return current
    }

    /// The reached scalar values as text (several joined with ", "), or `nil`.
    public func text(in root: JSONValue) -> String? {
        let texts = values(in: root).compactMap(\.text)
        return texts.isEmpty ? nil : texts.joined(separator: ", ")
    }
}
