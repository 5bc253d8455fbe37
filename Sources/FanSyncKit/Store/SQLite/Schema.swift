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
                columns += [Column(name: field.name, type: "TEXT"), Column(name: field.name + "_display", type: "TEXT")]
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

    /// A kind's ledger table as migration 4 leaves it: a rowid table (rows are
    /// wide, so appending them beats keeping them in key order), the source's id
    /// unique, indexes by email (for the merge) and by import, and a trigger that keeps in
    /// `peak_history` what a replaced row was evidence for when the new version
    /// moves it to another address or ranks it lower.
    static func createLedgerV4(_ kind: RecordKind, table: String) -> String {
        let body = (columns(of: kind) + bookkeeping).map { "  \($0.name) \($0.type)" }.joined(separator: ",\n")
        return """
            CREATE TABLE \(table) (
              store TEXT NOT NULL,
              source TEXT NOT NULL,
              source_id TEXT NOT NULL,
            \(body),
              UNIQUE (store, source, source_id)
            );
            """
    }

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
            return Index(name: "\(kind.table)_customer",
                         create: "CREATE INDEX \(kind.table)_customer ON \(kind.table) (store, customer_id)")
        case .stripeCustomer:
            return Index(name: "stripe_customers_id", create: "CREATE INDEX stripe_customers_id ON stripe_customers (store, source_id)")
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
    /// keeping the higher rank when the pair is there already; `values` are the six
    /// columns' expressions (parameters for the store, the old row for the trigger).
    static func raisePeakHistory(values: String) -> String {
        """
        INSERT INTO peak_history (store, source, source_id, email, rank, import_id) VALUES (\(values))
        ON CONFLICT (store, source, source_id, email) DO UPDATE SET
          rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END,
          import_id = excluded.import_id
        """
    }

    static func ledgerIndexesV4(_ kind: RecordKind) -> String {
        let t = kind.table
        return """
            \(ledgerEmailIndex(kind).create);
            \(ledgerImportIndex(kind).create);
            CREATE TRIGGER \(t)_replaced AFTER UPDATE OF email, rank ON \(t)
            WHEN old.email IS NOT NULL AND (old.email IS NOT new.email OR old.rank > new.rank)
            BEGIN
                \(raisePeakHistory(values: "old.store, old.source, old.source_id, old.email, old.rank, new.import_id"));
            END;
            """
    }

    /// Migration 4: ledgers become rowid tables (wide rows append instead of keeping key order), and
    /// the per-row `peaks` table becomes `peak_history`, which only holds what
    /// the ledger no longer shows (a row's former address, or a higher former
    /// rank). A person's peak is the maximum over both. Landing a row used to
    /// write five B-trees in key order; it now appends to two (the table and the
    /// import index) and writes two (its source id and its email).
    static var migration4: String {
        var sql = """
            CREATE TABLE peak_history (
              store TEXT NOT NULL,
              source TEXT NOT NULL,
              source_id TEXT NOT NULL,
              email TEXT NOT NULL,
              rank INTEGER NOT NULL,
              import_id INTEGER NOT NULL,
              PRIMARY KEY (store, source, source_id, email)
            ) WITHOUT ROWID;
            CREATE INDEX peak_history_email ON peak_history (store, email);
            INSERT INTO peak_history (store, source, source_id, email, rank, import_id)
              SELECT store, source, source_id, email, rank, 0 FROM peaks;

            """
        for kind in RecordKind.allCases {
            let t = kind.table
            let names = (["store", "source", "source_id"] + (columns(of: kind) + bookkeeping).map(\.name))
                .joined(separator: ", ")
            sql += """
                DELETE FROM peak_history WHERE EXISTS (
                  SELECT 1 FROM \(t) l WHERE l.store = peak_history.store AND l.source = peak_history.source
                    AND l.source_id = peak_history.source_id AND l.email = peak_history.email AND l.rank >= peak_history.rank);
                \(createLedgerV4(kind, table: t + "_v4"))
                INSERT INTO \(t)_v4 (\(names)) SELECT \(names) FROM \(t) ORDER BY import_id;
                DROP TABLE \(t);
                ALTER TABLE \(t)_v4 RENAME TO \(t);
                \(ledgerIndexesV4(kind))

                """
        }
        return sql + "DROP TABLE peaks;\n"
    }

    static func createLedger(_ kind: RecordKind) -> String {
        let body = (columns(of: kind) + bookkeeping).map { "  \($0.name) \($0.type)" }.joined(separator: ",\n")
        return """
            CREATE TABLE \(kind.table) (
              store TEXT NOT NULL,
              source TEXT NOT NULL,
              source_id TEXT NOT NULL,
            \(body),
              PRIMARY KEY (store, source, source_id)
            ) WITHOUT ROWID;
            CREATE INDEX \(kind.table)_email ON \(kind.table) (store, email);
            CREATE INDEX \(kind.table)_import ON \(kind.table) (import_id);
            """
    }

    /// The upsert for one kind: a row replaces the stored one only when it is
    /// newer (version, then content hash, so the outcome does not depend on import order).
    /// The same content again (a re-import, or the same row in another file or on another
    /// line) writes nothing: the row keeps the file and line it was first seen at and the
    /// import that wrote it, so its person is not touched, and a nightly re-import of an
    /// unchanged export costs a lookup a row. (Content that differs returns the stored row,
    /// winner or not, so the caller can keep what a losing version was evidence for.)
    static func upsert(_ kind: RecordKind) -> String {
        let data = columns(of: kind) + bookkeeping
        let names = ["store", "source", "source_id"] + data.map(\.name)
        let placeholders = names.map { _ in "?" }.joined(separator: ", ")
        let t = kind.table
        let newer = """
            (excluded.version > \(t).version OR (excluded.version = \(t).version AND excluded.content_hash > \(t).content_hash))
            """
        var assignments = data.map { column in
            "\(column.name) = CASE WHEN \(newer) THEN excluded.\(column.name) ELSE \(t).\(column.name) END"
        }
        // A newer version brings its own email (or none): attribution is derived again after the file.
        if kind.isAttributable {
            assignments.append("email_via_customer = CASE WHEN \(newer) THEN 0 ELSE \(t).email_via_customer END")
        }
        return "INSERT INTO \(t) (\(names.joined(separator: ", "))) VALUES (\(placeholders)) "
            + "ON CONFLICT (store, source, source_id) DO UPDATE SET " + assignments.joined(separator: ", ")
            + " WHERE excluded.content_hash <> \(t).content_hash RETURNING email, rank"
    }

    static let migrations: [String] = [
        // 1: ledger, imports, rejects, people.
        """
        CREATE TABLE imports (
          id INTEGER PRIMARY KEY,
          store TEXT NOT NULL,
          file TEXT NOT NULL,
          content_hash TEXT NOT NULL,
          mapping TEXT NOT NULL,
          started_at INTEGER NOT NULL,
          finished_at INTEGER,
          rows_read INTEGER NOT NULL DEFAULT 0,
          rows_accepted INTEGER NOT NULL DEFAULT 0,
          rows_rejected INTEGER NOT NULL DEFAULT 0,
          people_new INTEGER NOT NULL DEFAULT 0,
          people_updated INTEGER NOT NULL DEFAULT 0,
          people_unchanged INTEGER NOT NULL DEFAULT 0,
          rejects_path TEXT
        );
        CREATE INDEX imports_content ON imports (store, content_hash, mapping);
        CREATE TABLE rejects (
          import_id INTEGER NOT NULL REFERENCES imports (id),
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          column_number INTEGER,
          column_name TEXT,
          value TEXT,
          reason TEXT NOT NULL
        );
        CREATE INDEX rejects_import ON rejects (import_id);
        -- Every (ledger row, email) pair ever landed, with the highest type it was
        -- evidence for: a person's type is the maximum over these, so it never goes
        -- down, even when a later export moves the row to another address.
        CREATE TABLE peaks (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT NOT NULL,
          rank INTEGER NOT NULL,
          PRIMARY KEY (store, source, source_id, email)
        ) WITHOUT ROWID;
        CREATE INDEX peaks_email ON peaks (store, email);
        """
        + RecordKind.allCases.map(createLedger).joined(separator: "\n")
        + """

        -- One row per person and store; customers and fans are views of it.
        CREATE TABLE people (
          store TEXT NOT NULL,
          email TEXT NOT NULL,
          email_display TEXT NOT NULL,
          name TEXT,
          first_name TEXT,
          last_name TEXT,
          phone TEXT,
          type TEXT NOT NULL,
          type_rank INTEGER NOT NULL,
          status TEXT,
          purchases INTEGER NOT NULL,
          first_purchase_at INTEGER,
          last_purchase_at INTEGER,
          is_repeat INTEGER NOT NULL,
          settlement_currency TEXT,
          settlement_net INTEGER,
          first_source TEXT NOT NULL,
          first_product TEXT,
          first_seen_at INTEGER,
          last_activity_at INTEGER,
          sources TEXT NOT NULL,
          tags TEXT NOT NULL,
          score INTEGER NOT NULL,
          daw TEXT,
          genre TEXT,
          level TEXT,
          goals TEXT,
          image_url TEXT,
          content_hash TEXT NOT NULL,
          PRIMARY KEY (store, email)
        ) WITHOUT ROWID;
        -- For the listings on big stores: the top spenders, and who is new. (Every index
        -- slows each person written by an import; the other sorts stay under a second
        -- on a million people without one.)
        CREATE INDEX people_spent ON people (store, settlement_net);
        CREATE INDEX people_first_seen ON people (store, first_seen_at);
        -- The store's stats as of the last import (see Queries.refreshSummary).
        CREATE TABLE summaries (
          store TEXT PRIMARY KEY,
          computed_at INTEGER NOT NULL,
          stats TEXT NOT NULL
        );
        -- Customers: people with evidence of at least a lead (registered users with
        -- nothing else are fans only).
        CREATE VIEW customers AS
          SELECT store, email, email_display, name, first_name, last_name, phone, type, type_rank, status,
                 purchases, first_purchase_at, last_purchase_at, is_repeat, settlement_currency, settlement_net,
                 first_source, first_product, first_seen_at, last_activity_at, sources
          FROM people WHERE type_rank >= 1;
        -- Fans: everyone with a valid email, with tags, score and producer profile.
        CREATE VIEW fans AS
          SELECT store, email, email_display, name, first_name, last_name, phone, type, type_rank, tags, score,
                 daw, genre, level, goals, image_url, first_source AS source, purchases, first_seen_at,
                 last_activity_at
          FROM people;
        CREATE TABLE customer_totals (
          store TEXT NOT NULL,
          email TEXT NOT NULL,
          kind TEXT NOT NULL,
          currency TEXT NOT NULL,
          gross INTEGER NOT NULL,
          refunded INTEGER NOT NULL,
          net INTEGER NOT NULL,
          purchases INTEGER NOT NULL,
          PRIMARY KEY (store, email, kind, currency)
        ) WITHOUT ROWID;
        CREATE TABLE fan_activity (
          store TEXT NOT NULL,
          email TEXT NOT NULL,
          at INTEGER,
          text TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          PRIMARY KEY (store, email, source, source_id)
        ) WITHOUT ROWID;
        """,
        // 2: pushing: what each endpoint acknowledged, batches in flight, dead letters.
        """
        CREATE TABLE push_state (
          endpoint TEXT NOT NULL,
          store TEXT NOT NULL,
          record_key TEXT NOT NULL,
          content_hash TEXT NOT NULL,
          acknowledged_at INTEGER NOT NULL,
          PRIMARY KEY (endpoint, store, record_key)
        ) WITHOUT ROWID;
        CREATE TABLE push_outbox (
          idempotency_key TEXT PRIMARY KEY,
          endpoint TEXT NOT NULL,
          store TEXT NOT NULL,
          records TEXT NOT NULL,
          body TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX push_outbox_endpoint ON push_outbox (endpoint, store);
        CREATE TABLE push_dead (
          endpoint TEXT NOT NULL,
          store TEXT NOT NULL,
          record_key TEXT NOT NULL,
          content_hash TEXT NOT NULL,
          status INTEGER NOT NULL,
          response TEXT NOT NULL,
          body TEXT NOT NULL,
          failed_at INTEGER NOT NULL,
          PRIMARY KEY (endpoint, store, record_key)
        );
        CREATE TABLE push_runs (
          id INTEGER PRIMARY KEY,
          endpoint TEXT NOT NULL,
          store TEXT NOT NULL,
          started_at INTEGER NOT NULL,
          finished_at INTEGER,
          sent INTEGER NOT NULL DEFAULT 0,
          acknowledged INTEGER NOT NULL DEFAULT 0,
          unchanged INTEGER NOT NULL DEFAULT 0,
          retried INTEGER NOT NULL DEFAULT 0,
          dead INTEGER NOT NULL DEFAULT 0,
          pending INTEGER NOT NULL DEFAULT 0
        );
        """,
        // 3: job runs.
        """
        CREATE TABLE runs (
          id INTEGER PRIMARY KEY,
          job TEXT NOT NULL,
          store TEXT NOT NULL,
          started_at INTEGER NOT NULL,
          finished_at INTEGER,
          outcome TEXT NOT NULL,
          files INTEGER NOT NULL DEFAULT 0,
          skipped INTEGER NOT NULL DEFAULT 0,
          rows_read INTEGER NOT NULL DEFAULT 0,
          rows_accepted INTEGER NOT NULL DEFAULT 0,
          rows_rejected INTEGER NOT NULL DEFAULT 0,
          people_new INTEGER NOT NULL DEFAULT 0,
          people_updated INTEGER NOT NULL DEFAULT 0,
          sent INTEGER NOT NULL DEFAULT 0,
          acknowledged INTEGER NOT NULL DEFAULT 0,
          dead INTEGER NOT NULL DEFAULT 0,
          pending INTEGER NOT NULL DEFAULT 0,
          customers INTEGER NOT NULL DEFAULT 0,
          fans INTEGER NOT NULL DEFAULT 0,
          failures TEXT,
          drift TEXT
        );
        """,
        // 4: slimmer ledgers and sparse peaks (see `migration4`).
        migration4,
        // 5: a customer's total in the currency they paid (settlement_* stays, for store-level
        // revenue); warnings beside rejections. Existing people are recomputed once by
        // `Store.init` (their content hash is cleared so each is written again).
        """
        ALTER TABLE people ADD COLUMN currency TEXT;
        ALTER TABLE people ADD COLUMN total_spent INTEGER;
        ALTER TABLE people ADD COLUMN other_totals TEXT;
        ALTER TABLE people ADD COLUMN totals TEXT;
        UPDATE people SET content_hash = '';
        DROP VIEW customers;
        CREATE VIEW customers AS
          SELECT store, email, email_display, name, first_name, last_name, phone, type, type_rank, status,
                 purchases, first_purchase_at, last_purchase_at, is_repeat, currency, total_spent, other_totals,
                 totals, settlement_currency, settlement_net, first_source, first_product, first_seen_at,
                 last_activity_at, sources
          FROM people WHERE type_rank >= 1;
        ALTER TABLE rejects ADD COLUMN disposition TEXT NOT NULL DEFAULT 'rejected';
        ALTER TABLE imports ADD COLUMN rows_warned INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE imports ADD COLUMN rows_unattributed INTEGER NOT NULL DEFAULT 0;
        -- Why a push could not use its endpoint (refused, unreachable), as the command said it.
        ALTER TABLE push_runs ADD COLUMN error TEXT;
        -- Payments and subscriptions without an email of their own belong to the customer
        -- their Customer ID names, once an export says who that is (Store.attribute).
        ALTER TABLE payments ADD COLUMN email_via_customer INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE subscriptions ADD COLUMN email_via_customer INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX payments_customer ON payments (store, customer_id);
        CREATE INDEX subscriptions_customer ON subscriptions (store, customer_id);
        CREATE INDEX stripe_customers_id ON stripe_customers (store, source_id);
        -- The few rows attribution works on, each set behind its own partial index.
        CREATE INDEX payments_unaddressed ON payments (store, customer_id) WHERE email IS NULL;
        CREATE INDEX payments_attributed ON payments (store, customer_id) WHERE email_via_customer = 1;
        CREATE INDEX subscriptions_unaddressed ON subscriptions (store, customer_id) WHERE email IS NULL;
        CREATE INDEX subscriptions_attributed ON subscriptions (store, customer_id) WHERE email_via_customer = 1;
        CREATE INDEX peak_history_unaddressed ON peak_history (store, source, source_id) WHERE email = '';
        -- What a version without an address of its own was evidence for, once a lower-ranked
        -- version or one with its own address replaced it, is kept under the empty address;
        -- attribution hands it to every address of the row's customer.
        CREATE TRIGGER payments_unaddressed_replaced AFTER UPDATE OF email, rank ON payments
        WHEN (old.email IS NULL OR old.email_via_customer = 1)
          AND (old.rank > new.rank OR (new.email IS NOT NULL AND new.email_via_customer = 0))
        BEGIN
            INSERT INTO peak_history (store, source, source_id, email, rank, import_id)
            VALUES (old.store, old.source, old.source_id, '', old.rank, new.import_id)
            ON CONFLICT (store, source, source_id, email) DO UPDATE SET
              rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END,
              import_id = excluded.import_id;
        END;
        CREATE TRIGGER subscriptions_unaddressed_replaced AFTER UPDATE OF email, rank ON subscriptions
        WHEN (old.email IS NULL OR old.email_via_customer = 1)
          AND (old.rank > new.rank OR (new.email IS NOT NULL AND new.email_via_customer = 0))
        BEGIN
            INSERT INTO peak_history (store, source, source_id, email, rank, import_id)
            VALUES (old.store, old.source, old.source_id, '', old.rank, new.import_id)
            ON CONFLICT (store, source, source_id, email) DO UPDATE SET
              rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END,
              import_id = excluded.import_id;
        END;
        """,
    ]

    /// The first version whose people rows carry native-currency totals: a store migrated
    /// from before it has its people recomputed.
    static let nativeTotalsVersion: Int64 = 5

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
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case newerSchema(found: Int, known: Int, path: String)

    public var description: String {
        switch self {
        case .newerSchema(let found, let known, let path):
            return "\(path): the store was written by a newer fansync (schema \(found), this one knows \(known)). Upgrade fansync."
        }
    }
}
