// The store's migrations, frozen: the literal SQL each schema version shipped with.
// They are never generated from today's Swift types (a ledger column added to a record kind
// must not change what version 1 created), and a shipped one never changes: a new field, table
// or record kind is a new migration at the end of `all`.

enum Migrations {
    /// Version N is `all[N - 1]`.
    static let all: [String] = [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13]

    /// 1: ledger, imports, rejects, people (and `peaks`, every ledger row with its rank).
    static let v1 = #"""
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
        CREATE INDEX peaks_email ON peaks (store, email);CREATE TABLE contacts (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT,
          email_display TEXT,
          first_name TEXT,
          last_name TEXT,
          name TEXT,
          phone TEXT,
          phone_status TEXT,
          tags TEXT,
          created_at INTEGER,
          updated_at INTEGER,
          daw TEXT,
          genre TEXT,
          level TEXT,
          goals TEXT,
          image_url TEXT,
          rank INTEGER NOT NULL,
          seen_at INTEGER,
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          import_id INTEGER NOT NULL,
          PRIMARY KEY (store, source, source_id)
        ) WITHOUT ROWID;
        CREATE INDEX contacts_email ON contacts (store, email);
        CREATE INDEX contacts_import ON contacts (import_id);
        CREATE TABLE payments (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT,
          email_display TEXT,
          customer_id TEXT,
          name TEXT,
          amount INTEGER,
          amount_refunded INTEGER,
          currency TEXT,
          converted_amount INTEGER,
          converted_amount_refunded INTEGER,
          converted_currency TEXT,
          status TEXT,
          description TEXT,
          product TEXT,
          created_at INTEGER,
          refunded_at INTEGER,
          rank INTEGER NOT NULL,
          seen_at INTEGER,
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          import_id INTEGER NOT NULL,
          PRIMARY KEY (store, source, source_id)
        ) WITHOUT ROWID;
        CREATE INDEX payments_email ON payments (store, email);
        CREATE INDEX payments_import ON payments (import_id);
        CREATE TABLE subscriptions (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT,
          email_display TEXT,
          customer_id TEXT,
          name TEXT,
          product TEXT,
          plan TEXT,
          amount INTEGER,
          currency TEXT,
          interval TEXT,
          status TEXT,
          created_at INTEGER,
          current_period_end INTEGER,
          canceled_at INTEGER,
          ended_at INTEGER,
          rank INTEGER NOT NULL,
          seen_at INTEGER,
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          import_id INTEGER NOT NULL,
          PRIMARY KEY (store, source, source_id)
        ) WITHOUT ROWID;
        CREATE INDEX subscriptions_email ON subscriptions (store, email);
        CREATE INDEX subscriptions_import ON subscriptions (import_id);
        CREATE TABLE stripe_customers (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT,
          email_display TEXT,
          name TEXT,
          phone TEXT,
          phone_status TEXT,
          description TEXT,
          created_at INTEGER,
          currency TEXT,
          total_spend INTEGER,
          delinquent INTEGER,
          rank INTEGER NOT NULL,
          seen_at INTEGER,
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          import_id INTEGER NOT NULL,
          PRIMARY KEY (store, source, source_id)
        ) WITHOUT ROWID;
        CREATE INDEX stripe_customers_email ON stripe_customers (store, email);
        CREATE INDEX stripe_customers_import ON stripe_customers (import_id);
        CREATE TABLE users (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT,
          email_display TEXT,
          first_name TEXT,
          last_name TEXT,
          username TEXT,
          phone TEXT,
          phone_status TEXT,
          image_url TEXT,
          daw TEXT,
          created_at INTEGER,
          last_active_at INTEGER,
          rank INTEGER NOT NULL,
          seen_at INTEGER,
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          import_id INTEGER NOT NULL,
          PRIMARY KEY (store, source, source_id)
        ) WITHOUT ROWID;
        CREATE INDEX users_email ON users (store, email);
        CREATE INDEX users_import ON users (import_id);
        CREATE TABLE enrollments (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT,
          email_display TEXT,
          course TEXT,
          price INTEGER,
          currency TEXT,
          progress REAL,
          enrolled_at INTEGER,
          rank INTEGER NOT NULL,
          seen_at INTEGER,
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          import_id INTEGER NOT NULL,
          PRIMARY KEY (store, source, source_id)
        ) WITHOUT ROWID;
        CREATE INDEX enrollments_email ON enrollments (store, email);
        CREATE INDEX enrollments_import ON enrollments (import_id);
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
        """#

    /// 2: push state, outbox, dead letters and push runs.
    static let v2 = #"""
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
        """#

    /// 3: job runs.
    static let v3 = #"""
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
        """#

    /// 4: slimmer ledgers (rowid tables) and sparse peaks: `peak_history` keeps only what the ledger no longer shows.
    static let v4 = #"""
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
        DELETE FROM peak_history WHERE EXISTS (
          SELECT 1 FROM contacts l WHERE l.store = peak_history.store AND l.source = peak_history.source
            AND l.source_id = peak_history.source_id AND l.email = peak_history.email AND l.rank >= peak_history.rank);
        CREATE TABLE contacts_v4 (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT,
          email_display TEXT,
          first_name TEXT,
          last_name TEXT,
          name TEXT,
          phone TEXT,
          phone_status TEXT,
          tags TEXT,
          created_at INTEGER,
          updated_at INTEGER,
          daw TEXT,
          genre TEXT,
          level TEXT,
          goals TEXT,
          image_url TEXT,
          rank INTEGER NOT NULL,
          seen_at INTEGER,
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          import_id INTEGER NOT NULL,
          UNIQUE (store, source, source_id)
        );
        INSERT INTO contacts_v4 (store, source, source_id, email, email_display, first_name, last_name, name, phone, phone_status, tags, created_at, updated_at, daw, genre, level, goals, image_url, rank, seen_at, version, content_hash, file, line, import_id) SELECT store, source, source_id, email, email_display, first_name, last_name, name, phone, phone_status, tags, created_at, updated_at, daw, genre, level, goals, image_url, rank, seen_at, version, content_hash, file, line, import_id FROM contacts ORDER BY import_id;
        DROP TABLE contacts;
        ALTER TABLE contacts_v4 RENAME TO contacts;
        CREATE INDEX contacts_email ON contacts (store, email);
        CREATE INDEX contacts_import ON contacts (import_id);
        CREATE TRIGGER contacts_replaced AFTER UPDATE OF email, rank ON contacts
        WHEN old.email IS NOT NULL AND (old.email IS NOT new.email OR old.rank > new.rank)
        BEGIN
            INSERT INTO peak_history (store, source, source_id, email, rank, import_id) VALUES (old.store, old.source, old.source_id, old.email, old.rank, new.import_id)
        ON CONFLICT (store, source, source_id, email) DO UPDATE SET
          rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END,
          import_id = excluded.import_id;
        END;
        DELETE FROM peak_history WHERE EXISTS (
          SELECT 1 FROM payments l WHERE l.store = peak_history.store AND l.source = peak_history.source
            AND l.source_id = peak_history.source_id AND l.email = peak_history.email AND l.rank >= peak_history.rank);
        CREATE TABLE payments_v4 (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT,
          email_display TEXT,
          customer_id TEXT,
          name TEXT,
          amount INTEGER,
          amount_refunded INTEGER,
          currency TEXT,
          converted_amount INTEGER,
          converted_amount_refunded INTEGER,
          converted_currency TEXT,
          status TEXT,
          description TEXT,
          product TEXT,
          created_at INTEGER,
          refunded_at INTEGER,
          rank INTEGER NOT NULL,
          seen_at INTEGER,
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          import_id INTEGER NOT NULL,
          UNIQUE (store, source, source_id)
        );
        INSERT INTO payments_v4 (store, source, source_id, email, email_display, customer_id, name, amount, amount_refunded, currency, converted_amount, converted_amount_refunded, converted_currency, status, description, product, created_at, refunded_at, rank, seen_at, version, content_hash, file, line, import_id) SELECT store, source, source_id, email, email_display, customer_id, name, amount, amount_refunded, currency, converted_amount, converted_amount_refunded, converted_currency, status, description, product, created_at, refunded_at, rank, seen_at, version, content_hash, file, line, import_id FROM payments ORDER BY import_id;
        DROP TABLE payments;
        ALTER TABLE payments_v4 RENAME TO payments;
        CREATE INDEX payments_email ON payments (store, email);
        CREATE INDEX payments_import ON payments (import_id);
        CREATE TRIGGER payments_replaced AFTER UPDATE OF email, rank ON payments
        WHEN old.email IS NOT NULL AND (old.email IS NOT new.email OR old.rank > new.rank)
        BEGIN
            INSERT INTO peak_history (store, source, source_id, email, rank, import_id) VALUES (old.store, old.source, old.source_id, old.email, old.rank, new.import_id)
        ON CONFLICT (store, source, source_id, email) DO UPDATE SET
          rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END,
          import_id = excluded.import_id;
        END;
        DELETE FROM peak_history WHERE EXISTS (
          SELECT 1 FROM subscriptions l WHERE l.store = peak_history.store AND l.source = peak_history.source
            AND l.source_id = peak_history.source_id AND l.email = peak_history.email AND l.rank >= peak_history.rank);
        CREATE TABLE subscriptions_v4 (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT,
          email_display TEXT,
          customer_id TEXT,
          name TEXT,
          product TEXT,
          plan TEXT,
          amount INTEGER,
          currency TEXT,
          interval TEXT,
          status TEXT,
          created_at INTEGER,
          current_period_end INTEGER,
          canceled_at INTEGER,
          ended_at INTEGER,
          rank INTEGER NOT NULL,
          seen_at INTEGER,
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          import_id INTEGER NOT NULL,
          UNIQUE (store, source, source_id)
        );
        INSERT INTO subscriptions_v4 (store, source, source_id, email, email_display, customer_id, name, product, plan, amount, currency, interval, status, created_at, current_period_end, canceled_at, ended_at, rank, seen_at, version, content_hash, file, line, import_id) SELECT store, source, source_id, email, email_display, customer_id, name, product, plan, amount, currency, interval, status, created_at, current_period_end, canceled_at, ended_at, rank, seen_at, version, content_hash, file, line, import_id FROM subscriptions ORDER BY import_id;
        DROP TABLE subscriptions;
        ALTER TABLE subscriptions_v4 RENAME TO subscriptions;
        CREATE INDEX subscriptions_email ON subscriptions (store, email);
        CREATE INDEX subscriptions_import ON subscriptions (import_id);
        CREATE TRIGGER subscriptions_replaced AFTER UPDATE OF email, rank ON subscriptions
        WHEN old.email IS NOT NULL AND (old.email IS NOT new.email OR old.rank > new.rank)
        BEGIN
            INSERT INTO peak_history (store, source, source_id, email, rank, import_id) VALUES (old.store, old.source, old.source_id, old.email, old.rank, new.import_id)
        ON CONFLICT (store, source, source_id, email) DO UPDATE SET
          rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END,
          import_id = excluded.import_id;
        END;
        DELETE FROM peak_history WHERE EXISTS (
          SELECT 1 FROM stripe_customers l WHERE l.store = peak_history.store AND l.source = peak_history.source
            AND l.source_id = peak_history.source_id AND l.email = peak_history.email AND l.rank >= peak_history.rank);
        CREATE TABLE stripe_customers_v4 (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT,
          email_display TEXT,
          name TEXT,
          phone TEXT,
          phone_status TEXT,
          description TEXT,
          created_at INTEGER,
          currency TEXT,
          total_spend INTEGER,
          delinquent INTEGER,
          rank INTEGER NOT NULL,
          seen_at INTEGER,
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          import_id INTEGER NOT NULL,
          UNIQUE (store, source, source_id)
        );
        INSERT INTO stripe_customers_v4 (store, source, source_id, email, email_display, name, phone, phone_status, description, created_at, currency, total_spend, delinquent, rank, seen_at, version, content_hash, file, line, import_id) SELECT store, source, source_id, email, email_display, name, phone, phone_status, description, created_at, currency, total_spend, delinquent, rank, seen_at, version, content_hash, file, line, import_id FROM stripe_customers ORDER BY import_id;
        DROP TABLE stripe_customers;
        ALTER TABLE stripe_customers_v4 RENAME TO stripe_customers;
        CREATE INDEX stripe_customers_email ON stripe_customers (store, email);
        CREATE INDEX stripe_customers_import ON stripe_customers (import_id);
        CREATE TRIGGER stripe_customers_replaced AFTER UPDATE OF email, rank ON stripe_customers
        WHEN old.email IS NOT NULL AND (old.email IS NOT new.email OR old.rank > new.rank)
        BEGIN
            INSERT INTO peak_history (store, source, source_id, email, rank, import_id) VALUES (old.store, old.source, old.source_id, old.email, old.rank, new.import_id)
        ON CONFLICT (store, source, source_id, email) DO UPDATE SET
          rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END,
          import_id = excluded.import_id;
        END;
        DELETE FROM peak_history WHERE EXISTS (
          SELECT 1 FROM users l WHERE l.store = peak_history.store AND l.source = peak_history.source
            AND l.source_id = peak_history.source_id AND l.email = peak_history.email AND l.rank >= peak_history.rank);
        CREATE TABLE users_v4 (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT,
          email_display TEXT,
          first_name TEXT,
          last_name TEXT,
          username TEXT,
          phone TEXT,
          phone_status TEXT,
          image_url TEXT,
          daw TEXT,
          created_at INTEGER,
          last_active_at INTEGER,
          rank INTEGER NOT NULL,
          seen_at INTEGER,
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          import_id INTEGER NOT NULL,
          UNIQUE (store, source, source_id)
        );
        INSERT INTO users_v4 (store, source, source_id, email, email_display, first_name, last_name, username, phone, phone_status, image_url, daw, created_at, last_active_at, rank, seen_at, version, content_hash, file, line, import_id) SELECT store, source, source_id, email, email_display, first_name, last_name, username, phone, phone_status, image_url, daw, created_at, last_active_at, rank, seen_at, version, content_hash, file, line, import_id FROM users ORDER BY import_id;
        DROP TABLE users;
        ALTER TABLE users_v4 RENAME TO users;
        CREATE INDEX users_email ON users (store, email);
        CREATE INDEX users_import ON users (import_id);
        CREATE TRIGGER users_replaced AFTER UPDATE OF email, rank ON users
        WHEN old.email IS NOT NULL AND (old.email IS NOT new.email OR old.rank > new.rank)
        BEGIN
            INSERT INTO peak_history (store, source, source_id, email, rank, import_id) VALUES (old.store, old.source, old.source_id, old.email, old.rank, new.import_id)
        ON CONFLICT (store, source, source_id, email) DO UPDATE SET
          rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END,
          import_id = excluded.import_id;
        END;
        DELETE FROM peak_history WHERE EXISTS (
          SELECT 1 FROM enrollments l WHERE l.store = peak_history.store AND l.source = peak_history.source
            AND l.source_id = peak_history.source_id AND l.email = peak_history.email AND l.rank >= peak_history.rank);
        CREATE TABLE enrollments_v4 (
          store TEXT NOT NULL,
          source TEXT NOT NULL,
          source_id TEXT NOT NULL,
          email TEXT,
          email_display TEXT,
          course TEXT,
          price INTEGER,
          currency TEXT,
          progress REAL,
          enrolled_at INTEGER,
          rank INTEGER NOT NULL,
          seen_at INTEGER,
          version INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          file TEXT NOT NULL,
          line INTEGER NOT NULL,
          import_id INTEGER NOT NULL,
          UNIQUE (store, source, source_id)
        );
        INSERT INTO enrollments_v4 (store, source, source_id, email, email_display, course, price, currency, progress, enrolled_at, rank, seen_at, version, content_hash, file, line, import_id) SELECT store, source, source_id, email, email_display, course, price, currency, progress, enrolled_at, rank, seen_at, version, content_hash, file, line, import_id FROM enrollments ORDER BY import_id;
        DROP TABLE enrollments;
        ALTER TABLE enrollments_v4 RENAME TO enrollments;
        CREATE INDEX enrollments_email ON enrollments (store, email);
        CREATE INDEX enrollments_import ON enrollments (import_id);
        CREATE TRIGGER enrollments_replaced AFTER UPDATE OF email, rank ON enrollments
        WHEN old.email IS NOT NULL AND (old.email IS NOT new.email OR old.rank > new.rank)
        BEGIN
            INSERT INTO peak_history (store, source, source_id, email, rank, import_id) VALUES (old.store, old.source, old.source_id, old.email, old.rank, new.import_id)
        ON CONFLICT (store, source, source_id, email) DO UPDATE SET
          rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END,
          import_id = excluded.import_id;
        END;
        DROP TABLE peaks;
        """#

    /// 5: native-currency totals on people, warnings and unattributed rows, attribution by customer id.
    static let v5 = #"""
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
        """#

    /// 6: the phone numbers libphonenumber has read (see `PhoneBook`): a fingerprint of the
    /// region and the number as written, and its E.164 digits (0: not a valid number).
    static let v6 = #"""
        CREATE TABLE phone_numbers (
          key INTEGER PRIMARY KEY,
          e164 INTEGER NOT NULL
        );
        """#

    /// 7: the ledger's source names the system and the record kind, not the mapping (people are
    /// recomputed after it: their sources and activity name the new sources).
    static let v7 = #"""
        -- The ledger's source names the system and the record kind (`stripe.payments`), no longer the
        -- mapping: a renamed copy of a mapping, or Clerk's CSV and its JSON, land the same fact once.
        -- Old names become the system (the mapping's name up to its first dot) and the kind's noun.
        CREATE TEMP TABLE source_names (former TEXT PRIMARY KEY, latest TEXT NOT NULL);
        INSERT OR IGNORE INTO source_names SELECT DISTINCT source, lower(substr(source, 1, instr(source || '.', '.') - 1)) || '.contacts' FROM contacts;
        INSERT OR IGNORE INTO source_names SELECT DISTINCT source, lower(substr(source, 1, instr(source || '.', '.') - 1)) || '.payments' FROM payments;
        INSERT OR IGNORE INTO source_names SELECT DISTINCT source, lower(substr(source, 1, instr(source || '.', '.') - 1)) || '.subscriptions' FROM subscriptions;
        INSERT OR IGNORE INTO source_names SELECT DISTINCT source, lower(substr(source, 1, instr(source || '.', '.') - 1)) || '.customers' FROM stripe_customers;
        INSERT OR IGNORE INTO source_names SELECT DISTINCT source, lower(substr(source, 1, instr(source || '.', '.') - 1)) || '.users' FROM users;
        INSERT OR IGNORE INTO source_names SELECT DISTINCT source, lower(substr(source, 1, instr(source || '.', '.') - 1)) || '.enrollments' FROM enrollments;
        -- The history under the new names (two old names of one fact keep the higher rank).
        CREATE TEMP TABLE history_renamed AS
          SELECT h.store AS store, coalesce(n.latest, h.source) AS source, h.source_id AS source_id, h.email AS email,
            max(h.rank) AS rank, max(h.import_id) AS import_id
          FROM peak_history h LEFT JOIN source_names n ON n.former = h.source GROUP BY 1, 2, 3, 4;
        DELETE FROM peak_history;
        INSERT INTO peak_history (store, source, source_id, email, rank, import_id)
          SELECT store, source, source_id, email, rank, import_id FROM history_renamed WHERE 1;
        DROP TABLE history_renamed;
        -- contacts: where two old names meet on one key, the newer version stays (version, then content,
        -- as the upsert decides) and what the other was evidence for goes to the history.
        CREATE TEMP TABLE losers AS
          SELECT id FROM (
            SELECT l.rowid AS id, row_number() OVER (
              PARTITION BY l.store, n.latest, l.source_id ORDER BY l.version DESC, l.content_hash DESC, l.rowid DESC) AS place
            FROM contacts l JOIN source_names n ON n.former = l.source)
          WHERE place > 1;
        INSERT INTO peak_history (store, source, source_id, email, rank, import_id)
          SELECT l.store, n.latest, l.source_id, l.email, l.rank, l.import_id
          FROM contacts l JOIN source_names n ON n.former = l.source
          WHERE l.rowid IN (SELECT id FROM losers) AND l.email IS NOT NULL
          ON CONFLICT (store, source, source_id, email) DO UPDATE SET
            rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END;
        DELETE FROM contacts WHERE rowid IN (SELECT id FROM losers);
        DROP TABLE losers;
        UPDATE contacts SET source = (SELECT n.latest FROM source_names n WHERE n.former = contacts.source)
          WHERE source IN (SELECT former FROM source_names WHERE former <> latest);
        -- payments: where two old names meet on one key, the newer version stays (version, then content,
        -- as the upsert decides) and what the other was evidence for goes to the history (a version
        -- without an address of its own under the empty address, as landing keeps it, for attribution).
        CREATE TEMP TABLE losers AS
          SELECT id FROM (
            SELECT l.rowid AS id, row_number() OVER (
              PARTITION BY l.store, n.latest, l.source_id ORDER BY l.version DESC, l.content_hash DESC, l.rowid DESC) AS place
            FROM payments l JOIN source_names n ON n.former = l.source)
          WHERE place > 1;
        INSERT INTO peak_history (store, source, source_id, email, rank, import_id)
          SELECT l.store, n.latest, l.source_id,
            CASE WHEN l.email IS NULL OR l.email_via_customer = 1 THEN '' ELSE l.email END, l.rank, l.import_id
          FROM payments l JOIN source_names n ON n.former = l.source
          WHERE l.rowid IN (SELECT id FROM losers)
          ON CONFLICT (store, source, source_id, email) DO UPDATE SET
            rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END;
        DELETE FROM payments WHERE rowid IN (SELECT id FROM losers);
        DROP TABLE losers;
        UPDATE payments SET source = (SELECT n.latest FROM source_names n WHERE n.former = payments.source)
          WHERE source IN (SELECT former FROM source_names WHERE former <> latest);
        -- subscriptions: where two old names meet on one key, the newer version stays (version, then content,
        -- as the upsert decides) and what the other was evidence for goes to the history.
        CREATE TEMP TABLE losers AS
          SELECT id FROM (
            SELECT l.rowid AS id, row_number() OVER (
              PARTITION BY l.store, n.latest, l.source_id ORDER BY l.version DESC, l.content_hash DESC, l.rowid DESC) AS place
            FROM subscriptions l JOIN source_names n ON n.former = l.source)
          WHERE place > 1;
        INSERT INTO peak_history (store, source, source_id, email, rank, import_id)
          SELECT l.store, n.latest, l.source_id,
            CASE WHEN l.email IS NULL OR l.email_via_customer = 1 THEN '' ELSE l.email END, l.rank, l.import_id
          FROM subscriptions l JOIN source_names n ON n.former = l.source
          WHERE l.rowid IN (SELECT id FROM losers)
          ON CONFLICT (store, source, source_id, email) DO UPDATE SET
            rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END;
        DELETE FROM subscriptions WHERE rowid IN (SELECT id FROM losers);
        DROP TABLE losers;
        UPDATE subscriptions SET source = (SELECT n.latest FROM source_names n WHERE n.former = subscriptions.source)
          WHERE source IN (SELECT former FROM source_names WHERE former <> latest);
        -- stripe_customers: where two old names meet on one key, the newer version stays (version, then content,
        -- as the upsert decides) and what the other was evidence for goes to the history.
        CREATE TEMP TABLE losers AS
          SELECT id FROM (
            SELECT l.rowid AS id, row_number() OVER (
              PARTITION BY l.store, n.latest, l.source_id ORDER BY l.version DESC, l.content_hash DESC, l.rowid DESC) AS place
            FROM stripe_customers l JOIN source_names n ON n.former = l.source)
          WHERE place > 1;
        INSERT INTO peak_history (store, source, source_id, email, rank, import_id)
          SELECT l.store, n.latest, l.source_id, l.email, l.rank, l.import_id
          FROM stripe_customers l JOIN source_names n ON n.former = l.source
          WHERE l.rowid IN (SELECT id FROM losers) AND l.email IS NOT NULL
          ON CONFLICT (store, source, source_id, email) DO UPDATE SET
            rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END;
        DELETE FROM stripe_customers WHERE rowid IN (SELECT id FROM losers);
        DROP TABLE losers;
        UPDATE stripe_customers SET source = (SELECT n.latest FROM source_names n WHERE n.former = stripe_customers.source)
          WHERE source IN (SELECT former FROM source_names WHERE former <> latest);
        -- users: where two old names meet on one key, the newer version stays (version, then content,
        -- as the upsert decides) and what the other was evidence for goes to the history.
        CREATE TEMP TABLE losers AS
          SELECT id FROM (
            SELECT l.rowid AS id, row_number() OVER (
              PARTITION BY l.store, n.latest, l.source_id ORDER BY l.version DESC, l.content_hash DESC, l.rowid DESC) AS place
            FROM users l JOIN source_names n ON n.former = l.source)
          WHERE place > 1;
        INSERT INTO peak_history (store, source, source_id, email, rank, import_id)
          SELECT l.store, n.latest, l.source_id, l.email, l.rank, l.import_id
          FROM users l JOIN source_names n ON n.former = l.source
          WHERE l.rowid IN (SELECT id FROM losers) AND l.email IS NOT NULL
          ON CONFLICT (store, source, source_id, email) DO UPDATE SET
            rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END;
        DELETE FROM users WHERE rowid IN (SELECT id FROM losers);
        DROP TABLE losers;
        UPDATE users SET source = (SELECT n.latest FROM source_names n WHERE n.former = users.source)
          WHERE source IN (SELECT former FROM source_names WHERE former <> latest);
        -- enrollments: where two old names meet on one key, the newer version stays (version, then content,
        -- as the upsert decides) and what the other was evidence for goes to the history.
        CREATE TEMP TABLE losers AS
          SELECT id FROM (
            SELECT l.rowid AS id, row_number() OVER (
              PARTITION BY l.store, n.latest, l.source_id ORDER BY l.version DESC, l.content_hash DESC, l.rowid DESC) AS place
            FROM enrollments l JOIN source_names n ON n.former = l.source)
          WHERE place > 1;
        INSERT INTO peak_history (store, source, source_id, email, rank, import_id)
          SELECT l.store, n.latest, l.source_id, l.email, l.rank, l.import_id
          FROM enrollments l JOIN source_names n ON n.former = l.source
          WHERE l.rowid IN (SELECT id FROM losers) AND l.email IS NOT NULL
          ON CONFLICT (store, source, source_id, email) DO UPDATE SET
            rank = CASE WHEN excluded.rank > peak_history.rank THEN excluded.rank ELSE peak_history.rank END;
        DELETE FROM enrollments WHERE rowid IN (SELECT id FROM losers);
        DROP TABLE losers;
        UPDATE enrollments SET source = (SELECT n.latest FROM source_names n WHERE n.former = enrollments.source)
          WHERE source IN (SELECT former FROM source_names WHERE former <> latest);
        DROP TABLE source_names;
        """#

    /// 8: a person's totals per currency and their purchases are views of the ledger, no longer tables
    /// written with every person: a daily import of 10,000 payments wrote a few rows into each for
    /// every person it touched (random pages in two more b-trees). The views give what the merge
    /// sums: succeeded payments with an address; a refund without its converted figure takes the
    /// same share of the converted amount.
    static let v8 = #"""
        DROP TABLE customer_totals;
        DROP TABLE fan_activity;
        CREATE VIEW customer_totals AS
          SELECT store, email, 'charge' AS kind, coalesce(currency, 'XXX') AS currency,
                 sum(coalesce(amount, 0)) AS gross, sum(coalesce(amount_refunded, 0)) AS refunded,
                 sum(coalesce(amount, 0)) - sum(coalesce(amount_refunded, 0)) AS net, count(*) AS purchases
          FROM payments WHERE email IS NOT NULL AND status = 'succeeded'
          GROUP BY store, email, coalesce(currency, 'XXX')
          UNION ALL
          SELECT store, email, 'settlement', converted_currency, sum(converted_amount), sum(refund), sum(converted_amount) - sum(refund),
                 count(*)
          FROM (SELECT store, email, converted_currency, converted_amount,
                       coalesce(converted_amount_refunded,
                         CASE WHEN coalesce(amount, 0) > 0
                           THEN converted_amount * min(coalesce(amount_refunded, 0), amount) / amount ELSE 0 END) AS refund
                FROM payments
                WHERE email IS NOT NULL AND status = 'succeeded' AND converted_amount IS NOT NULL
                  AND converted_currency IS NOT NULL)
          GROUP BY store, email, converted_currency;
        CREATE VIEW fan_activity AS
          SELECT store, email, coalesce(created_at, seen_at) AS at,
                 'Purchased: ' || coalesce(product, description, 'a purchase') AS text, source, source_id
          FROM payments WHERE email IS NOT NULL AND status = 'succeeded';
        """#

    /// 9: the kept stats follow every import instead of a pass over the store after a large one.
    /// Each people row carries what it adds to them beyond its other columns (registered, and its
    /// payments' net and count per charge and per settlement currency), and `summaries.stats` holds
    /// the sums of those shares. A migrated store has its people recomputed once (which fills the
    /// column); its sums are made by the first `stats` after.
    static let v9 = #"""
        ALTER TABLE people ADD COLUMN stats_share TEXT;
        DELETE FROM summaries;
        """#

    /// 10: the phone numbers libphonenumber has read, as a few blobs instead of a row each: a
    /// store of a million numbers took 0.65 s to read them back (a step and a probe a number)
    /// before every import with phones normalized. Each segment is (key, E.164 digits) pairs,
    /// 16 bytes each (two little-endian 64-bit integers), in key order. `phone_numbers` stays, read
    /// as one more segment: the store folds it into a segment when it next keeps numbers.
    static let v10 = #"""
        CREATE TABLE phone_segments (
          id INTEGER PRIMARY KEY,
          entries BLOB NOT NULL
        );
        """#

    /// 11: `fans --segment registered-not-purchased` from an index instead of a probe per
    /// account: each person row says whether the store has an account (a users row) at its
    /// address, and the people who have one and bought nothing are indexed in the listing's
    /// default order (score, then address), with the two columns of the condition, so that the
    /// count reads the index alone. On a million people with 356,925 accounts the segment's count
    /// and first page took 1.3 s, each a probe of the people table per account.
    static let v11 = #"""
        ALTER TABLE people ADD COLUMN registered INTEGER NOT NULL DEFAULT 0;
        UPDATE people SET registered = 1
          WHERE EXISTS (SELECT 1 FROM users u WHERE u.store = people.store AND u.email = people.email);
        CREATE INDEX people_registered ON people (store, score DESC, email, type_rank, registered)
          WHERE registered = 1 AND type_rank < 2;
        """#

    /// 12: what each ledger holds by key (``KnownContent``), kept between imports: a nightly
    /// re-import read back a million rows' keys and content hashes before its first row could
    /// be known unchanged (0.5–0.7 s a file, on the thread that sets the pace). A blob per
    /// ledger table, 24 bytes a row, written by an import that had the table in memory, with
    /// that import's id: the rows written since (their `import_id` is larger) are read through
    /// the import index and set over it. Opening a store upgraded by a migration that rewrote
    /// ledger rows drops them (``Schema/ledgerRewrittenVersion``).
    static let v12 = #"""
        CREATE TABLE known_content (
          ledger TEXT PRIMARY KEY,
          import_id INTEGER NOT NULL,
          entries BLOB NOT NULL
        );
        """#

    /// 13: the ledgers' triggers go; the store writes the history itself. A trigger on a ledger
    /// table made SQLite keep a statement journal for every row an UPDATE rewrote, and once one
    /// of them grew past 16 pages it moved to a temporary file for the rest of the import's
    /// transaction (191,810 writes to it in a nightly re-import of the 1M store, none since). `land` records
    /// what a replaced version was evidence for from the stored version it looked up, and
    /// attribution before it moves a row's address, as the triggers did.
    static let v13 = #"""
        DROP TRIGGER IF EXISTS contacts_replaced;
        DROP TRIGGER IF EXISTS payments_replaced;
        DROP TRIGGER IF EXISTS subscriptions_replaced;
        DROP TRIGGER IF EXISTS stripe_customers_replaced;
        DROP TRIGGER IF EXISTS users_replaced;
        DROP TRIGGER IF EXISTS enrollments_replaced;
        DROP TRIGGER IF EXISTS payments_unaddressed_replaced;
        DROP TRIGGER IF EXISTS subscriptions_unaddressed_replaced;
        """#
}
