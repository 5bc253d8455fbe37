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
        var bytes = Array(text.utf8)[...]
        while let b = bytes.first, b == 0x20 { bytes.removeFirst() }
        while let b = bytes.last, b == 0x20 { bytes.removeLast() }
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes.removeFirst()
        }
        guard !bytes.isEmpty else { return .failure(.notANumber) }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return .failure(.notANumber) }
        var whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : []
        if whole.contains(UInt8(ascii: ",")) {
            let groups = whole.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            guard let head = groups.first, (1...3).contains(head.count),
                  groups.dropFirst().allSatisfy({ $0.count == 3 }) else { return .failure(.notANumber) }
            whole = ArraySlice(groups.joined())
        }
        guard !(whole.isEmpty && fraction.isEmpty),
              whole.allSatisfy(isDigit), fraction.allSatisfy(isDigit),
              parts.count == 1 || !fraction.isEmpty else { return .failure(.notANumber) }
        if fraction.count > exponent, fraction.dropFirst(exponent).contains(where: { $0 != 0x30 }) {
            return .failure(.tooPrecise(exponent: exponent))
        }
        var value: Int64 = 0
        for digit in whole {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = shifted.addingReportingOverflow(Int64(digit - 0x30))
            if overflow1 || overflow2 { return .failure(.outOfRange) }
            value = added
        }
        for position in 0..<exponent {
            let digit = position < fraction.count ? Int64(fraction[fraction.startIndex + position] - 0x30) : 0
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = shifted.addingReportingOverflow(digit)
            if overflow1 || overflow2 { return .failure(.outOfRange) }
            value = added
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
    /// The exponent of `code` (upper case), or `nil` when it is not an active ISO 4217 code.
    public static func exponent(of code: String) -> Int? {
        if let special = specialExponents[code] { return special }
        return twoDecimalCodes.contains(code) ? 2 : nil
    }

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
