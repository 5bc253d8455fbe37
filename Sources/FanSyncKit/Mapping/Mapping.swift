import Foundation
import Yams

/// A declarative mapping from one export's columns to one kind of fact.
///
/// Loaded from a YAML file in `mappings/` and checked in full when loaded:
/// see "Mapping files" in README.md for the reference.
public struct Mapping: Sendable {
    public enum Format: String, Sendable { case csv, json }

    /// How a row's source id (the ledger key) is found.
    public enum Key: Sendable, Equatable {
        /// A column (CSV) or path (JSON) holding the source's own id.
        case column(String)
        /// The source has no id: a hash of these fields' normalized values stands
        /// in (all fields when the list is empty), so a re-export with other
        /// values in the remaining fields updates the same ledger row.
        case hash([String])

        /// A hash of every mapped value.
        public static let none = Key.hash([])
    }

    /// How one output field is filled.
    /// What a field does with a value its transforms cannot use. Only what a record cannot
    /// do without rejects its row: its email, and the fields marked required (a payment's
    /// amount, currency and status); any other field is left empty with a warning.
    public enum OnInvalid: String, Sendable {
        /// The row is rejected.
        case reject
        /// The field stays empty; the row is accepted with a warning (file:line:column, value, reason).
        case warn
        /// The field stays empty, silently.
        case skip

        /// The rule when the mapping does not say: required fields and emails reject, others warn.
        static func `default`(field: String, required: Bool) -> OnInvalid {
            required || field == "email" ? .reject : .warn
        }
    }

    public struct Field: Sendable {
        public var name: String
        /// Source columns (CSV) or paths (JSON), tried in order; the first non-empty wins
        /// (or all are joined, with the `join` transform).
        public var from: [String]
        public var transforms: [Transform]
        /// A row with no value here is rejected.
        public var required: Bool
        /// What a value the transforms reject does (see ``OnInvalid``).
        public var onInvalid: OnInvalid
        /// Where the field is declared, for messages.
        public var line: Int
        public var column: Int
    }

    public var name: String
    public var description: String
    public var record: RecordKind
    /// The system the export comes from (`stripe`, `clerk`): `system:`, else the name up to its
    /// first dot. With the record kind it names the ledger's source, so every mapping of the same
    /// export (a renamed copy, Clerk's CSV and its JSON) lands the same fact once.
    public var system: String
    public var format: Format
    /// Columns (or top-level keys) whose presence identifies the export.
    public var detect: [String]
    public var key: Key
    public var fields: [Field]
    /// The file the mapping was loaded from.
    public var file: String

    /// The ledger's source for this mapping's facts: the system and the record kind (`stripe.payments`).
    public var ledgerSource: String { system + "." + record.sourceNoun }

    /// The system of a mapping called `name` that does not say: its name up to the first dot.
    static func system(ofName name: String) -> String {
        String(name.prefix(while: { $0 != "." })).lowercased()
    }

    /// Every column or path the mapping reads.
    public var columns: [String] {
        var names: [String] = []
        if case .column(let key) = key { names.append(key) }
        for field in fields { names += field.from }
        return names
    }
}

/// Column names that hold secrets. A mapping naming one is refused when
/// loaded, so secrets in an export never leave the reader's byte buffer.
public enum SensitiveColumns {
    static let markers = [
        "password", "passwd", "digest", "hasher", "totp", "secret", "backupcode",
        "recoverycode", "cardnumber", "creditcard", "cvc", "cvv", "privatemetadata",
    ]

    /// True when `name` looks like a secret column (`password_digest`, `TOTP Secret`, `card_number`…).
    public static func isSensitive(_ name: String) -> Bool {
        let squashed = String(name.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) })
        return markers.contains(where: squashed.contains)
    }

    /// What `inspect` shows instead of a secret column's value.
    public static let hidden = "(secret, not shown)"

    /// The fields of a record under `header`, secret columns' values hidden (empty ones stay empty).
    public static func masked(_ fields: [String], header: [String]) -> [String] {
        fields.enumerated().map { index, value in
            index < header.count && !value.isEmpty && isSensitive(header[index]) ? hidden : value
        }
    }

    /// A JSON value with the values of secret keys hidden, at any depth.
    public static func masked(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(
                members.reduce(into: [:]) { result, member in
                    // Flags (`password_enabled: true`) say nothing secret; text, numbers and nested values might.
                    var secret = isSensitive(member.key)
                    switch member.value {
                    case .null, .bool, .string(""): secret = false
                    default: break
                    }
                    result[member.key] = secret ? .string(hidden) : masked(member.value)
                })
        case .array(let items):
            return .array(items.map(masked))
        default:
            return value
        }
    }
}

