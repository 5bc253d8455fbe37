import FanSyncSQLite

/// What a ledger holds for each key of one kind, in memory: the content hash stored under each
/// (store, source, source id), so that a re-imported row with the same content is known to be
/// unchanged without asking SQLite (a lookup by key cost about 9,500 instructions a row; this one
/// a hash and a probe).
///
/// Keys are kept as 128-bit hashes and contents as the first 64 bits of the row's content hash:
/// a row is taken for unchanged only when both match, so a changed row passes for unchanged with
/// a chance of 2⁻⁶⁴. The table has a fixed number of slots, decided when it is filled, so memory
/// stays flat whatever the file: a ledger too large for ``maximumSlots`` has no table, and a table
/// that fills up during an import is dropped (the landing then asks SQLite, as without one).
final class KnownContent {
    /// The most slots a table may take (24 bytes each: 48 MiB).
    static let maximumSlots = 1 << 21

    /// Three words a slot, side by side (one cache line per probe): the key's two halves, then the
    /// content hash's first 64 bits, 0 marking an empty slot (a stored 0 is kept as 1, which only
    /// makes that row look changed and go through SQLite).
    private var slots: [UInt64]
    private let mask: Int
    /// 64 minus the slot count's bits: a key's slot is the top bits of its first half times a
    /// large odd number (FNV's low bits depend only on the input's low bits).
    private let shift: UInt64
    private(set) var count = 0

    /// A table for about `rows` keys, or nil when that many would not fit in ``maximumSlots``.
    init?(rows: Int) {
        var size = 1024, bits: UInt64 = 10
        while size < rows + rows / 2 {
            size *= 2
            bits += 1
            if size > Self.maximumSlots { return nil }
        }
        slots = Array(repeating: 0, count: 3 * size)
        mask = size - 1
        shift = 64 - bits
    }

    /// The 128-bit hash of a ledger key.
    static func key(store: String, source: String, sourceID: String) -> (UInt64, UInt64) {
        var hasher = StableHasher()
        hasher.combine(store)
        hasher.combine(source)
        hasher.combine(sourceID)
        return (hasher.a, hasher.b)
    }

    /// The table of every row in `table` (sized for `rows` keys and some to come), read in one
    /// pass in table order; nil when they would not fit.
    static func read(_ table: String, rows: Int, from db: Database) throws -> KnownContent? {
        guard let known = KnownContent(rows: rows) else { return nil }
        let all = try db.prepare("SELECT store, source, source_id, content_hash FROM \(table) NOT INDEXED")
        defer { all.reset() }
        while try all.step() {
            var hasher = StableHasher()
            for column: Int32 in 0..<3 { _ = all.withTextBytes(column) { hasher.combine(bytes: $0) } }
            guard let hash = all.withTextBytes(3, { content(utf8: $0) }) ?? nil, known.set((hasher.a, hasher.b), hash)
            else { return nil }
        }
        return known
    }

    /// What the table keeps of a content digest (``Store/contentDigest(_:)``): its first lane.
    static func content(lane: UInt64) -> UInt64 { lane == 0 ? 1 : lane }

    /// The same of a stored content hash, the digest's `hexDigest` as UTF-8 bytes (its first 16
    /// digits are the first lane); nil when it is not one.
    static func content(utf8 hex: some Sequence<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        for byte in hex.prefix(16) {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt64(nibble)
            digits += 1
        }
        guard digits == 16 else { return nil }
        return content(lane: value)
    }

    private func home(_ key: (UInt64, UInt64)) -> Int {
        Int(truncatingIfNeeded: (key.0 &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The slot that holds `key`, or the empty slot where it would go.
    private func slot(of key: (UInt64, UInt64)) -> Int {
        var slot = home(key)
        while slots[3 * slot + 2] != 0, slots[3 * slot] != key.0 || slots[3 * slot + 1] != key.1 {
            slot = (slot + 1) & mask
        }
        return slot
    }

    /// The content stored under `key`, if the table has it.
    func content(of key: (UInt64, UInt64)) -> UInt64? {
        let stored = slots[3 * slot(of: key) + 2]
        return stored == 0 ? nil : stored
    }

    /// Stores `content` under `key`; false when the table is too full to take a new key.
    func set(_ key: (UInt64, UInt64), _ content: UInt64) -> Bool {
        let slot = slot(of: key)
        if slots[3 * slot + 2] != 0 {
            slots[3 * slot + 2] = content
            return true
        }
        // At most three quarters full, so probes stay short.
        guard (count + 1) * 4 <= (mask + 1) * 3 else { return false }
        slots[3 * slot] = key.0
        slots[3 * slot + 1] = key.1
        slots[3 * slot + 2] = content
        count += 1
        return true
    }
}
