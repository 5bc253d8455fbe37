import Foundation

/// A field's transform chain compiled to run over the column's UTF-8 bytes.
///
/// The String chain (``Transform/compile(settings:slots:)``) calls one closure per
/// step on a `FieldValue`, and every call retains and releases the closure, the
/// value's storage and the row: about a hundred atomic reference-count operations a
/// payments row, which profiling showed to be a third of mapping's time. This form
/// keeps the value as a slice of the record's bytes while steps only narrow or pick
/// it (trim, null_if, default, map), and makes at most one String, at the step that
/// gives the final value. Its operations carry only numbers; the tables they read
/// (map entries, separators, zones) live in ``ByteTables``.
///
/// It gives exactly what the String chain gives, or says it cannot (``ByteOutcome/useStrings``)
/// for values where only the String rules are sure to be right (non-ASCII text that
/// would be case-mapped or compared, `percent`): the caller then runs the String chain.
/// `TransformTests.byteChainsAgreeWithStringChains` and `BytePath.bothPathsAgree` hold the two forms to that.
enum ByteOp {
    // Steps after which the value is still bytes.
    case trim
    /// Empty when the trimmed value is one of the table's values (index in ``ByteTables/nullIfs``).
    case nullIf(Int)
    /// The interned text (index in ``ByteTables/texts``) when the value is empty.
    case defaultValue(Int)
    /// Index in ``ByteTables/maps``.
    case map(Int)

    // Steps that give the final value (last in a chain).
    case lowercase
    case email
    /// Records the code's exponent for the money fields that read this slot.
    case currency(slot: Int)
    /// `fixedExponent` is -1 when the exponent comes from `currencySlot`.
    case money(currencySlot: Int, fixedExponent: Int, minor: Bool)
    /// Index in ``ByteTables/zones``.
    case datetime(zone: Int, order: UTCTime.SlashOrder, epoch: Bool)
    /// Index in ``ByteTables/separators``.
    case split(Int)
    /// Index in ``ByteTables/regions``.
    case phone(region: Int)
    case boolean
    case integer

    /// Whether the value is still bytes after this step.
    var narrows: Bool {
        switch self {
        case .trim, .nullIf, .defaultValue, .map: return true
        default: return false
        }
    }
}

/// What a byte chain made of a value.
enum ByteOutcome {
    case done(StepResult)
    /// The value is the interned text at this index in ``ByteTables/texts`` (no String made).
    case interned(Int)
    /// The String chain must decide (see ``ByteOp``).
    case useStrings
}

/// The tables byte chains read: built once per compiled mapping, read-only after.
final class ByteTables: @unchecked Sendable {
    struct MapTable {
        /// Lower-cased ASCII keys (a non-ASCII key can never equal an ASCII value's lower-cased form).
        var keys: [[UInt8]]
        /// Each key's replacement, as an index in `texts` (an empty replacement makes the value empty).
        var values: [Int]
        /// Unlisted values: -1 keeps them, -2 rejects them, otherwise an index in `texts`.
        var otherwise: Int
    }

    /// Interned replacement texts (map values, defaults), and copies of their bytes that
    /// stay put until the tables go (the chains point into them).
    let texts: [String]
    private let textBytes: [UnsafeMutableBufferPointer<UInt8>]
    /// Per interned text: whether the field that interned it allows it (true when it has no fixed set).
    let textAllowed: [Bool]
    let maps: [MapTable]
    /// The NFC forms of null_if values, as bytes (Swift compares Strings by canonical equivalence,
    /// so an ASCII value equals a String exactly when it equals that String's NFC bytes).
    let nullIfs: [[[UInt8]]]
    let separators: [[UInt8]]
    /// nil for UTC (no offset to look up).
    let zones: [TimeZone?]
    let regions: [String]
    let normalizePhones: Bool
    let phoneBook: PhoneBook?
    /// The configured default currency, for amounts whose currency field is empty.
    let defaultCurrency: String?

    /// Collects the tables while a mapping's chains are compiled. (The tables themselves are
    /// constants: a class's variables would be checked for exclusive access on every read.)
    struct Builder {
        var texts: [String] = []
        var textAllowed: [Bool] = []
        var maps: [MapTable] = []
        var nullIfs: [[[UInt8]]] = []
        var separators: [[UInt8]] = []
        var zones: [TimeZone?] = []
        var regions: [String] = []
        let settings: MappingSettings

        init(settings: MappingSettings) { self.settings = settings }

