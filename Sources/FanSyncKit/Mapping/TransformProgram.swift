import Foundation

/// The one interpreter of transform chains, for CSV and JSON alike.
///
/// A field's ``Transform``s are compiled once, per mapping, to ``Step``s: plain numbers that
/// index the tables this program keeps (map entries, separators, zones). Each step is one
/// function over the value's UTF-8 bytes that either passes a slice on (trim, `null_if`,
/// `default` and `map` narrow the column's bytes or pick a table's text, without copying) or
/// makes the field's final value, so at most one String is made per field. Each step decides
/// the Unicode cases its byte rules cannot (non-ASCII text that is case-mapped or compared) by
/// the String rules, inside the step.
///
/// Why bytes and numbers: with every step a closure over a `FieldValue`, the retains and
/// releases of closures, values and rows were a third of mapping's time (profiled).
///
/// Adding a transform: a case of ``Transform`` (with its name, signature and argument parsing),
/// its ``Step``, its function here, a table test and a line in README.md's reference.
enum Step {
    // Steps after which the value is still text.
    case trim
    /// Empty when the trimmed value is one of the table's values (index in ``TransformProgram/nullIfs``).
    case nullIf(Int)
    /// The interned text (index in ``TransformProgram/texts``) when the value is empty.
    case defaultValue(Int)
    /// Index in ``TransformProgram/maps``.
    case map(Int)
    case lowercase
    /// Records the code's exponent for the money fields that read this slot.
    case currency(slot: Int)

    // Steps that give the final value.
    case email
    /// `fixedExponent` is -1 when the exponent comes from `currencySlot`.
    case money(currencySlot: Int, fixedExponent: Int, minor: Bool)
    /// Index in ``TransformProgram/zones``.
    case datetime(zone: Int, order: UTCTime.SlashOrder, epoch: Bool)
    /// Index in ``TransformProgram/separators``.
    case split(Int)
    /// Index in ``TransformProgram/regions``.
    case phone(region: Int)
    case boolean
    case integer
    case percent
}

/// What one step made of the value.
enum StepOutput {
    /// The value as it was (a `null_if` that did not match, a `default` on a value).
    case same
    /// A slice of the value (trim).
    case slice(UnsafeBufferPointer<UInt8>)
    /// The interned text at this index in ``TransformProgram/texts``.
    case interned(Int)
    /// New text (lower or upper case).
    case made(String)
    /// The field's answer: a final value, empty, or why the value is refused.
    case done(StepResult)
}

/// What a chain made of a value.
enum ChainOutcome {
    case done(StepResult)
    /// The value is the interned text at this index in ``TransformProgram/texts`` (no String made).
    case interned(Int)
}

/// A mapping's compiled chains' tables, and the interpreter that runs a chain over a value.
/// Built once per compiled mapping, read-only after.
final class TransformProgram: @unchecked Sendable {
    struct MapTable {
        /// Lower-cased ASCII keys, by their NFC form (as Swift compares Strings): a non-ASCII key
        /// can never equal an ASCII value's lower-cased form.
        var keys: [[UInt8]]
        /// Each ASCII key's replacement, as an index in `texts` (an empty replacement makes the value empty).
        var values: [Int]
        /// Every key (lower-cased) and its replacement, for values that are not ASCII.
        var byText: [String: Int]
        /// Unlisted values: -1 keeps them, -2 rejects them, otherwise an index in `texts`.
        var otherwise: Int
    }

    /// Interned replacement texts (map values, defaults), and copies of their bytes that
    /// stay put until the program goes (chains point into them).
    let texts: [String]
    private let textBytes: [UnsafeMutableBufferPointer<UInt8>]
    /// Per interned text: whether the field that interned it allows it (true when it has no fixed set).
    let textAllowed: [Bool]
    let maps: [MapTable]
    /// The NFC forms of null_if values, as bytes (Swift compares Strings by canonical equivalence,
    /// so an ASCII value equals a String exactly when it equals that String's NFC bytes).
    let nullIfs: [[[UInt8]]]
    /// The same values as Strings, for values that are not ASCII.
    let nullIfTexts: [Set<String>]
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
        var nullIfTexts: [Set<String>] = []
        var separators: [[UInt8]] = []
        var zones: [TimeZone?] = []
        var regions: [String] = []
        let settings: MappingSettings

