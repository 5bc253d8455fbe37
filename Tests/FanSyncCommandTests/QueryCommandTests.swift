import Foundation
import Testing

/// Why a shared test fixture could not be built.
struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

/// A store with every sample imported, shared by the query tests (built once). An import that
/// did not finish fails every test that reads the store, with the import's own words, instead of
/// leaving an empty store for each test to trip over. (Exit status 2 is expected: the samples
/// carry rows that are rejected on purpose.)
let sampleStoreResult: Result<String, FixtureError> = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fansync-queries-\(UUID().uuidString)")
        .path
    let db = folder + "/store.db"
    let files = [
        "activecampaign/contacts.csv", "stripe/unified_payments.csv", "stripe/payments_2023.csv",
        "stripe/customers.csv", "stripe/subscriptions.csv", "clerk/users.csv", "clerk/users.json",
        "app/enrollments.csv", "legacy/members_1252.csv",
    ].map { "samples/" + $0 }
    do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let run = try fansync(["import", "--quiet", "--db", db, "--rejects", folder + "/rejects"] + files)
        guard run.status == 0 || run.status == 2 else {
            return .failure(
                FixtureError(
                    description: "importing the samples for the query tests exited \(run.status): \(run.stderr)"))
        }
        return .success(db)
    } catch {
        return .failure(FixtureError(description: "importing the samples for the query tests failed: \(error)"))
    }
}()

/// The shared sample store's path (throws what building it failed with).
var sampleStore: String {
    get throws(FixtureError) { try sampleStoreResult.get() }
}

func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

