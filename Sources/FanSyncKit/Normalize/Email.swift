import Foundation

/// Email addresses: the identity key of every person.
public enum Email {
    /// Why a value is not an address.
    public enum Failure: Error, Sendable, Equatable {
        case empty
        case invalid(String)
    }

    /// Trims, applies Unicode NFC and lower-cases `raw`, then checks its shape:
    /// one `@`, a non-empty local part without spaces, and a domain of at least
    /// two labels made of letters, digits and hyphens.
    /// Returns the normalized address and the trimmed original (for display).
    public static func normalize(_ raw: String) -> Result<(normalized: String, original: String), Failure> {
        let original = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !original.isEmpty else { return .failure(.empty) }
        let normalized = original.precomposedStringWithCanonicalMapping.lowercased()
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
              !local.isEmpty, local.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."),
              local.unicodeScalars.allSatisfy(isLocalCharacter) else { return .failure(.invalid(original)) }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, domain.count <= 253,
              labels.allSatisfy({ label in
                  !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                      && label.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" }
              }),
              let top = labels.last, top.count >= 2, top.allSatisfy(\.isLetter) || top.hasPrefix("xn--") else {
            return .failure(.invalid(original))
        }
        return .success((normalized, original))
    }

    private static func isLocalCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value > 0x7F { return scalar.properties.isAlphabetic || scalar.properties.numericType != nil }
        if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) { return true }
        return "!#$%&'*+-/=?^_`{|}~.".unicodeScalars.contains(scalar)
    }
}
