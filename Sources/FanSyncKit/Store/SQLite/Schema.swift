import FanSyncSQLite

/// The store's tables, created by numbered migrations (`PRAGMA user_version`).
///
/// Ledger tables hold facts, one per kind, keyed by `(store, source,
/// source_id)`; `customers`, `customer_totals`, `fans` and `fan_activity`
/// are derived from them. The statements keep to SQL that PostgreSQL also
/// speaks (no SQLite-only syntax in the merge).
enum Schema {
    /// A ledger column: its name and SQL type.
    struct Column {
        var name: String
        var type: String
    }

    /// The data columns of a kind's ledger table, in order (after store, source, source_id).
    static func columns(of kind: RecordKind) -> [Column] {
        var columns: [Column] = []
        for field in kind.schema where field.name != "store" {
            switch field.type {
            case .email:
                columns += [
                    Column(name: field.name, type: "TEXT"), Column(name: field.name + "_display", type: "TEXT"),
                ]
            case .phone:
                columns += [Column(name: field.name, type: "TEXT"), Column(name: field.name + "_status", type: "TEXT")]
            case .text, .list: columns.append(Column(name: field.name, type: "TEXT"))
            case .money, .integer, .bool, .timestamp: columns.append(Column(name: field.name, type: "INTEGER"))
            case .percent: columns.append(Column(name: field.name, type: "REAL"))
            }
        }
        return columns
    }

    /// Bookkeeping columns every ledger row has, after the data columns.
    static let bookkeeping: [Column] = [
        Column(name: "rank", type: "INTEGER NOT NULL"),
        Column(name: "seen_at", type: "INTEGER"),
        Column(name: "version", type: "INTEGER NOT NULL"),
        Column(name: "content_hash", type: "TEXT NOT NULL"),
        Column(name: "file", type: "TEXT NOT NULL"),
        Column(name: "line", type: "INTEGER NOT NULL"),
        Column(name: "import_id", type: "INTEGER NOT NULL"),
    ]

    /// A secondary index a bulk load may set aside and rebuild.
    struct Index {
        var name: String
        var create: String
    }

    static func ledgerEmailIndex(_ kind: RecordKind) -> Index {
        Index(name: "\(kind.table)_email", create: "CREATE INDEX \(kind.table)_email ON \(kind.table) (store, email)")
    }

    /// Finds the rows an import wrote, for the people it touched. (Cheap to keep: an
    /// import's entries all go at the end of the index.)
    static func ledgerImportIndex(_ kind: RecordKind) -> Index {
        Index(name: "\(kind.table)_import", create: "CREATE INDEX \(kind.table)_import ON \(kind.table) (import_id)")
    }

    /// Finds rows by the customer they name (attribution; see migration 5): payments and
    /// subscriptions by customer id, Stripe customers by their own id.
    static func ledgerCustomerIndex(_ kind: RecordKind) -> Index? {
        switch kind {
        case .payment, .subscription:
            return Index(
                name: "\(kind.table)_customer",
                create: "CREATE INDEX \(kind.table)_customer ON \(kind.table) (store, customer_id)")
        case .stripeCustomer:
            return Index(
                name: "stripe_customers_id",
                create: "CREATE INDEX stripe_customers_id ON stripe_customers (store, source_id)")
        default:
            return nil
        }
    }

    /// The listings' indexes on people (see migration 1).
    static let peopleIndexes = [
        Index(name: "people_spent", create: "CREATE INDEX people_spent ON people (store, settlement_net)"),
        Index(name: "people_first_seen", create: "CREATE INDEX people_first_seen ON people (store, first_seen_at)"),
    ]

    /// Records in `peak_history` that a (row, address) pair was evidence for a rank,
    /// keeping the higher rank when the pair is there already; `rows` gives the six columns
    /// (`VALUES` with parameters for a version the landing decided on, a `SELECT` with a
    /// `WHERE` for the rows attribution moves).
    static func raisePeakHistory(_ rows: String) -> String {
        """
        INSERT INTO peak_history (store, source, source_id, email, rank, import_id) \(rows)
        ON CONFLICT (store, source, source_id, email) DO UPDATE SET
          rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END,
          import_id = excluded.import_id
        """
    }

    /// A ledger row's columns in the order the landing binds them: the key, the data, the bookkeeping.
    static func ledgerColumnNames(_ kind: RecordKind) -> [String] {
        ["store", "source", "source_id"] + (columns(of: kind) + bookkeeping).map(\.name)
    }