@Suite(.serialized) struct QueryCommands {
    @Test("customers are ordered by settlement total, each shown in the currency it paid")
    func customersByTotalSpent() throws {
        let run = try fansync(["customers", "--db", sampleStore, "--format", "csv", "--limit", "3"])
        #expect(run.status == 0)
        #expect(
            lines(run.stdout.replacingOccurrences(of: "\r", with: "")) == [
                // Ordered by the settlement total (comparable), shown in the currency each one paid.
                "email,name,type,status,total_spent,currency,other_totals,purchases,first_purchase_at,last_purchase_at,repeat,first_source,last_activity_at",
                "farid@example.com,Farid Haddad,subscription,past_due,135.00,GBP,,3,2023-11-21T08:00:00Z,2024-12-01T20:00:00Z,yes,activecampaign.contacts,2025-01-05T10:00:00Z",
                "Ana.Silva@example.com,Ana Silva-Costa,subscription,active,148.00,USD,,2,2024-06-02T10:15:00Z,2024-09-01T10:15:00Z,yes,activecampaign.contacts,2025-02-10T16:20:00Z",
                "yusuf@example.com.kw,Yusuf Al-Sabah,paying,,12.500,KWD,,1,2025-02-02T12:00:00Z,2025-02-02T12:00:00Z,no,stripe.payments,2025-02-02T12:00:00Z",
            ])
    }

    @Test("a table shows money with its symbol and the count; JSON gives native and settlement totals, times in --tz")
    func tableShowsMoneyWithSymbolsAndTheTotal() throws {
        let run = try fansync(["customers", "--db", sampleStore, "--format", "table", "--type", "subscription"])
        #expect(run.stdout.contains("£135.00"))
        #expect(run.stderr.contains("1–3 of 3 customers"))
        let tokyo = try fansync([
            "customers", "--db", sampleStore, "--format", "json", "--tz", "Asia/Tokyo", "--type", "paying",
            "--source", "stripe.customers",
        ])
        let object = try JSONSerialization.jsonObject(with: Data(tokyo.stdout.utf8)) as? [String: Any]
        let rows = object?["rows"] as? [[String: Any]]
        #expect(object?["total"] as? Int == 3)
        #expect(rows?.first?["email"] as? String == "hiro@example.jp")
        // Paid in yen: the total is yen (no decimals), the settlement figure beside it.
        #expect(rows?.first?["total_spent"] as? String == "4700")
        #expect(rows?.first?["currency"] as? String == "JPY")
        #expect(rows?.first?["total_spent_minor"] as? Int == 4700)
        #expect(rows?.first?["settlement_total"] as? String == "31.49")
        #expect(rows?.first?["settlement_currency"] as? String == "USD")
        #expect((rows?.first?["totals"] as? [[String: Any]])?.first?["currency"] as? String == "JPY")
        #expect(rows?.first?["first_purchase_at"] as? String == "2024-07-07T16:07:07+09:00")
    }

    @Test("pages of --limit and --offset add up to the whole listing and its total")
    func pagesAddUpToTheTotal() throws {
        let all = try fansync(["fans", "--db", sampleStore, "--format", "ndjson", "--sort", "name"])
        let everyone = lines(all.stdout)
        var paged: [String] = []
        for offset in stride(from: 0, to: everyone.count + 4, by: 4) {
            paged += lines(
                try fansync([
                    "fans", "--db", sampleStore, "--format", "ndjson", "--sort", "name",
                    "--limit", "4", "--offset", "\(offset)",
                ]).stdout)
        }
        #expect(everyone.count == 15)
        #expect(paged == everyone)
        let json = try fansync(["fans", "--db", sampleStore, "--format", "json", "--limit", "2"])
        #expect(
            (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["total"] as? Int == 15)
    }

    @Test("fans filter by tag, DAW and type, whatever the case, and by each segment")
    func fanFiltersAndSegments() throws {
        func emails(_ arguments: [String]) throws -> [String] {
            let run = try fansync(["fans", "--db", sampleStore, "--format", "ndjson", "--sort", "name"] + arguments)
            #expect(run.status == 0)
            return try lines(run.stdout).map {
                (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["email"] as? String ?? ""
            }
        }
        #expect(try emails(["--tag", "ABLETON"]) == ["Ana.Silva@example.com", "grace@example.com"])
        #expect(try emails(["--daw", "fl studio"]) == ["BO.CHEN@example.com"])  // the newest spelling is shown
        #expect(try emails(["--segment", "registered-not-purchased"]) == ["milo@example.com", "Zoe@Example.org"])
        #expect(try emails(["--segment", "repeat"]) == ["Ana.Silva@example.com", "farid@example.com"])
        #expect(
            try emails(["--segment", "lapsed", "--as-of", "2025-03-01"]) == [
                "BO.CHEN@example.com", "grace@example.com", "hiro@example.jp",
            ])
        #expect(
            try emails(["--segment", "high-value-low-engagement", "--as-of", "2025-09-01", "--min-spent", "100"])
                == ["Ana.Silva@example.com", "farid@example.com"])
        #expect(try emails(["--segment", "engaged-not-purchased", "--as-of", "2024-06-01"]) == ["kai@example.com"])
        #expect(try emails(["--type", "user"]) == ["milo@example.com"])
    }

    @Test("stats counts people by type and revenue per currency, within --since and --until")
    func statsOnTheSamples() throws {
        let run = try fansync(["stats", "--db", sampleStore, "--json", "--as-of", "2025-02-15"])
        #expect(run.status == 0)
        let stats = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(stats?["customers"] as? Int == 14)
        #expect(stats?["buyers"] as? Int == 6)
        #expect(stats?["subscribers"] as? Int == 3)
        #expect(stats?["registered_users"] as? Int == 4)
        #expect(stats?["repeat_customers"] as? Int == 2)
        let revenue = stats?["revenue"] as? [[String: Any]] ?? []
        #expect(
            revenue.map { "\($0["currency"] ?? "") \($0["net"] ?? "")" } == [
                "GBP 135.00", "JPY 4700", "KWD 12.500", "USD 177.00",
            ])
        let text = try fansync(["stats", "--db", sampleStore, "--by", "source", "--as-of", "2025-02-15"])
        #expect(text.stdout.contains("registered → customer         1 of 4 (25.0%)"))
        #expect(text.stdout.contains("  stripe.payments"))
        let since = try fansync([
            "stats", "--db", sampleStore, "--json", "--since", "2024-07-01", "--until", "2025-01-01",
        ])
        let bounded = try JSONSerialization.jsonObject(with: Data(since.stdout.utf8)) as? [String: Any]
        let window = bounded?["revenue"] as? [[String: Any]] ?? []
        #expect(window.map { "\($0["currency"] ?? "") \($0["net"] ?? "")" } == ["GBP 100.00", "JPY 4700", "USD 99.00"])
    }

    @Test(
        "explain gives a person's type, evidence, money and spellings, whatever the email's case; history lists their events"
    )
    func explainAndHistory() throws {
        let run = try fansync(["explain", "--db", sampleStore, "  Ana.Silva@EXAMPLE.com "])
        #expect(run.status == 0)
        #expect(
            run.stdout.contains("type        subscription: the strongest evidence is stripe.subscriptions sub_1Ana0001")
        )
        #expect(
            run.stdout.contains("samples/activecampaign/contacts.csv:10  activecampaign.contacts 101  contact → lead"))
        #expect(run.stdout.contains("USD: 2 purchase(s), gross $148.00, refunded $0.00, net $148.00"))
        #expect(run.stdout.contains("spellings   Ana.Silva@example.com, ana.silva@example.com"))
        let history = try fansync(["history", "--db", sampleStore, "bo.chen@example.com", "--format", "ndjson"])
        let events = try lines(history.stdout).map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        #expect(
            events.map { $0["event"] as? String ?? "" } == [
                "Purchased: Sound Design 101", "Refunded: Sound Design 101",
            ])
        #expect(events.map { $0["amount"] as? String ?? "" } == ["199.00", "-199.00"])
    }

    @Test("explain and history on an unknown email say no one has it and exit 1")
    func unknownPeopleAreAClearMessage() throws {
        for command in ["explain", "history"] {
            let run = try fansync([command, "--db", sampleStore, "nobody@example.com"])
            #expect(run.status == 1)
            #expect(run.stderr.contains("no one with the email 'nobody@example.com' in store 'default'"))
        }
    }

    @Test("export gives fans under a fixed header, one row each, and customers as JSON")
    func exportIsStableAndSafe() throws {
        let run = try fansync(["export", "fans", "--db", sampleStore])
        let rows = run.stdout.components(separatedBy: "\r\n")
        #expect(
            rows.first
                == "Email Address,First Name,Last Name,Phone Number,Tags,Type,Score,DAW,Genre,Level,Goals,Source,Last Activity"
        )
        #expect(rows.count == 18)  // header, 15 fans (Bo's goals hold a quoted CRLF), final empty
        #expect(
            rows.contains {
                $0.hasPrefix("Ana.Silva@example.com,Ana,Silva-Costa,+14155550132,\"vip, Ableton, customer\"")
            })
        let json = try fansync(["export", "customers", "--db", sampleStore, "--format", "json"])
        let array = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(array?.count == 14)
        #expect(array?.first?.keys.sorted().first == "currency")
    }

    @Test("exported cells starting with =, +, - or @ are defused with a quote; plain numbers stay as they are")
    func formulaInjectionIsNeutralized() throws {
        let folder = try temporaryFile([], name: "x").replacingOccurrences(of: "/x", with: "")
        let csv = """
            "Contact ID","Email","First Name","Last Name","Phone","Tags","Date Created","Date Updated"
            1,evil@example.com,"=HYPERLINK(""http://x"")","+SUM(1)","-1+2","@cmd, ok",2024-01-01 10:00:00,2024-01-01 10:00:00
            2,plain@example.com,Plain,"-12.50",,,2024-01-01 10:00:00,2024-01-01 10:00:00
            """
        let file = try temporaryFile(Array(csv.utf8), name: "evil.csv")
        let db = folder + "/evil.db"
        #expect(try fansync(["import", "--db", db, "--rejects", folder, file]).status == 0)
        let run = try fansync(["export", "fans", "--db", db])
        let rows = run.stdout.components(separatedBy: "\r\n")
        #expect(rows[1].hasPrefix("evil@example.com,\"'=HYPERLINK(\"\"http://x\"\")\",'+SUM(1),'-1+2,\"'@cmd, ok\""))
        #expect(rows[2].hasPrefix("plain@example.com,Plain,-12.50,"))  // a plain number stays as it is
    }
}