        /// Compiles `transforms` for a field whose fixed set of values is `allowed`; nil when the
        /// chain has a step without a byte form (`join`, `percent`) or a final step before its end.
        mutating func compile(
            _ transforms: [Transform], slots: [String: Int], slot: Int,
            allowed: Set<String>?
        ) -> [ByteOp]? {
            var ops: [ByteOp] = []
            func intern(_ text: String) -> Int {
                texts.append(text)
                textAllowed.append(allowed?.contains(text) ?? true)
                return texts.count - 1
            }
            for transform in transforms {
                if let last = ops.last, !last.narrows { return nil }
                switch transform {
                case .trim: ops.append(.trim)
                case .lowercase: ops.append(.lowercase)
                case .email: ops.append(.email)
                case .currency: ops.append(.currency(slot: slot))
                case .money(let field, let fixed, let minor):
                    ops.append(
                        .money(
                            currencySlot: field.flatMap { slots[$0] } ?? -1,
                            fixedExponent: fixed.flatMap(Currency.exponent(of:)) ?? -1, minor: minor))
                case .datetime(let zoneName, let order, let epoch, _):
                    let zone = zoneName.flatMap { TimeZone(identifier: $0) } ?? settings.zone
                    zones.append(zone.identifier == "UTC" || zone.identifier == "GMT" ? nil : zone)
                    ops.append(.datetime(zone: zones.count - 1, order: order, epoch: epoch))
                case .split(let separator):
                    separators.append(Array(separator.utf8))
                    ops.append(.split(separators.count - 1))
                case .phone(let region):
                    regions.append(region ?? settings.region)
                    ops.append(.phone(region: regions.count - 1))
                case .boolean: ops.append(.boolean)
                case .integer: ops.append(.integer)
                case .nullIf(let values):
                    nullIfs.append(values.map { Array($0.precomposedStringWithCanonicalMapping.utf8) })
                    ops.append(.nullIf(nullIfs.count - 1))
                case .defaultValue(let fallback):
                    ops.append(.defaultValue(intern(fallback)))
                case .map(let table, let otherwise):
                    // Keys by their NFC form, as Swift compares Strings; one that is not ASCII then
                    // can never equal an ASCII value (other values go to the String rules).
                    var keys: [[UInt8]] = [], values: [Int] = []
                    for (key, value) in table.sorted(by: { $0.key < $1.key }) {
                        let canonical = Array(key.precomposedStringWithCanonicalMapping.utf8)
                        guard canonical.allSatisfy({ $0 < 0x80 }) else { continue }
                        keys.append(canonical)
                        values.append(intern(value))
                    }
                    let rest = otherwise.map { $0 == "_reject" ? -2 : intern($0) } ?? -1
                    maps.append(MapTable(keys: keys, values: values, otherwise: rest))
                    ops.append(.map(maps.count - 1))
                case .join, .percent:
                    return nil
                }
            }
            return ops
        }
    }

    deinit {
        for bytes in textBytes { bytes.deallocate() }
    }

