import Foundation

/// Date and time parsing by hand, from the fixed formats exports use.
///
/// A `DateFormatter` per row (or per call) is far too slow for a million
/// rows; these formats are fixed enough to read digit by digit.
public enum UTCTime {
    /// How `M/d/yyyy` style dates are ordered.
    public enum SlashOrder: String, Sendable { case monthFirst = "mdy", dayFirst = "dmy" }

    /// Parses `text` as one of the supported formats and returns seconds since the epoch (UTC):
    /// - `yyyy-MM-dd HH:mm:ss`, `yyyy-MM-dd HH:mm`, `yyyy-MM-dd` (wall time in `zone`);
    /// - ISO 8601 `yyyy-MM-ddTHH:mm[:ss[.fff]]` with `Z` or `±HH:mm` / `±HHmm` (the offset wins
    ///   over `zone`), or without an offset (wall time in `zone`);
    /// - Excel's `M/d/yyyy H:mm[:ss]` or `M/d/yyyy` (`order` says month or day first);
    /// - `yyyyMMdd` (eight digits: a date, wall time in `zone`);
    /// - with `epoch`, and only then, other all-digit text as epoch seconds (up to 11 digits) or
    ///   milliseconds (12 or 13 digits). Without it `1706659200` or a year alone is no date:
    ///   guessing epoch read `20240131` and `2024` as moments in 1970.
    /// Returns `nil` when the text fits none of them or names an impossible date.
    public static func parse(
        _ text: String, zone: TimeZone? = nil, order: SlashOrder = .monthFirst,
        epoch: Bool = false
    ) -> Int64? {
        var text = text
        return text.withUTF8 { buffer in parse(bytes: buffer, zone: zone, order: order, epoch: epoch) }
    }

    static func parse(
        bytes all: UnsafeBufferPointer<UInt8>, zone: TimeZone?, order: SlashOrder,
        epoch: Bool = false
    ) -> Int64? {
        var lower = 0, upper = all.count
        while lower < upper, all[lower] == 0x20 || all[lower] == 0x09 { lower += 1 }
        while upper > lower, all[upper - 1] == 0x20 || all[upper - 1] == 0x09 { upper -= 1 }
        guard lower < upper else { return nil }
        let bytes = UnsafeBufferPointer(rebasing: all[lower..<upper])
        var scanner = Scanner(bytes: bytes)

        let year, month, day: Int
        if bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            if epoch {
                guard bytes.count <= 13 else { return nil }
                let value = bytes.reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }
                return bytes.count <= 11 ? value : value / 1000
            }
            guard bytes.count == 8, let y = scanner.digits(4), let m = scanner.digits(2), let d = scanner.digits(2)
            else {
                return nil
            }
            (year, month, day) = (y, m, d)
        } else if bytes.count >= 8, bytes[4] == UInt8(ascii: "-") {
            guard let y = scanner.digits(4), scanner.take("-"), let m = scanner.digits(2), scanner.take("-"),
                let d = scanner.digits(2)
            else { return nil }
            (year, month, day) = (y, m, d)
        } else if bytes.contains(UInt8(ascii: "/")) {
            guard let first = scanner.digits(1...2), scanner.take("/"), let second = scanner.digits(1...2),
                scanner.take("/"), let y = scanner.digits(4)
            else { return nil }
            (year, month, day) = order == .monthFirst ? (y, first, second) : (y, second, first)
        } else {
            return nil
        }
        var hour = 0, minute = 0, second = 0
        var offset: Int?
        if !scanner.atEnd {
            guard scanner.take("T") || scanner.take(" ") else { return nil }
            guard let h = scanner.digits(1...2), scanner.take(":"), let mi = scanner.digits(2) else { return nil }
            (hour, minute) = (h, mi)
            if scanner.take(":") {
                guard let s = scanner.digits(2) else { return nil }
                second = s
                if scanner.take(".") || scanner.take(",") {
                    guard scanner.digits(1...9) != nil else { return nil }  // fractions are dropped
                }
            }
            if scanner.take("Z") || scanner.take("z") {
                offset = 0
            } else if let sign = scanner.sign() {
                guard let oh = scanner.digits(2) else { return nil }
                _ = scanner.take(":")
                let om = scanner.digits(2) ?? 0
                offset = sign * (oh * 3600 + om * 60)
            } else if scanner.take(" UTC") || scanner.take(" GMT") {
                offset = 0
            }
            guard scanner.atEnd else { return nil }
        }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let wall =
            Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
        if let offset { return wall - Int64(offset) }
        guard let zone, zone.identifier != "UTC", zone.identifier != "GMT" else { return wall }
        // Wall time in a zone: take the zone's offset at that moment (DST-aware).
        let guess = Date(timeIntervalSince1970: TimeInterval(wall))
        let first = Int64(zone.secondsFromGMT(for: guess))
        let corrected = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wall - first))))
        return wall - corrected
    }

    /// True for a slash date whose first two parts could each be the month (`3/4/2024`, not
    /// `3/3/2024` or `13/4/2024`): month-first and day-first give different dates.
    public static func isAmbiguousSlashDate(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var parts: [Int] = []
        var current = -1
        for byte in text {
            if byte >= 0x30 && byte <= 0x39 {
                current = max(current, 0) * 10 + Int(byte - 0x30)
                if current > 99 { return false }
            } else if byte == UInt8(ascii: "/") {
                guard current >= 0 else { return false }
                parts.append(current)
                current = -1
                if parts.count == 2 { break }
            } else if byte != 0x20 && byte != 0x09 || !parts.isEmpty || current >= 0 {
                return false
            }
        }
        guard parts.count == 2 else { return false }
        return (1...12).contains(parts[0]) && (1...12).contains(parts[1]) && parts[0] != parts[1]
    }

    /// `2024-06-02T10:15:00Z`.
    public static func iso8601(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = Int(seconds - days * 86_400)
        let (y, m, d) = civilFromDays(Int(days))
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = y < 0 ? "-" + String(-y) : String(repeating: "0", count: max(0, 4 - String(y).count)) + String(y)
        return "\(year)-\(two(m))-\(two(d))T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))Z"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var atEnd: Bool { index == bytes.count }

        mutating func take(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func digits(_ count: Int) -> Int? { digits(count...count) }

        mutating func digits(_ range: ClosedRange<Int>) -> Int? {
            var value = 0, taken = 0
            while taken < range.upperBound, index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
                taken += 1
            }
            return taken >= range.lowerBound ? value : nil
        }

        mutating func sign() -> Int? {
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "+") { index += 1; return 1 }
            if bytes[index] == UInt8(ascii: "-") { index += 1; return -1 }
            return nil
        }
    }
}