@Suite(.serialized) struct NoSilentWrongAnswers {
    @Test("read commands on a store that is not there say so, exit 1 and create nothing")
    func readCommandsNeedAStore() throws {
        let folder = try temporaryFile([], name: "x").replacingOccurrences(of: "/x", with: "")
        let missing = folder + "/nothing-here.db"
        let endpoints = try endpointsFile(port: 9)
        for arguments in [
            ["customers"], ["fans"], ["stats"], ["explain", "a@example.com"], ["history", "a@example.com"],
            ["export", "customers"], ["runs"], ["push", "plan", "--endpoints", endpoints],
        ] {
            let run = try fansyncWithEnvironment(arguments + ["--db", missing], environment: pushEnvironment())
            #expect(run.status == 1, "\(arguments)")
            #expect(run.stderr.contains("no store at \(missing)"), "\(arguments): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: missing), "\(arguments) created the store")
        }
        let noFolder = try fansync(["customers", "--db", folder + "/no/such/folder/x.db"])
        #expect(noFolder.status == 1)
        #expect(noFolder.stderr.contains("the folder \(folder)/no/such/folder does not exist"))
    }

    @Test("a filter naming a store, source or status that does not exist says so and lists what does")
    func unknownFilterNamesAreNamed() throws {
        let store = try fansync(["customers", "--db", sampleStore, "--store", "defualt", "--format", "csv"])
        #expect(store.status == 0)
        #expect(store.stderr.contains("notice: no store named 'defualt' holds people; stores: default"))
        let source = try fansync(["fans", "--db", sampleStore, "--source", "stripe.payment", "--format", "csv"])
        #expect(source.status == 0)
        #expect(source.stderr.contains("no source named 'stripe.payment'"))
        #expect(source.stderr.contains("stripe.payments"))
        let status = try fansync(["customers", "--db", sampleStore, "--status", "activ", "--format", "csv"])
        #expect(status.stderr.contains("no subscription has the status 'activ'"))
        #expect(status.stderr.contains("statuses: active,"))
        // A filter that names real things but matches no one is no mistake: no notice.
        let empty = try fansync([
            "customers", "--db", sampleStore, "--status", "active", "--type", "lead", "--format", "csv",
        ])
        #expect(!empty.stderr.contains("notice"))
    }

    @Test("amounts and counts parse whole or not at all")
    func numericOptionsAreStrict() throws {
        func emails(_ extra: [String]) throws -> [String] {
            let csv = try fansync(["customers", "--db", sampleStore, "--format", "csv"] + extra).stdout
            return Array(lines(csv.replacingOccurrences(of: "\r", with: "")).dropFirst())
        }
        #expect(try !emails(["--min-spent", "1"]).isEmpty)
        #expect(try emails(["--min-spent", "1,000"]) == emails(["--min-spent", "1000"]))
        #expect(try emails(["--min-spent", "1"]) != emails(["--min-spent", "1,000"]))  // 1,000 was read as 1
        for bad in ["1,00", "1.000,50", "$100", "ten"] {
            let run = try fansync(["customers", "--db", sampleStore, "--min-spent", bad])
            #expect(run.status == 64, "\(bad)")
            #expect(run.stderr.contains("--min-spent takes an amount"), "\(bad)")
        }
        let negative = try fansync(["customers", "--db", sampleStore, "--limit", "-3"])
        #expect(negative.status == 64)
        #expect(negative.stderr.contains("--limit is how many rows to show: 0 or more, not -3"))
    }
}
