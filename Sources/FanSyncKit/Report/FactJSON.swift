/// Facts as one JSON object per line, keys in a stable order (golden files diff cleanly).
public enum FactJSON {
    /// `{"kind":…,"source":…,"source_id":…,"file":…,"line":…,"fields":{…}}`; empty fields are left out.
    public static func line(_ fact: Fact) -> String {
        var text = "{\"kind\":\"\(fact.kind.rawValue)\",\"source\":"
        JSONText.appendQuoted(fact.source, to: &text)
        text += ",\"source_id\":"
        JSONText.appendQuoted(fact.sourceID, to: &text)
        text += ",\"file\":"
        JSONText.appendQuoted(fact.file, to: &text)
        text += ",\"line\":\(fact.line),\"fields\":{"
        var first = true
        for (name, value) in zip(fact.kind.fieldNames, fact.values) {
            guard let value else { continue }
            func key(_ name: String) {
                if !first { text += "," }
                first = false
                JSONText.appendQuoted(name, to: &text)
                text += ":"
            }
            key(name)
            switch value {
            case .text(let string): JSONText.appendQuoted(string, to: &text)
            case .email(let normalized, let original):
                JSONText.appendQuoted(normalized, to: &text)
                if original != normalized {
                    key(name + "_original")
                    JSONText.appendQuoted(original, to: &text)
                }
            case .phone(let number, let status):
                JSONText.appendQuoted(number, to: &text)
                if status != .valid { key(name + "_status"); text += "\"\(status.rawValue)\"" }
            case .money(let amount), .integer(let amount): text += String(amount)
            case .percent(let number): text += number == number.rounded() ? String(Int64(number)) : String(number)
            case .bool(let flag): text += flag ? "true" : "false"
            case .timestamp(let seconds): JSONText.appendQuoted(UTCTime.iso8601(seconds), to: &text)
            case .list(let labels):
                text += "["
                for (index, label) in labels.enumerated() {
                    if index > 0 { text += "," }
                    JSONText.appendQuoted(label, to: &text)
                }
                text += "]"
            }
        }
        return text + "}}"
    }
}
