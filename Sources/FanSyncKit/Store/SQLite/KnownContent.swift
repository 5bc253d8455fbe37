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
    private var mask: Int
    /// 64 minus the slot count's bits: a key's slot is the top bits of its first half times a
    /// large odd number (FNV's low bits depend only on the input's low bits).
    private var shift: UInt64
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
        guard let known = KnownContent(rows: rows),
            try known.set(db.prepare("SELECT store, source, source_id, content_hash FROM \(table) NOT INDEXED"))
                != nil
        else { return nil }
        return known
    }

    /// Sets every row `rows` gives (store, source, source id, content hash); returns how many, or
    /// nil when one is not a row of a ledger or the table is full.
    private func set(_ rows: Statement, binding importID: Int64? = nil) throws -> Int? {
        defer { rows.reset() }
        if let importID { try rows.bind(1, importID) }
        var count = 0
        while try rows.step() {
            var hasher = StableHasher()
            for column: Int32 in 0..<3 { _ = rows.withTextBytes(column) { hasher.combine(bytes: $0) } }
            guard let hash = rows.withTextBytes(3, { Self.content(utf8: $0) }) ?? nil, set((hasher.a, hasher.b), hash)
            else { return nil }
            count += 1
        }
        return count
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

    /// Every key and its content as the store keeps them (`known_content`, migration 12): three
    /// little-endian 64-bit words an entry (the key's halves, the content), in slot order, so a
    /// table of the same size fills back in order, a cache line after the other. The entries are
    /// gathered at the front of the table's own slots (no second copy of a table of a million
    /// rows): the table is empty after.
    func emptying<Result>(into body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var kept = 0
        for slot in 0...mask where slots[3 * slot + 2] != 0 {
            for word in 0..<3 { slots[3 * kept + word] = slots[3 * slot + word].littleEndian }
            kept += 1
        }
        defer {
            // One slot, empty: nothing is found, and nothing more fits.
            slots = [0, 0, 0]
            mask = 0
            shift = 64
            count = 0
        }
        return try slots.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(24 * kept))) }
    }

    /// Every entry, as the three words of ``emptying(into:)`` (for tests).
    func entries() -> Set<[UInt64]> {
        Set((0...mask).filter { slots[3 * $0 + 2] != 0 }.map { Array(slots[3 * $0..<3 * $0 + 3]) })
    }

    /// Sets the entries `bytes` holds (``emptying(into:)``, whole entries); false when they are
    /// not entries or the table is too full for them.
    func add(entries bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count % 24 == 0 else { return false }
        for entry in 0..<bytes.count / 24 {
            func word(_ index: Int) -> UInt64 {
                UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24 * entry + 8 * index, as: UInt64.self))
            }
            let content = word(2)
            guard content != 0, set((word(0), word(1)), content) else { return false }
        }
        return true
    }

    /// Sets every row of `table` written by an import after `importID` (through its import index),
    /// as ``read(_:rows:from:)`` would; returns how many, or nil when one is not a row of the ledger
    /// or the table is full.
    func update(from table: String, after importID: Int64, in db: Database) throws -> Int? {
        try set(
            db.prepare("SELECT store, source, source_id, content_hash FROM \(table) WHERE import_id > ?"),
            binding: importID)
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
