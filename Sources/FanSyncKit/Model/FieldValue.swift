/// One normalized value of a fact's field.
public enum FieldValue: Sendable, Hashable {
    case text(String)
    /// An email address: `normalized` (trimmed, NFC, lower-cased) is the
    /// identity; `original` (trimmed) is kept for display.
    case email(normalized: String, original: String)
    /// A phone number: E.164 when valid, otherwise as written.
    case phone(String, PhoneStatus)
    /// Money in integer minor units (the currency is another field).
    case money(Int64)
    case integer(Int64)
    /// A percentage, 0…100.
    case percent(Double)
    case bool(Bool)
    /// A moment in time, in seconds since 1970-01-01T00:00:00Z.
    case timestamp(Int64)
    /// A set of labels (tags), in first-seen order.
    case list([String])

    /// The type a value has, for checking a mapping against a record kind.
    public var type: FieldType {
        switch self {
        case .text: return .text
        case .email: return .email
        case .phone: return .phone
        case .money: return .money
        case .integer: return .integer
        case .percent: return .percent
        case .bool: return .bool
        case .timestamp: return .timestamp
        case .list: return .list
        }
    }

    /// The value as plain text, as it would appear in a CSV cell.
    public var text: String {
        switch self {
        case .text(let value): return value
        case .email(let normalized, _): return normalized
        case .phone(let value, _): return value
        case .money(let value), .integer(let value): return String(value)
        case .percent(let value): return value == value.rounded() ? String(Int64(value)) : String(value)
        case .bool(let value): return value ? "true" : "false"
        case .timestamp(let value): return UTCTime.iso8601(value)
        case .list(let values): return values.joined(separator: ", ")
        }
    }
}

/// The types of field values.
public enum FieldType: String, Sendable, CaseIterable {
    case text, email, phone, money, integer, percent, bool, timestamp, list
}

/// What libphonenumber said of a phone number.
public enum PhoneStatus: String, Sendable, Hashable {
    /// Valid: the value is E.164.
    case valid
    /// Not a valid number: kept as written, flagged.
    case invalid
    /// Not checked (`--phones keep`): kept as written.
    case unchecked
}
