import Foundation

/// JSON string quoting for the hot output paths (a JSONEncoder per field is
/// far slower). RFC 8259 §7: quote, backslash and control characters escaped.
public enum JSONText {
    public static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        // Most values need no escape: appended whole (a scalar at a time cost 3,500
        // instructions a tag, measured).
        var value = value
        if value.withUTF8({ bytes in !bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) }) {
            text += value
            text += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case _ where scalar.value < 0x20:
                text +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    public static func quoted(_ value: String) -> String {
        var text = ""
        appendQuoted(value, to: &text)
        return text
    }

    /// A JSON array of strings as written by the store (`tags`); empty for anything else.
    public static func strings(_ json: String?) -> [String] {
        guard let json, let data = json.data(using: .utf8),
            let list = try? JSONSerialization.jsonObject(with: data) as? [String]
        else { return [] }
        return list
    }
}