        init(settings: MappingSettings) { self.settings = settings }

        /// Compiles `transforms` for the field in `slot`, whose fixed set of values is `allowed`.
        /// `join` compiles to nothing: the columns are joined when they are read.
        mutating func compile(
            _ transforms: [Transform], slots: [String: Int], slot: Int, allowed: Set<String>?
        ) -> [Step] {
            var steps: [Step] = []
            func intern(_ text: String) -> Int {
                texts.append(text)
                textAllowed.append(allowed?.contains(text) ?? true)
                return texts.count - 1
            }
            for transform in transforms {
                switch transform {
                case .trim: steps.append(.trim)
                case .lowercase: steps.append(.lowercase)
                case .email: steps.append(.email)
                case .currency: steps.append(.currency(slot: slot))
                case .money(let field, let fixed, let minor):
                    steps.append(
                        .money(
                            currencySlot: field.flatMap { slots[$0] } ?? -1,
                            fixedExponent: fixed.flatMap(Currency.exponent(of:)) ?? -1, minor: minor))
                case .datetime(let zoneName, let order, let epoch, _):
                    let zone = zoneName.flatMap { TimeZone(identifier: $0) } ?? settings.zone
                    zones.append(zone.identifier == "UTC" || zone.identifier == "GMT" ? nil : zone)
                    steps.append(.datetime(zone: zones.count - 1, order: order, epoch: epoch))
                case .split(let separator):
                    separators.append(Array(separator.utf8))
                    steps.append(.split(separators.count - 1))
                case .phone(let region):
                    regions.append(region ?? settings.region)
                    steps.append(.phone(region: regions.count - 1))
                case .boolean: steps.append(.boolean)
                case .integer: steps.append(.integer)
                case .percent: steps.append(.percent)
                case .nullIf(let values):
                    nullIfs.append(values.map { Array($0.precomposedStringWithCanonicalMapping.utf8) })
                    nullIfTexts.append(Set(values))
                    steps.append(.nullIf(nullIfs.count - 1))
                case .defaultValue(let fallback):
                    steps.append(.defaultValue(intern(fallback)))
                case .map(let table, let otherwise):
                    var keys: [[UInt8]] = [], values: [Int] = [], byText: [String: Int] = [:]
                    for (key, value) in table.sorted(by: { $0.key < $1.key }) {
                        let text = intern(value)
                        byText[key] = text
                        let canonical = Array(key.precomposedStringWithCanonicalMapping.utf8)
                        if canonical.allSatisfy({ $0 < 0x80 }) {
                            keys.append(canonical)
                            values.append(text)
                        }
                    }
                    let rest = otherwise.map { $0 == "_reject" ? -2 : intern($0) } ?? -1
                    maps.append(MapTable(keys: keys, values: values, byText: byText, otherwise: rest))
                    steps.append(.map(maps.count - 1))
                case .join:
                    break
                }
            }
            return steps
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
        nullIfTexts = builder.nullIfTexts
        separators = builder.separators
        zones = builder.zones
        regions = builder.regions
        normalizePhones = builder.settings.normalizePhones
        phoneBook = builder.settings.phoneBook
        defaultCurrency = builder.settings.defaultCurrency
    }

    // MARK: - The interpreter

