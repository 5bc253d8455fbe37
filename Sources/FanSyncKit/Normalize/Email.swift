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
        var source = raw
        if let ascii = source.withUTF8(normalize(bytes:)) { return ascii }
        let original = raw.trimmed
        let normalized = original.precomposedStringWithCanonicalMapping.lowercased()
        guard shapeIsValid(normalized) else { return .failure(.invalid(original)) }
        return .success((normalized, original))
    }

    /// The common case, on bytes in one pass (the transform interpreter calls it on a value's
    /// bytes): ASCII is already NFC, so lower-casing is byte arithmetic and the shape is checked
    /// on the lower-cased bytes. Nil when the trimmed address is not all ASCII.
    static func normalize(
        bytes raw: UnsafeBufferPointer<UInt8>
    ) -> Result<(normalized: String, original: String), Failure>? {
        let trimmed = ByteText.trimmed(raw)
        if trimmed.isEmpty { return .failure(.empty) }
        var upper = false
        for byte in trimmed {
            if byte >= 0x80 { return nil }
            if byte >= 0x41 && byte <= 0x5A { upper = true }
        }
        let original = String(decoding: trimmed, as: UTF8.self)
        if !upper {
            // Already lower case (most exports): its own normal form, sharing the original's storage.
            return asciiShapeIsValid(trimmed) ? .success((original, original)) : .failure(.invalid(original))
        }
        var valid = false
        let lowered = String(unsafeUninitializedCapacity: trimmed.count) { output in
            for index in trimmed.indices { output[index] = ByteText.lower(trimmed[index]) }
            valid = asciiShapeIsValid(UnsafeBufferPointer(rebasing: output[..<trimmed.count]))
            return trimmed.count
        }
        return valid ? .success((lowered, original)) : .failure(.invalid(original))
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
                    bytes[index - 1] != UInt8(ascii: "-")
                else { return false }
                labels += 1
                if index == count {
                    let punycode =
                        length >= 4 && bytes[labelStart] == UInt8(ascii: "x")
                        && bytes[labelStart + 1] == UInt8(ascii: "n")
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
            local.unicodeScalars.allSatisfy(isLocalCharacter)
        else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, domain.count <= 253,
            labels.allSatisfy({ label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy {
                        $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-"
                    }
            }),
            let top = labels.last, top.count >= 2, top.allSatisfy(\.isLetter) || top.hasPrefix("xn--")
        else {
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
