import Foundation
import Yams

/// One step of a field's transform chain, as written in a mapping file.
///
/// Steps are a closed set, so a mapping file is checked in full when it is
/// loaded (names, arguments, and the types flowing from step to step), not
/// when the first bad row reaches it.
public enum Transform: Sendable, Equatable {
    case trim
    case lowercase
    /// Normalize (trim, NFC, lower-case) and validate an address.
    case email
    /// E.164 through libphonenumber; `region` overrides the configured default.
    case phone(region: String?)
    /// Decimal major units to integer minor units. The currency is a field of
    /// the same record (`currencyField`) or a fixed code; `minor` reads input
    /// already in minor units.
    case money(currencyField: String?, currency: String?, minor: Bool)
    /// An upper-case ISO 4217 code, validated.
    case currency
    /// One of the supported date-time formats; `zone` overrides the default zone; `epoch`
    /// (`format: epoch`) reads all-digit values as epoch seconds or milliseconds.
    /// `orderGiven` is false when the mapping leaves the slash order to the default: dates
    /// that read either way are then counted and reported once per file.
    case datetime(zone: String?, order: UTCTime.SlashOrder, epoch: Bool = false, orderGiven: Bool = true)
    /// Split into labels: trimmed, empties dropped, duplicates (case-insensitive) removed.
    case split(String)
    /// Join the non-empty values of all `from` columns with a separator. First step only.
    case join(String)
    /// Replace values through a table (keys compared case-insensitively);
    /// `otherwise` nil keeps unlisted values.
    case map([String: String], otherwise: String?)
    /// Use this value when the field is empty.
    case defaultValue(String)
    case boolean
    case integer
    case percent
    /// Treat any of these values (compared after trimming) as empty.
    case nullIf([String])

    /// The names, as written in mapping files.
    public static let names = [
        "trim", "lowercase", "email", "phone", "money", "currency", "datetime", "split",
        "join", "map", "default", "boolean", "integer", "percent", "null_if",
    ]

    /// What the step takes and gives (text in, typed value out).
    var signature: (input: FieldType, output: FieldType) {
        switch self {
        case .trim, .lowercase, .currency, .join, .map, .defaultValue, .nullIf: return (.text, .text)
        case .split: return (.text, .list)
        case .email: return (.text, .email)
        case .phone: return (.text, .phone)
        case .money: return (.text, .money)
        case .datetime: return (.text, .timestamp)
        case .boolean: return (.text, .bool)
        case .integer: return (.text, .integer)
        case .percent: return (.text, .percent)
        }
    }