extension Mapping {
    /// Loads and checks the mapping in `path`.
    /// - Throws: ``ConfigErrors`` listing every problem found, each with `file:line:column`.
    public static func load(path: String) throws(ConfigErrors) -> Mapping {
        var parser = MappingParser(file: path)
        let mapping = parser.parse(root: try YAMLFile.load(path: path, what: "mapping file"))
        guard parser.errors.isEmpty, let mapping else {
            throw ConfigErrors(errors: parser.errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return mapping
    }

    /// Parses and checks a mapping from YAML text.
    public static func parse(yaml: String, file: String) throws(ConfigErrors) -> Mapping {
        var parser = MappingParser(file: file)
        let mapping = parser.parse(root: try YAMLFile.parse(yaml, file: file, what: "mapping file"))
        guard parser.errors.isEmpty, let mapping else {
            throw ConfigErrors(errors: parser.errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return mapping
    }
}

/// Reads a mapping file, collecting every problem instead of stopping at the first.
struct MappingParser {
    let file: String
    var errors: [ConfigError] = []

    init(file: String) { self.file = file }

    mutating func fail(_ message: String, at node: Node?) {
        errors.append(
            ConfigError(
                file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0,
                message: message))
    }

    static let topKeys = ["name", "description", "system", "record", "format", "detect", "key", "fields"]
    static let fieldKeys = ["from", "transform", "required", "invalid", "empty"]

    mutating func parse(root: Node) -> Mapping? {
        guard let top = root.mapping else {
            fail("a mapping file is a YAML mapping with name, record, detect, key and fields", at: root)
            return nil
        }
        for (keyNode, _) in top {
            guard let key = keyNode.string, Self.topKeys.contains(key) else {
                let name = keyNode.string ?? "?"
                let hint = closest(to: name, in: Self.topKeys)
                fail(
                    "unknown key '\(name)'" + (hint.isEmpty ? "" : " (did you mean '\(hint[0])'?)")
                        + "; a mapping has " + Self.topKeys.joined(separator: ", "), at: keyNode)
                continue
            }
        }
        let name = requiredString(top, "name")
        let description = top["description"]?.string ?? ""
        var system: String?
        if let node = top["system"] {
            if let value = node.string, !value.isEmpty,
                value.unicodeScalars.allSatisfy({ scalar in
                    ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
                })
            {
                system = value
            } else {
                fail(
                    "'system' names the system the export comes from, in lower-case letters, digits, _ or - "
                        + "(stripe, clerk, activecampaign)", at: node)
            }
        }
        var record: RecordKind?
        if let node = top["record"] {
            if let value = node.string, let kind = RecordKind(rawValue: value) {
                record = kind
            } else {
                fail(
                    "unknown record kind '\(node.string ?? "?")'; kinds are "
                        + RecordKind.allCases.map(\.rawValue).joined(separator: ", "), at: node)
            }
        } else {
            fail(
                "missing 'record': the kind of fact this mapping produces ("
                    + RecordKind.allCases.map(\.rawValue).joined(separator: ", ") + ")", at: root)
        }
        var format = Mapping.Format.csv
        if let node = top["format"] {
            if let value = node.string, let parsed = Mapping.Format(rawValue: value) {
                format = parsed
            } else {
                fail("'format' is csv or json", at: node)
            }
        }
        var detect: [String] = []
        if let node = top["detect"] {
            detect = stringList(node, what: "'detect' lists the columns that identify this export")
            if detect.isEmpty { fail("'detect' needs at least one column", at: node) }
        } else {
            fail("missing 'detect': the columns whose presence identifies this export", at: root)
        }
        var key = Mapping.Key.none
        if let node = top["key"] {
            if let value = node.string, !value.isEmpty {
                key = value == "none" ? .none : .column(value)
            } else if let hashed = node.mapping?["hash"] {
                key = .hash(stringList(hashed, what: "'hash' lists fields of this mapping"))
            } else {
                fail(
                    "'key' names the column holding the source's own id, says none, or is { hash: [fields] }", at: node)
            }
        } else {
            fail("missing 'key': the column holding the source's own id (the ledger key), or 'none'", at: root)
        }
        if case .column(let column) = key, SensitiveColumns.isSensitive(column) {
            fail("'\(column)' holds secrets and may not be read", at: top["key"])
        }

        var fields: [Mapping.Field] = []
        if let node = top["fields"], let map = node.mapping {
            for (nameNode, fieldNode) in map {
                if let field = parseField(nameNode: nameNode, node: fieldNode, record: record) { fields.append(field) }
            }
        } else {
            fail("missing 'fields': how each field of the record is filled", at: top["fields"] ?? root)
        }
        if case .hash(let names) = key {
            let filled = Set(fields.map(\.name))
            for name in names where !filled.contains(name) {
                fail("the key hashes field '\(name)', which this mapping does not fill", at: top["key"])
            }
        }
        if let record {
            let declared = Set(top["fields"]?.mapping?.keys.compactMap(\.string) ?? [])
            check(fields: fields, record: record, declared: declared, at: top["fields"] ?? root)
        }
        guard let name, let record, errors.isEmpty else { return nil }
        return Mapping(
            name: name, description: description, record: record,
            system: system ?? Mapping.system(ofName: name), format: format, detect: detect,
            key: key, fields: fields, file: file)
    }

    mutating func parseField(nameNode: Node, node: Node, record: RecordKind?) -> Mapping.Field? {
        guard let name = nameNode.string else {
            fail("field names are text", at: nameNode)
            return nil
        }
        if let record, !record.fieldNames.contains(name) {
            // Report a secret column even on a field that does not exist.
            var columns: [String] = []
            if let column = node.scalar?.string { columns = [column] }
            if let from = node.mapping?["from"] {
                columns = from.sequence?.compactMap(\.string) ?? from.string.map { [$0] } ?? []
            }
            for column in columns where SensitiveColumns.isSensitive(column) {
                fail("'\(column)' holds secrets and may not be read into any field", at: node)
            }
        }
        if let record, !record.fieldNames.contains(name) {
            let hint = closest(to: name, in: record.fieldNames)
            fail(
                "a \(record.rawValue) has no field '\(name)'" + (hint.isEmpty ? "" : " (did you mean '\(hint[0])'?)")
                    + "; its fields are " + record.fieldNames.joined(separator: ", "), at: nameNode)
            return nil
        }
        // Shorthand: `first_name: First Name` reads one column as it is.
        if let column = node.scalar?.string {
            if SensitiveColumns.isSensitive(column) {
                fail("'\(column)' holds secrets and may not be read into any field", at: node)
            }
            return Mapping.Field(
                name: name, from: [column], transforms: [], required: false,
                onInvalid: .default(field: name, required: false),
                line: nameNode.mark?.line ?? 0, column: nameNode.mark?.column ?? 0)
        }
        guard let map = node.mapping else {
            fail("field '\(name)' is a column name or a mapping with from, transform, required", at: node)
            return nil
        }
        for (keyNode, _) in map where !Self.fieldKeys.contains(keyNode.string ?? "") {
            fail(
                "unknown key '\(keyNode.string ?? "?")' in field '\(name)'; a field has "
                    + Self.fieldKeys.joined(separator: ", "), at: keyNode)
        }
        var from: [String] = []
        if let fromNode = map["from"] {
            from = stringList(fromNode, what: "'from' is a column name or a list of them")
            for column in from where SensitiveColumns.isSensitive(column) {
                fail("'\(column)' holds secrets and may not be read into any field", at: fromNode)
            }
            if from.isEmpty { fail("'from' needs at least one column", at: fromNode) }
        } else {
            fail("field '\(name)' needs 'from': the column(s) to read", at: node)
        }
        var transforms: [Transform] = []
        var transformsBroken = false
        if let list = map["transform"] {
            let steps = list.sequence.map(Array.init) ?? [list]
            for step in steps {
                do {
                    transforms.append(try Transform(node: step, file: file))
                } catch {
                    errors.append(error)
                    transformsBroken = true
                }
            }
            for (index, step) in transforms.enumerated() where index > 0 {
                if case .join = step { fail("'join' must be the first step of '\(name)'", at: list) }
            }
        }
        var required = false
        if let node = map["required"] {
            if let value = node.bool { required = value } else { fail("'required' is true or false", at: node) }
        }
        if let node = map["empty"] {
            switch node.string {
            case "reject": required = true
            case "skip": break
            default: fail("'empty' is skip (the field stays empty) or reject (the row is rejected)", at: node)
            }
        }
        var onInvalid = Mapping.OnInvalid.default(field: name, required: required)
        if let node = map["invalid"] {
            if let value = node.string.flatMap(Mapping.OnInvalid.init(rawValue:)) {
                onInvalid = value
            } else {
                fail(
                    "'invalid' is reject (the row is rejected), warn (the field stays empty, with a warning) "
                        + "or skip (the field stays empty)", at: node)
            }
        }
        // A step that did not parse was reported; checking the chain's types would only add noise.
        if transformsBroken { return nil }
        return Mapping.Field(
            name: name, from: from, transforms: transforms, required: required,
            onInvalid: onInvalid,
            line: nameNode.mark?.line ?? 0, column: nameNode.mark?.column ?? 0)
    }

    /// Checks the fields against the record kind's schema: types, required fields, money currencies.
    mutating func check(fields: [Mapping.Field], record: RecordKind, declared: Set<String>, at node: Node) {
        let names = Set(fields.map(\.name))
        for field in record.schema where field.required && !names.contains(field.name) && !declared.contains(field.name)
        {
            fail("a \(record.rawValue) needs the field '\(field.name)' (\(field.help))", at: node)
        }
        for field in fields {
            guard let schema = record.schema.first(where: { $0.name == field.name }) else { continue }
            var type = FieldType.text
            var broken = false
            for step in field.transforms {
                let signature = step.signature
                if type != signature.input {
                    errors.append(
                        ConfigError(
                            file: file, line: field.line, column: field.column,
                            message:
                                "field '\(field.name)': a transform that takes \(signature.input.rawValue) follows one that gives \(type.rawValue); put text steps first"
                        ))
                    broken = true
                    break
                }
                type = signature.output
                if case .money(let currencyField?, _, _) = step, !names.contains(currencyField) {
                    errors.append(
                        ConfigError(
                            file: file, line: field.line, column: field.column,
                            message:
                                "field '\(field.name)': money reads its currency from '\(currencyField)', which this mapping does not fill"
                        ))
                }
            }
            if !broken, type != schema.type {
                let needed: String
                switch schema.type {
                case .email: needed = "the email transform"
                case .phone: needed = "the phone transform"
                case .money: needed = "the money transform"
                case .timestamp: needed = "the datetime transform"
                case .list: needed = "the split transform"
                case .bool: needed = "the boolean transform"
                case .integer: needed = "the integer transform"
                case .percent: needed = "the percent transform"
                case .text: needed = "text (no typed transform)"
                }
                errors.append(
                    ConfigError(
                        file: file, line: field.line, column: field.column,
                        message:
                            "field '\(field.name)' is \(schema.type.rawValue) in a \(record.rawValue) but the transforms give \(type.rawValue); it needs \(needed)"
                    ))
            }
        }
    }

    mutating func requiredString(_ map: Node.Mapping, _ key: String) -> String? {
        guard let node = map[key] else {
            fail("missing '\(key)'", at: nil)
            return nil
        }
        guard let value = node.string, !value.isEmpty else {
            fail("'\(key)' must be text", at: node)
            return nil
        }
        return value
    }

    mutating func stringList(_ node: Node, what: String) -> [String] {
        if let value = node.scalar?.string { return [value] }
        guard let sequence = node.sequence else {
            fail(what, at: node)
            return []
        }
        var values: [String] = []
        for item in sequence {
            if let value = item.scalar?.string { values.append(value) } else { fail(what, at: item) }
        }
        return values
    }
}
