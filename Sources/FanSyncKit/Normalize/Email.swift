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
        let original = raw.trimmed
        guard !original.isEmpty else { return .failure(.empty) }
        // The common case, on bytes in one pass: ASCII is already NFC, so lower-casing is
        // byte arithmetic, and the shape is checked on the lower-cased bytes.
        var source = original
        // Already lower-case ASCII (most exports): the address is its own normal form, and
        // shares the original's storage instead of allocating a copy.
        let unchanged = source.withUTF8 { bytes -> Bool? in
            guard bytes.allSatisfy({ $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5A) }) else { return nil }
            return asciiShapeIsValid(bytes)
        }
        if let unchanged {
            return unchanged ? .success((original, original)) : .failure(.invalid(original))
        }
        let ascii = source.withUTF8 { bytes -> (lowered: String, valid: Bool)? in
            var valid = false
            let lowered = String(unsafeUninitializedCapacity: bytes.count) { output in
                for index in bytes.indices {
                    let byte = bytes[index]
                    if byte >= 0x80 { return 0 }
                    output[index] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                }
                valid = asciiShapeIsValid(UnsafeBufferPointer(rebasing: output[..<bytes.count]))
                return bytes.count
            }
            return lowered.utf8.count == bytes.count ? (lowered, valid) : nil
        }
        if let ascii {
            guard ascii.valid else { return .failure(.invalid(original)) }
            return .success((ascii.lowered, original))
        }
        let normalized = original.precomposedStringWithCanonicalMapping.lowercased()
        guard shapeIsValid(normalized) else { return .failure(.invalid(original)) }
        return .success((normalized, original))
    }

    /// The shape check for lower-cased ASCII bytes.
    static func asciiShapeIsValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer(asciiShapeIsValid)
    }

    /// The shape check for lower-cased ASCII bytes.
    static func asciiShapeIsValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), at > 0, at <= 64,
              bytes[(at + 1)...].firstIndex(of: UInt8(ascii: "@")) == nil else { return false }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        guard local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
              !zip(local, local.dropFirst()).contains(where: { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }),
              local.allSatisfy({ localASCII[Int($0)] }), !domain.isEmpty, domain.count <= 253 else { return false }
        var labelStart = domain.startIndex
        var labels = 0
        var lastLabelIsLetters = true
        for index in domain.startIndex...domain.endIndex {
            if index == domain.endIndex || domain[index] == UInt8(ascii: ".") {
                let label = domain[labelStart..<index]
                guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
                      label.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }) else { return false }
                labels += 1
                lastLabelIsLetters = label.count >= 2 && (label.allSatisfy { $0 >= 0x61 && $0 <= 0x7A }
                                                          || label.starts(with: Array("xn--".utf8)))
                labelStart = domain.index(after: index)
            }
        }
        return labels >= 2 && lastLabelIsLetters
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }

    /// Bytes allowed in the local part (RFC 5322 atext and the dot), lower case.
    private static let localASCII: [Bool] = (0..<256).map { byte in
        let scalar = Unicode.Scalar(UInt8(byte))
        return ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
            || "!#$%&'*+-/=?^_`{|}~.".unicodeScalars.contains(scalar)
    }

    /// The shape check for addresses with non-ASCII characters.
    static func shapeIsValid(_ normalized: String) -> Bool {
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
              !local.isEmpty, local.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."),
              local.unicodeScalars.allSatisfy(isLocalCharacter) else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, domain.count <= 253,
              labels.allSatisfy({ label in
                  !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                      && label.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" }
              }),
              let top = labels.last, top.count >= 2, top.allSatisfy(\.isLetter) || top.hasPrefix("xn--") else {
            return false
        }
        return true
    }

    private static func isLocalCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value > 0x7F { return scalar.properties.isAlphabetic || scalar.properties.numericType != nil }
        if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) { return true }
        return "!#$%&'*+-/=?^_`{|}~.".unicodeScalars.contains(scalar)
    }
}