    init(_ builder: Builder) {
        texts = builder.texts
        textBytes = builder.texts.map { text in
            let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: text.utf8.count)
            _ = bytes.initialize(from: text.utf8)
            return bytes
        }
        textAllowed = builder.textAllowed
        maps = builder.maps
        nullIfs = builder.nullIfs
        separators = builder.separators
        zones = builder.zones
        regions = builder.regions
        normalizePhones = builder.settings.normalizePhones
        phoneBook = builder.settings.phoneBook
        defaultCurrency = builder.settings.defaultCurrency
    }

    /// Runs `ops` over `input` (a column's bytes, not empty). `exponents` holds, per slot,
    /// the exponent a currency step found in this row (-1 where none did); `row` is the row
    /// so far, for money whose currency came another way (only read: `inout` passes it without
    /// retaining its values once per field).
    func run(
        _ ops: UnsafeBufferPointer<ByteOp>, _ input: UnsafeBufferPointer<UInt8>,
        exponents: UnsafeMutableBufferPointer<Int8>, row: inout RowContext
    ) -> ByteOutcome {
        var value = input
        /// The interned text `value` points into, or -1.
        var interned = -1
        for op in ops {
            switch op {
            case .trim:
                let trimmed = ByteText.trimmed(value)
                if trimmed.isEmpty { return .done(.empty) }
                if trimmed.count != value.count { interned = -1 }
                value = trimmed
            case .nullIf(let table):
                let trimmed = ByteText.trimmed(value)
                guard ByteText.isASCII(trimmed) else { return .useStrings }
                if nullIfs[table].contains(where: { ByteText.equal(trimmed, $0) }) { return .done(.empty) }
            case .defaultValue(let text):
                if value.isEmpty { (value, interned) = (bytes(ofText: text), text) }
            case .map(let index):
                let key = ByteText.trimmed(value)
                guard ByteText.isASCII(key) else { return .useStrings }
                let table = maps[index]
                var found = -1
                for (position, candidate) in table.keys.enumerated()
                where candidate.count == key.count && ByteText.equalIgnoringASCIICase(key, candidate) {
                    found = table.values[position]
                    break
                }
                if found < 0 {
                    if table.otherwise == -2 { return .done(.failure("value not in the mapping's table")) }
                    found = table.otherwise
                }
                if found >= 0 {
                    if texts[found].isEmpty { return .done(.empty) }
                    (value, interned) = (bytes(ofText: found), found)
                }
            case .lowercase:
                guard ByteText.isASCII(value) else { return .useStrings }
                return .done(.value(.text(ByteText.string(value, mapping: ByteText.lower))))
            case .email:
                return email(value)
            case .currency(let slot):
                let code = ByteText.trimmed(value)
                if code.isEmpty { return .done(.empty) }
                guard ByteText.isASCII(code) else { return .useStrings }
                guard let exponent = Currency.exponent(ofBytes: code, uppercasing: true) else {
                    return .done(.failure("not an ISO 4217 currency code"))
                }
                let upper = ByteText.string(code, mapping: ByteText.upper)
                exponents[slot] = Int8(exponent)
                return .done(.value(.text(upper)))
            case .money(let currencySlot, let fixedExponent, let minor):
                // A fixed code, else the code a currency step found in this row, else the row's text.
                var exponent =
                    fixedExponent >= 0 ? fixedExponent : currencySlot >= 0 ? Int(exponents[currencySlot]) : -1
                if exponent < 0 { exponent = row.currencyExponent(slot: currencySlot, fallback: defaultCurrency) ?? -1 }
                return .done(Transform.money(value, exponent: exponent < 0 ? nil : exponent, minor: minor))
            case .datetime(let zone, let order, let epoch):
                guard ByteText.isASCII(value) else { return .useStrings }
                if ByteText.trimmed(value).isEmpty { return .done(.empty) }
                guard let seconds = UTCTime.parse(bytes: value, zone: zones[zone], order: order, epoch: epoch) else {
                    return .done(.failure("not a date and time in a supported format"))
                }
                return .done(.value(.timestamp(seconds)))
            case .split(let index):
                return split(value, separator: separators[index])
            case .phone(let region):
                let raw = ByteText.trimmed(value)
                if raw.isEmpty { return .done(.empty) }
                let text = String(decoding: raw, as: UTF8.self)
                guard normalizePhones else { return .done(.value(.phone(text, .unchecked))) }
                switch phoneBook?.normalize(text, region: regions[region])
                    ?? PhoneNormalizer.normalize(text, region: regions[region])
                {
                case .valid(let e164): return .done(.value(.phone(e164, .valid)))
                case .invalid(let kept): return .done(.value(.phone(kept, .invalid)))
                }
            case .boolean:
                let word = ByteText.trimmed(value)
                if word.isEmpty { return .done(.empty) }
                guard ByteText.isASCII(word) else { return .useStrings }
                switch ByteText.string(word, mapping: ByteText.lower) {
                case "true", "yes", "y", "1", "t", "on": return .done(.value(.bool(true)))
                case "false", "no", "n", "0", "f", "off": return .done(.value(.bool(false)))
                default: return .done(.failure("not a yes/no value"))
                }
            case .integer:
                let digits = ByteText.trimmed(value)
                if digits.isEmpty { return .done(.empty) }
                guard ByteText.isASCII(digits) else { return .useStrings }
                return .done(ByteText.integer(digits).map { .value(.integer($0)) } ?? .failure("not a whole number"))
            }
        }
        if interned >= 0 { return .interned(interned) }
        return .done(.value(.text(String(decoding: value, as: UTF8.self))))
    }

    private func bytes(ofText index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(textBytes[index])
    }

    private func email(_ value: UnsafeBufferPointer<UInt8>) -> ByteOutcome {
        switch Email.normalize(bytes: value) {
        case .success(let address)?:
            return .done(.value(.email(normalized: address.normalized, original: address.original)))
        case .failure(.empty)?: return .done(.empty)
        case .failure(.invalid)?: return .done(.failure("not a valid email address"))
        case nil: return .useStrings
        }
    }

    /// Labels split on `separator`, trimmed, empties dropped, duplicates (ASCII case
    /// ignored) dropped keeping the first spelling. Non-ASCII labels go to the String rules,
    /// which compare them by Unicode lower case.
    private func split(_ value: UnsafeBufferPointer<UInt8>, separator: [UInt8]) -> ByteOutcome {
        var labels: [String] = []
        let allASCII = ByteText.forEachPart(of: value, separatedBy: separator, into: &labels) { labels, part in
            let label = ByteText.trimmed(part)
            if label.isEmpty { return true }
            guard ByteText.isASCII(label) else { return false }
            for var kept in labels where kept.utf8.count == label.count {
                if kept.withUTF8({ ByteText.equalIgnoringASCIICase($0, label) }) { return true }
            }
            if labels.isEmpty { labels.reserveCapacity(4) }
            labels.append(String(decoding: label, as: UTF8.self))
            return true
        }
        guard allASCII else { return .useStrings }
        return .done(labels.isEmpty ? .empty : .value(.list(labels)))
    }
}
