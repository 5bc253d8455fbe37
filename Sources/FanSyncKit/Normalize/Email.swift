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

    /// The shape check for lower-cased ASCII bytes, in one pass: one `@` after a local part
    /// of 1–64 RFC 5322 atext bytes and single inner dots, then at least two labels of
    /// letters, digits and inner hyphens (1–63 bytes, 253 in all), the last of at least two
    /// letters or an `xn--` label. (Written as one loop over indices: the slices and ranges
    /// of a first version cost ~900 instructions an address.)
    static func asciiShapeIsValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = bytes.count
        var at = -1
        for index in 0..<count where bytes[index] == UInt8(ascii: "@") {
            if at >= 0 { return false }
            at = index
        }
        guard at > 0, at <= 64, bytes[0] != UInt8(ascii: "."), bytes[at - 1] != UInt8(ascii: ".") else { return false }
        var previousDot = false
        for index in 0..<at {
            let byte = bytes[index]
            let dot = byte == UInt8(ascii: ".")
            guard !(dot && previousDot), isLocalByte(byte) else { return false }
            previousDot = dot
        }
        let domainCount = count - at - 1
        guard domainCount > 0, domainCount <= 253 else { return false }
        var labels = 0, labelStart = at + 1, lettersOnly = true
        var index = at + 1
        while true {
            if index == count || bytes[index] == UInt8(ascii: ".") {
                let length = index - labelStart
                guard length > 0, length <= 63, bytes[labelStart] != UInt8(ascii: "-"),
                      bytes[index - 1] != UInt8(ascii: "-") else { return false }
                labels += 1
                if index == count {
                    let punycode = length >= 4 && bytes[labelStart] == UInt8(ascii: "x") && bytes[labelStart + 1] == UInt8(ascii: "n")
                        && bytes[labelStart + 2] == UInt8(ascii: "-") && bytes[labelStart + 3] == UInt8(ascii: "-")
                    return labels >= 2 && length >= 2 && (lettersOnly || punycode)
                }
                labelStart = index + 1
                lettersOnly = true
            } else {
                let byte = bytes[index]
                if byte >= 0x61 && byte <= 0x7A {
                    // a letter
                } else if (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") {
                    lettersOnly = false
                } else {
                    return false
                }
            }
            index += 1
        }
    }

    /// Bytes allowed in the local part (RFC 5322 atext and the dot), lower case.
    @inline(__always)
    private static func isLocalByte(_ byte: UInt8) -> Bool {
        if (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) { return true }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"),
             UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"),
             UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
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
