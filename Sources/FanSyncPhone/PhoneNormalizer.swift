import CPhoneNumber

/// Phone numbers to E.164, through libphonenumber.
public enum PhoneNormalizer {
    /// The outcome of normalizing one number.
    public enum Outcome: Sendable, Equatable {
        /// A valid number, in E.164 (`+14155550132`).
        case valid(String)
        /// Not a valid number for its region: kept as written, flagged.
        case invalid(String)
    }

    /// Normalizes `raw`, reading numbers without a country code as numbers of `region`.
    public static func normalize(_ raw: String, region: String) -> Outcome {
        var output = [CChar](repeating: 0, count: 32)
        let status = fs_phone_e164(raw, region, &output, Int32(output.count))
        if status == 1 {
            return .valid(
                String(decoding: output.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return .invalid(raw)
    }

    /// True when libphonenumber knows `region` (ISO 3166 alpha-2, upper case).
    public static func isSupported(region: String) -> Bool {
        fs_phone_region_supported(region) == 1
    }
}