    /// Reads one step: a bare name (`trim`) or a one-key mapping (`{ split: "," }`).
    init(node: Node, file: String) throws(ConfigError) {
        func fail(_ message: String, at node: Node) -> ConfigError {
            ConfigError(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, message: message)
        }
        func unknown(_ name: String, at node: Node) -> ConfigError {
            let hint = closest(to: name, in: Transform.names)
            return fail(
                "unknown transform '\(name)'" + (hint.isEmpty ? "" : " (did you mean '\(hint[0])'?)")
                    + "; transforms are: " + Transform.names.joined(separator: ", "), at: node)
        }
        if let name = node.scalar?.string {
            switch name {
            case "trim": self = .trim
            case "lowercase": self = .lowercase
            case "email": self = .email
            case "phone": self = .phone(region: nil)
            case "currency": self = .currency
            case "datetime": self = .datetime(zone: nil, order: .monthFirst, orderGiven: false)
            case "boolean": self = .boolean
            case "integer": self = .integer
            case "percent": self = .percent
            case "split": self = .split(",")
            case "join": self = .join(" ")
            case "money", "map", "default", "null_if":
                throw fail(
                    "'\(name)' needs an argument, e.g. { \(name): … }; see \"Transforms\" in README.md", at: node)
            default: throw unknown(name, at: node)
            }
            return
        }
        guard let mapping = node.mapping, mapping.count == 1, let (keyNode, argument) = mapping.first,
            let key = keyNode.string
        else {
            throw fail("a transform is a name (trim) or a one-key mapping ({ split: \",\" })", at: node)
        }
        func text(_ node: Node, _ what: String) throws(ConfigError) -> String {
            guard let value = node.scalar?.string else { throw fail("'\(key)' takes \(what)", at: node) }
            return value
        }
        func options(_ allowed: [String]) throws(ConfigError) -> [String: Node] {
            guard let map = argument.mapping else { return [:] }
            var result: [String: Node] = [:]
            for (name, value) in map {
                guard let name = name.string, allowed.contains(name) else {
                    throw fail("'\(key)' takes the options \(allowed.joined(separator: ", "))", at: value)
                }
                result[name] = value
            }
            return result
        }
        switch key {
        case "split": self = .split(try text(argument, "a separator string"))
        case "join": self = .join(try text(argument, "a separator string"))
        case "default": self = .defaultValue(try text(argument, "a value"))
        case "null_if":
            guard let values = argument.sequence else { throw fail("'null_if' takes a list of values", at: argument) }
            var list: [String] = []
            for value in values { list.append(try text(value, "a list of values")) }
            self = .nullIf(list)
        case "phone":
            let region = argument.scalar != nil ? try text(argument, "a region") : nil
            let opts = try options(["region"])
            let chosen = (region ?? opts["region"]?.string)?.uppercased()
            if let chosen, !PhoneNormalizer.isSupported(region: chosen) {
                throw fail(
                    "unknown phone region '\(chosen)'; use an ISO 3166 code such as US, GB, DE",
                    at: opts["region"] ?? argument)
            }
            self = .phone(region: chosen)
        case "datetime":
            let opts = try options(["zone", "order", "format"])
            var zone: String?
            if let node = opts["zone"] {
                zone = try text(node, "a time zone")
                if let zone, TimeZone(identifier: zone) == nil {
                    throw fail("unknown time zone '\(zone)'; use an IANA name such as Europe/Berlin", at: node)
                }
            }
            var order = UTCTime.SlashOrder.monthFirst
            if let node = opts["order"] {
                guard let value = node.string, let parsed = UTCTime.SlashOrder(rawValue: value) else {
                    throw fail("'order' is mdy or dmy", at: node)
                }
                order = parsed
            }
            var epoch = false
            if let node = opts["format"] {
                guard node.string == "epoch" else {
                    throw fail(
                        "'format' is epoch (seconds or milliseconds since 1970); other formats are recognised without it",
                        at: node)
                }
                epoch = true
            }
            self = .datetime(zone: zone, order: order, epoch: epoch, orderGiven: opts["order"] != nil)
        case "money":
            let opts = try options(["currency", "currency_field", "minor_units"])
            var field: String?, code: String?
            if let node = opts["currency_field"] { field = try text(node, "a field name") }
            if let node = opts["currency"] {
                let value = try text(node, "an ISO 4217 code").uppercased()
                guard Currency.exponent(of: value) != nil else {
                    throw fail("'\(value)' is not an ISO 4217 currency code", at: node)
                }
                code = value
            }
            guard (field == nil) != (code == nil) else {
                throw fail(
                    "'money' needs exactly one of currency_field (a field of this mapping) or currency (a code)",
                    at: argument)
            }
            self = .money(currencyField: field, currency: code, minor: opts["minor_units"]?.bool ?? false)
        case "map":
            guard let table = argument.mapping else {
                throw fail("'map' takes a table: { map: { Paid: succeeded, … } }", at: argument)
            }
            var entries: [String: String] = [:]
            var otherwise: String?
            for (from, to) in table {
                guard let from = from.string else { throw fail("map keys are values", at: to) }
                let target = try text(to, "a table of values")
                if from == "_otherwise" { otherwise = target } else { entries[from.lowercased()] = target }
            }
            self = .map(entries, otherwise: otherwise)
        default:
            throw unknown(key, at: keyNode)
        }
    }
}

/// What a field's chain made of its value: the final value, no value, or why it is refused.
enum StepResult {
    case value(FieldValue)
    case empty
    case failure(String)
}

/// The fields of the row being mapped, for steps that read another field (money's currency).
struct RowContext {
    var values: [FieldValue?]
    /// Values fields could not use, left empty (the row is accepted with these warnings).
    /// (Optional: nil on nearly every row costs nothing to copy or free, unlike an empty array.)
    var warnings: [RowIssue]? = nil

    func text(at slot: Int) -> String? {
        guard slot >= 0, slot < values.count, let value = values[slot] else { return nil }
        if case .text(let text) = value { return text }
        return value.text
    }

    /// The exponent for an amount whose currency is field `slot` of this row, or `fallback`
    /// (the configured default) when that field is empty; nil when it is not a valid code.
    func currencyExponent(slot: Int, fallback: String?) -> Int? {
        (text(at: slot) ?? fallback).flatMap(Currency.exponent(lenient:))
    }
}

/// Settings every mapping shares at run time.
public struct MappingSettings: Sendable {
    /// The default region for phone numbers without a country code.
    public var region: String = "US"
    /// The zone of wall-clock times that carry no offset.
    public var zone: TimeZone = TimeZone(identifier: "UTC") ?? .current
    /// Whether phone numbers go through libphonenumber (about 14 µs each
    /// here); when false they are kept as written and marked unchecked.
    public var normalizePhones = true
    /// The currency of amounts whose currency field is empty (a job's `currency` option).
    public var defaultCurrency: String?
    /// Numbers read before (a store's), so each is parsed once; nil asks libphonenumber every time.
    public var phoneBook: PhoneBook?

    public init(region: String = "US", zone: TimeZone? = nil, normalizePhones: Bool = true) {
        self.region = region
        if let zone { self.zone = zone }
        self.normalizePhones = normalizePhones
    }
}
