import Foundation
import Testing

@testable import FanSyncKit

@Suite struct Fingerprints {
    static func fingerprint(_ bytes: [UInt8], chunk: Int) -> String {
        var fingerprint = FileFingerprint()
        var start = 0
        while start < bytes.count {
            let end = min(start + chunk, bytes.count)
            bytes[start..<end].withUnsafeBytes { fingerprint.combine($0) }
            start = end
        }
        return fingerprint.text
    }

    @Test(
        "a file's fingerprint is the same however its bytes are read in chunks", arguments: [1, 3, 7, 8, 9, 64, 65_536])
    func sameAtEveryChunkSize(chunk: Int) {
        let bytes = (0..<10_007).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        #expect(Self.fingerprint(bytes, chunk: chunk) == Self.fingerprint(bytes, chunk: bytes.count))
        #expect(Self.fingerprint(bytes, chunk: chunk).hasSuffix("-10007"))
    }

    @Test("one changed byte, or a trailing zero byte, changes the fingerprint")
    func everyByteCounts() {
        let bytes = Array("id,email\nch_1,a@x.co\n".utf8)
        var seen: Set<String> = [Self.fingerprint(bytes, chunk: 5)]
        for index in bytes.indices {
            var changed = bytes
            changed[index] ^= 0x01
            #expect(seen.insert(Self.fingerprint(changed, chunk: 5)).inserted, "byte \(index)")
        }
        #expect(seen.insert(Self.fingerprint(bytes + [0], chunk: 5)).inserted)
        #expect(seen.insert(Self.fingerprint([], chunk: 5)).inserted)
        #expect(seen.insert(Self.fingerprint([0], chunk: 5)).inserted)
    }
}