    /// Runs `steps` over `input` (a value's UTF-8 bytes). `exponents` holds, per slot, the
    /// exponent a currency step found in this row (-1 where none did); `row` is the row so far,
    /// for money whose currency came another way (only read: `inout` passes it without
    /// retaining its values once per field).
    func run(
        _ steps: UnsafeBufferPointer<Step>, _ input: UnsafeBufferPointer<UInt8>,
        exponents: UnsafeMutableBufferPointer<Int8>, row: inout RowContext
    ) -> ChainOutcome {
        var value = input
        /// The interned text `value` is, or -1.
        var interned = -1
        var index = 0
        while index < steps.count {
            let output: StepOutput
            switch steps[index] {
            case .trim: output = trim(value)
            case .nullIf(let table): output = nullIf(value, table)
            case .defaultValue(let text): output = value.isEmpty ? .interned(text) : .same
            case .map(let table): output = map(value, table)
            case .lowercase: output = lowercase(value)
            case .currency(let slot): output = currency(value, slot: slot, exponents: exponents)
            case .email: output = email(value)
            case .money(let currencySlot, let fixedExponent, let minor):
                output = money(
                    value, currencySlot: currencySlot, fixedExponent: fixedExponent, minor: minor,
                    exponents: exponents, row: &row)
            case .datetime(let zone, let order, let epoch): output = datetime(value, zones[zone], order, epoch)
            case .split(let separator): output = split(value, separator: separators[separator])
            case .phone(let region): output = phone(value, region: regions[region])
            case .boolean: output = boolean(value)
            case .integer: output = integer(value)
            case .percent: output = percent(value)
            }
            index += 1
            switch output {
            case .same:
                continue
            case .slice(let slice):
                if slice.count != value.count { interned = -1 }
                value = slice
            case .interned(let text):
                if texts[text].isEmpty { return noValue(steps, after: index, exponents: exponents, row: &row) }
                (value, interned) = (UnsafeBufferPointer(textBytes[text]), text)
            case .made(var text):
                if index == steps.count { return .done(.value(.text(text))) }
                // The rest of the chain runs over the new text's bytes.
                return text.withUTF8 { bytes in
                    run(UnsafeBufferPointer(rebasing: steps[index...]), bytes, exponents: exponents, row: &row)
                }
            case .done(let result):
                if case .empty = result { return noValue(steps, after: index, exponents: exponents, row: &row) }
                return .done(result)
            }
        }
        if interned >= 0 { return .interned(interned) }
        return .done(.value(.text(String(decoding: value, as: UTF8.self))))
    }

    /// A value a step emptied: it goes on at the chain's next `default`, if any. (Out of the
    /// loop: handled inside it, the loop cost 260 more instructions a payments row.)
    @inline(never)
    private func noValue(
        _ steps: UnsafeBufferPointer<Step>, after index: Int, exponents: UnsafeMutableBufferPointer<Int8>,
        row: inout RowContext
    ) -> ChainOutcome {
        guard let next = Self.firstDefault(in: steps, from: index) else { return .done(.empty) }
        return run(
            UnsafeBufferPointer(rebasing: steps[next...]), UnsafeBufferPointer(start: nil, count: 0),
            exponents: exponents, row: &row)
    }

    /// The index of the first `default` step at or after `start`, if any: where a value that
    /// is empty (a column without one, or one a step emptied) goes on.
    static func firstDefault(in steps: UnsafeBufferPointer<Step>, from start: Int) -> Int? {
        var index = start
        while index < steps.count {
            if case .defaultValue = steps[index] { return index }
            index += 1
        }
        return nil
    }

    // MARK: - The steps, one function each

    /// Without leading and trailing white space (Unicode `White_Space`); empty when nothing is left.
    @inline(__always)
    private func trim(_ value: UnsafeBufferPointer<UInt8>) -> StepOutput {
        let trimmed = ByteText.trimmed(value)
        return trimmed.isEmpty ? .done(.empty) : .slice(trimmed)
    }