    /// The lookup of a stored row's content hash, version, address and rank by its key (and
    /// its customer id, for the kinds that have one, then whether attribution gave it its
    /// address, for the kinds it can).
    static func storedVersion(_ kind: RecordKind) -> String {
        let customer = ledgerColumnNames(kind).contains("customer_id") ? ", customer_id" : ""
        let attributed = kind.isAttributable ? ", email_via_customer" : ""
        return "SELECT content_hash, version, email, rank\(customer)\(attributed) FROM \(kind.table) "
            + "WHERE store = ? AND source = ? AND source_id = ?"
    }

    /// The rewrite of a stored row by a newer version of it: an UPDATE by key that sets the
    /// address and the customer id only when they change (`email`, `customer`). SQLite rewrites
    /// an index entry for every column a statement sets, changed or not, and those two are
    /// indexed. Its parameters are numbered as ``ledgerColumnNames(_:)``, so the landing binds
    /// the whole row as for an insert. A newer version brings its own email (or none), and
    /// attribution is derived again after the file. (``Store/land(_:store:importID:)`` decides
    /// which version is newer: the higher version, then the greater content hash, so the outcome
    /// does not depend on import order; it writes what the replaced version was evidence for to
    /// the history.)
    static func replace(_ kind: RecordKind, email: Bool, customer: Bool) -> String {
        var assignments: [String] = []
        for (index, name) in ledgerColumnNames(kind).enumerated().dropFirst(3) {
            if (name == "email" && !email) || (name == "customer_id" && !customer) { continue }
            assignments.append("\(name) = ?\(index + 1)")
        }
        if kind.isAttributable { assignments.append("email_via_customer = 0") }
        return "UPDATE \(kind.table) SET " + assignments.joined(separator: ", ")
            + " WHERE store = ?1 AND source = ?2 AND source_id = ?3"
    }

    /// The insert of a row whose key is new; a key already there is left as it is (the
    /// landing then decides between the two versions). No trigger and no conflict that aborts:
    /// SQLite keeps no statement journal for it.
    static func insertNew(_ kind: RecordKind) -> String {
        let names = ledgerColumnNames(kind)
        return "INSERT INTO \(kind.table) (\(names.joined(separator: ", "))) VALUES ("
            + names.map { _ in "?" }.joined(separator: ", ") + ") ON CONFLICT (store, source, source_id) DO NOTHING"
    }

    /// The migrations, in order (frozen literal SQL: see ``Migrations``).
    static let migrations: [String] = Migrations.all

    /// The last version whose migration may have rewritten ledger rows' keys or content (12, the
    /// version of the kept tables of what the ledgers hold; 13 only dropped triggers): tables kept
    /// by a store from before it are dropped when it is opened. A migration that rewrites ledger
    /// rows raises it.
    static let ledgerRewrittenVersion: Int64 = 12

    /// The last version that changed what people rows are derived from or carry (5: native-currency
    /// totals; 7: sources named by system and kind; 9: each row's share of the kept stats): a
    /// store migrated from before it has its people recomputed, once.
    static let peopleRecomputedVersion: Int64 = 9

    /// Brings `db` up to the latest schema, one migration per transaction; returns the
    /// version the store was at before (0 for a new store).
    @discardableResult
    static func migrate(_ db: Database) throws -> Int64 {
        guard let current = try db.prepare("PRAGMA user_version").rows().first?.first?.int else { return 0 }
        if current > Int64(migrations.count) {
            throw StoreError.newerSchema(found: Int(current), known: migrations.count, path: db.path)
        }
        for (index, sql) in migrations.enumerated() where Int64(index + 1) > current {
            try db.transaction {
                try db.execute(sql)
                try db.execute("PRAGMA user_version = \(index + 1)")
            }
        }
        return current
    }
}

/// Store errors beyond SQLite's own.
public enum StoreError: DisposedError, Sendable {
    case newerSchema(found: Int, known: Int, path: String)
    /// A ledger row's key refused a new row, yet its lookup found none: the table's key
    /// index disagrees with it.
    case unreadableKey(table: String, sourceID: String, path: String)

    /// A store written by a newer fansync needs that fansync; a damaged one, repair.
    public var disposition: ErrorDisposition { .fatal }

    public var description: String {
        switch self {
        case .newerSchema(let found, let known, let path):
            return
                "\(path): the store was written by a newer fansync (schema \(found), this one knows \(known)). Upgrade fansync."
        case .unreadableKey(let table, let sourceID, let path):
            return
                "\(path): the \(table) row \(sourceID) is in the table's key index but cannot be read by its key: the index is damaged. Nothing was imported; run `sqlite3 \(path) 'REINDEX \(table)'`, then import again."
        }
    }
}