    /// Empty when the trimmed value is one of the table's (compared as Swift compares Strings).
    private func nullIf(_ value: UnsafeBufferPointer<UInt8>, _ table: Int) -> StepOutput {
        let trimmed = ByteText.trimmed(value)
        let listed =
            ByteText.isASCII(trimmed)
            ? nullIfs[table].contains { ByteText.equal(trimmed, $0) }
            : nullIfTexts[table].contains(String(decoding: trimmed, as: UTF8.self))
        return listed ? .done(.empty) : .same
    }

    /// The table's replacement for the trimmed value (keys compared case-insensitively).
    private func map(_ value: UnsafeBufferPointer<UInt8>, _ index: Int) -> StepOutput {
        let key = ByteText.trimmed(value)
        let table = maps[index]
        var found = -1
        if ByteText.isASCII(key) {
            for (position, candidate) in table.keys.enumerated()
            where candidate.count == key.count && ByteText.equalIgnoringASCIICase(key, candidate) {
                found = table.values[position]
                break
            }
        } else {
            // Unicode lower case can make ASCII of what was not (the Kelvin sign is a "k").
            found = table.byText[String(decoding: key, as: UTF8.self).lowercased()] ?? -1
        }
        if found < 0 {
            if table.otherwise == -2 { return .done(.failure("value not in the mapping's table")) }
            found = table.otherwise
        }
        return found >= 0 ? .interned(found) : .same
    }

    private func lowercase(_ value: UnsafeBufferPointer<UInt8>) -> StepOutput {
        .made(
            ByteText.isASCII(value)
                ? ByteText.string(value, mapping: ByteText.lower)
                : String(decoding: value, as: UTF8.self).lowercased())
    }

    /// An upper-case ISO 4217 code; its exponent is noted for the row's money fields.
    private func currency(
        _ value: UnsafeBufferPointer<UInt8>, slot: Int, exponents: UnsafeMutableBufferPointer<Int8>
    ) -> StepOutput {
        let code = ByteText.trimmed(value)
        if code.isEmpty { return .done(.empty) }
        let upper: String
        let exponent: Int?
        if ByteText.isASCII(code) {
            exponent = Currency.exponent(ofBytes: code, uppercasing: true)
            upper = exponent == nil ? "" : ByteText.string(code, mapping: ByteText.upper)
        } else {
            // Unicode upper case can make ASCII of what was not (a long s is an "S").
            upper = String(decoding: code, as: UTF8.self).uppercased()
            exponent = Currency.exponent(of: upper)
        }
        guard let exponent else { return .done(.failure("not an ISO 4217 currency code")) }
        exponents[slot] = Int8(exponent)
        return .made(upper)
    }

    private func email(_ value: UnsafeBufferPointer<UInt8>) -> StepOutput {
        let normalized = Email.normalize(bytes: value) ?? Email.normalize(String(decoding: value, as: UTF8.self))
        switch normalized {
        case .success(let address):
            return .done(.value(.email(normalized: address.normalized, original: address.original)))
        case .failure(.empty): return .done(.empty)
        case .failure(.invalid): return .done(.failure("not a valid email address"))
        }
    }

    /// Integer minor units. The exponent comes from a fixed code, else the code a currency step
    /// found in this row, else the row's currency text (or the configured default).
    private func money(
        _ value: UnsafeBufferPointer<UInt8>, currencySlot: Int, fixedExponent: Int, minor: Bool,
        exponents: UnsafeMutableBufferPointer<Int8>, row: inout RowContext
    ) -> StepOutput {
        var exponent = fixedExponent >= 0 ? fixedExponent : currencySlot >= 0 ? Int(exponents[currencySlot]) : -1
        if exponent < 0 { exponent = row.currencyExponent(slot: currencySlot, fallback: defaultCurrency) ?? -1 }
        guard exponent >= 0 else { return .done(.failure("no valid currency for this amount")) }
        switch Money.minorUnits(bytes: value, exponent: minor ? 0 : exponent) {
        case .success(let amount): return .done(.value(.money(amount)))
        case .failure(let failure): return .done(.failure(failure.description))
        }
    }

    private func datetime(
        _ value: UnsafeBufferPointer<UInt8>, _ zone: TimeZone?, _ order: UTCTime.SlashOrder, _ epoch: Bool
    ) -> StepOutput {
        if ByteText.trimmed(value).isEmpty { return .done(.empty) }
        guard let seconds = UTCTime.parse(bytes: value, zone: zone, order: order, epoch: epoch) else {
            return .done(.failure("not a date and time in a supported format"))
        }
        return .done(.value(.timestamp(seconds)))
    }

    /// Labels split on `separator`, trimmed, empties dropped, duplicates (case ignored) dropped
    /// keeping the first spelling. ASCII labels are compared on bytes; when any label is not
    /// ASCII, the whole value is compared by Unicode lower case (which can make ASCII of what
    /// was not: the Kelvin sign and "k" are the same tag).
    private func split(_ value: UnsafeBufferPointer<UInt8>, separator: [UInt8]) -> StepOutput {
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
        if !allASCII {
            var found: (labels: [String], keys: [String]) = ([], [])
            _ = ByteText.forEachPart(of: value, separatedBy: separator, into: &found) { found, part in
                let label = String(decoding: ByteText.trimmed(part), as: UTF8.self)
                let key = label.lowercased()
                if !label.isEmpty && !found.keys.contains(key) {
                    found.keys.append(key)
                    found.labels.append(label)
                }
                return true
            }
            labels = found.labels
        }
        return .done(labels.isEmpty ? .empty : .value(.list(labels)))
    }

    /// E.164 through the store's phone book or libphonenumber; kept as written (unchecked) when
    /// phones are not normalized, and kept raw (invalid) when libphonenumber refuses it.
    private func phone(_ value: UnsafeBufferPointer<UInt8>, region: String) -> StepOutput {
        let raw = ByteText.trimmed(value)
        if raw.isEmpty { return .done(.empty) }
        let text = String(decoding: raw, as: UTF8.self)
        guard normalizePhones else { return .done(.value(.phone(text, .unchecked))) }
        switch phoneBook?.normalize(text, region: region) ?? PhoneNormalizer.normalize(text, region: region) {
        case .valid(let e164): return .done(.value(.phone(e164, .valid)))
        case .invalid(let kept): return .done(.value(.phone(kept, .invalid)))
        }
    }

    private func boolean(_ value: UnsafeBufferPointer<UInt8>) -> StepOutput {
        let word = ByteText.trimmed(value)
        if word.isEmpty { return .done(.empty) }
        let lowered =
            ByteText.isASCII(word)
            ? ByteText.string(word, mapping: ByteText.lower) : String(decoding: word, as: UTF8.self).lowercased()
        switch lowered {
        case "true", "yes", "y", "1", "t", "on": return .done(.value(.bool(true)))
        case "false", "no", "n", "0", "f", "off": return .done(.value(.bool(false)))
        default: return .done(.failure("not a yes/no value"))
        }
    }

    /// An optional sign and decimal digits, in range (what `Int64(String)` reads).
    private func integer(_ value: UnsafeBufferPointer<UInt8>) -> StepOutput {
        let digits = ByteText.trimmed(value)
        if digits.isEmpty { return .done(.empty) }
        return .done(ByteText.integer(digits).map { .value(.integer($0)) } ?? .failure("not a whole number"))
    }

    /// A number from 0 to 100, with or without a `%`.
    private func percent(_ value: UnsafeBufferPointer<UInt8>) -> StepOutput {
        var text = String(decoding: ByteText.trimmed(value), as: UTF8.self)
        if text.isEmpty { return .done(.empty) }
        if text.hasSuffix("%") { text.removeLast() }
        guard let number = Double(text.trimmed), number.isFinite, (0...100).contains(number) else {
            return .done(.failure("not a percentage between 0 and 100"))
        }
        return .done(.value(.percent(number)))
    }
}
