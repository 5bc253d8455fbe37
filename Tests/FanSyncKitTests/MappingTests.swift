import FanSyncCSV
import Foundation
import Testing

@testable import FanSyncKit

@Suite struct MappingFiles {
    @Test("every built-in mapping loads without problems")
    func everyBuiltInMappingLoads() {
        #expect(builtInLibrary.problems.isEmpty)
        #expect(
            Set(builtInLibrary.mappings.map(\.name)) == [
                "activecampaign.contacts", "stripe.payments", "stripe.customers", "stripe.subscriptions",
                "clerk.users", "clerk.users.json", "app.enrollments", "legacy.list",
            ])
    }

    @Test(
        "each sample file is detected as its mapping, and every row read is accepted or rejected",
        arguments: [
            ("samples/activecampaign/contacts.csv", "activecampaign.contacts"),
            ("samples/stripe/unified_payments.csv", "stripe.payments"),
            ("samples/stripe/payments_2023.csv", "stripe.payments"),
            ("samples/stripe/customers.csv", "stripe.customers"),
            ("samples/stripe/subscriptions.csv", "stripe.subscriptions"),
            ("samples/clerk/users.csv", "clerk.users"),
            ("samples/clerk/users.json", "clerk.users.json"),
            ("samples/clerk/users.ndjson", "clerk.users.json"),
            ("samples/app/enrollments.csv", "app.enrollments"),
            ("samples/legacy/members_1252.csv", "legacy.list"),
        ])
    func everySampleIsDetected(sample: String, mapping: String) throws {
        let (_, report) = try mapSample(sample)
        #expect(report.mapping == mapping)
        #expect(report.mappingDetected)
        #expect(report.read == report.accepted + report.rejected)
    }

    @Test("mapping errors carry file, line and column, and all of them are reported at once")
    func errorsCarryFileLineAndColumnAndAllAreReported() throws {
        let yaml = """
            name: broken
            record: contact
            detect: [Email]
            key: id
            colour: blue
            fields:
              email:
                from: Email
                transform: [trim, lower]
              first_nam: { from: First }
              tags: { from: Tags }
              secret: { from: password_digest }
              phone:
                from: Phone
                transform: [{ phone: { region: XX } }]
            """
        do {
            _ = try Mapping.parse(yaml: yaml, file: "m.yml")
            Issue.record("expected errors")
        } catch {
            let messages = error.errors.map(\.description)
            #expect(
                messages.contains(
                    "m.yml:5:1: unknown key 'colour'; a mapping has name, description, system, record, format, detect, key, fields"
                ))
            #expect(
                messages.contains { $0.hasPrefix("m.yml:9:23: unknown transform 'lower' (did you mean 'lowercase'?)") })
            #expect(
                messages.contains {
                    $0.hasPrefix("m.yml:10:3: a contact has no field 'first_nam' (did you mean 'first_name'?)")
                })
            #expect(messages.contains { $0.hasPrefix("m.yml:12:3: a contact has no field 'secret'") })
            #expect(
                messages.contains("m.yml:12:11: 'password_digest' holds secrets and may not be read into any field"))
            // A step that did not parse is reported once, without knock-on type errors.
            #expect(!messages.contains { $0.contains("field 'email' is email") })
            #expect(messages.count == 7)
            #expect(
                messages.contains {
                    $0.hasPrefix(
                        "m.yml:11:3: field 'tags' is list in a contact but the transforms give text; it needs the split transform"
                    )
                })
            #expect(messages.contains { $0.hasPrefix("m.yml:15:36: unknown phone region 'XX'") })
        }
    }

    @Test("columns that hold secrets are refused wherever a mapping reads them, the key included")
    func sensitiveColumnsAreRefusedWhereverTheyAppear() throws {
        for column in [
            "password_digest", "password_hasher", "totp_secret", "TOTP Secret", "backup_codes", "Card Number",
            "card_number", "private_metadata.note",
        ] {
            let yaml = """
                name: leaky
                record: user
                detect: [id]
                key: id
                fields:
                  email: { from: email, transform: [email], required: true }
                  username: { from: [login, "\(column)"] }
                """
            #expect {
                try Mapping.parse(yaml: yaml, file: "leaky.yml")
            } throws: { error in
                (error as? ConfigErrors)?.errors.contains { $0.message.contains("holds secrets and may not be read") }
                    == true
            }
        }
        let keyed =
            "name: k\nrecord: user\ndetect: [id]\nkey: totp_secret\nfields:\n  email: { from: e, transform: [email] }\n"
        #expect(throws: ConfigErrors.self) { try Mapping.parse(yaml: keyed, file: "k.yml") }
    }

    @Test("a mapping must fill the required fields, chain transforms whose types match and give money a currency")
    func requiredSchemaFieldsTypesAndMoneyCurrenciesAreChecked() throws {
        let yaml = """
            name: pay
            record: payment
            detect: [id]
            key: id
            fields:
              amount: { from: Amount, transform: [{ money: { currency_field: currency } }] }
              status: { from: Status }
              created_at: { from: Created, transform: [datetime, trim] }
            """
        do {
            _ = try Mapping.parse(yaml: yaml, file: "p.yml")
            Issue.record("expected errors")
        } catch {
            let messages = error.errors.map(\.message)
            #expect(messages.contains { $0.contains("a payment needs the field 'currency'") })
            #expect(
                messages.contains {
                    $0.contains("money reads its currency from 'currency', which this mapping does not fill")
                })
            #expect(
                messages.contains {
                    $0.contains("field 'created_at': a transform that takes text follows one that gives timestamp")
                })
        }
    }

    @Test("invalid YAML is reported with its file and line")
    func invalidYAMLIsLocated() {
        #expect {
            try Mapping.parse(yaml: "name: x\nrecord: [contact\n", file: "bad.yml")
        } throws: { error in
            guard let first = (error as? ConfigErrors)?.errors.first else { return false }
            return first.file == "bad.yml" && first.line > 0 && first.message.hasPrefix("not valid YAML")
        }
    }

    @Test("the mapping template is itself a working mapping")
    func theTemplateIsAWorkingMapping() throws {
        let template = try Mapping.load(path: repositoryRoot + "/mappings/template.yml")
        #expect(template.name == "legacy.list")
        #expect(template.key == .none)
    }

    /// A column without a value takes the field's `default`, through the steps after it; a
    /// required field with a default is never missing; a field without one stays empty.
    @Test("a field whose column is empty takes its default, in CSV and JSON alike")
    func emptyColumnsTakeTheDefault() throws {
        let folder = try temporaryDirectory()
        let mappingPath = try writeFile(
            """
            name: legacy.levels
            record: contact
            detect: [Email, Level]
            key: none
            fields:
              email: { from: Email, transform: [email] }
              first_name: { from: First, transform: [trim, { null_if: [N/A] }, { default: Friend }] }
              level: { from: Level, transform: [trim, { default: Beginner }, lowercase], required: true }
              daw: { from: DAW, transform: [trim] }
            """, name: "levels.yml", in: folder)
        let mapping = try Mapping.load(path: mappingPath)
        let csv = try CompiledMapping(mapping, header: ["Email", "First", "Level", "DAW"], settings: MappingSettings())
        let json = try CompiledMapping(jsonMapping: mapping, settings: MappingSettings())
        func slot(_ name: String) -> Int { RecordKind.contact.slot(of: name) ?? -1 }
        for fields in [["a@x.co", "", "", ""], ["a@x.co", "N/A", "  ", " "]] {
            let record = CSVRecord(fields, position: CSVPosition(line: 2, record: 1))
            var members: [String: JSONValue] = [:]
            for (name, value) in zip(["Email", "First", "Level", "DAW"], fields) { members[name] = .string(value) }
            for result in [
                csv.apply(record, file: "levels.csv", expectedFields: 4),
                json.apply(JSONElement(index: 0, line: 2, value: .object(members)), file: "levels.json"),
            ] {
                let fact = try result.get()
                #expect(fact.values[slot("first_name")] == .text("Friend"))
                #expect(fact.values[slot("level")] == .text("beginner"))
                #expect(fact.values[slot("daw")] == nil)
            }
        }
        let given = CSVRecord(["a@x.co", "Ana", "Pro", "Live"], position: CSVPosition(line: 3, record: 2))
        let fact = try csv.apply(given, file: "levels.csv", expectedFields: 4).get()
        #expect(fact.values[slot("first_name")] == .text("Ana") && fact.values[slot("level")] == .text("pro"))
    }
}

@Suite struct Detection {
    @Test("an unrecognized header lists the closest mappings and the columns they miss")
    func unknownHeaderListsTheClosestMappingsAndTheirMissingColumns() throws {
        #expect {
            try builtInLibrary.detect(header: ["id", "Amount", "Currency", "Status"], format: .csv, file: "x.csv")
        } throws: { error in
            let text = "\(error)"
            return text.contains("x.csv: no mapping recognizes this header")
                && text.contains("stripe.payments: missing 'Amount Refunded'")
        }
    }

    @Test("a header that fits several mappings equally is an error that names them")
    func ambiguousHeadersAreAnError() throws {
        let folder = try temporaryDirectory()
        for name in ["one", "two"] {
            _ = try writeFile(
                "name: \(name)\nrecord: contact\ndetect: [Email]\nkey: none\nfields:\n  email: { from: Email, transform: [email] }\n",
                name: "\(name).yml", in: folder)
        }
        let library = MappingLibrary(directories: [folder])
        #expect {
            try library.detect(header: ["Email"], format: .csv, file: "list.csv")
        } throws: { error in
            "\(error)" == "list.csv: the header fits several mappings (one, two). Pass --mapping NAME to choose."
        }
    }

    @Test("when several mappings fit a header, the most specific one wins")
    func theMostSpecificMappingWins() throws {
        let folder = try temporaryDirectory()
        _ = try writeFile(
            "name: loose\nrecord: contact\ndetect: [Email]\nkey: none\nfields:\n  email: { from: Email, transform: [email] }\n",
            name: "loose.yml", in: folder)
        let library = MappingLibrary(directories: [repositoryRoot + "/mappings", folder])
        let header = ["Contact ID", "Email", "Date Created", "Date Updated"]
        #expect(try library.detect(header: header, format: .csv, file: "c.csv").name == "activecampaign.contacts")
        #expect(try library.detect(header: ["Email", "Name"], format: .csv, file: "c.csv").name == "loose")
    }

    @Test("a mapping can be chosen by name or by path, and an unknown name is an error")
    func mappingByNameOrPath() throws {
        #expect(try builtInLibrary.resolve("stripe.customers").record == .stripeCustomer)
        #expect(try builtInLibrary.resolve(repositoryRoot + "/mappings/template.yml").name == "legacy.list")
        #expect(throws: DetectionError.self) { try builtInLibrary.resolve("stripe.nope") }
    }

    @Test("a required column missing from the header stops the file")
    func requiredColumnsMissingFromTheHeaderStopTheFile() throws {
        let path = try writeFile("Email Address,First Name\nx@example.com,X\n", name: "list.csv")
        #expect {
            try FileMapper.map(
                path: path, options: MapOptions(mapping: "stripe.payments", rejectsDirectory: nil),
                library: builtInLibrary
            ) { _ in }
        } throws: { error in
            "\(error)".contains("the key column 'id' is not in the file's header")
        }
    }

    /// A file of several batches: facts come in file order, every row is counted once, and
    /// rejections land where they belong, whichever mapping thread took which batch.
    @Test("a file of many batches keeps file order, counts every row once and puts each rejection on its line")
    func manyBatchesKeepFileOrderAndCounts() throws {
        var text = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer Email\n"
        var bad = 0
        for row in 0..<5_000 {
            let email = row % 700 == 13 ? "not-an-address" : " User\(row)@Example.com"
            // JPY amounts are whole, except row 3's, which cannot be read exactly.
            let amount = row % 3 != 0 ? "\(row).50" : row == 3 ? "3.50" : "\(row)"
            if row % 700 == 13 || row == 3 { bad += 1 }
            text += "ch_\(row),2025-01-02 03:04:05,\(amount),0.00,\(row % 3 == 0 ? "jpy" : "usd"),Paid,\(email)\n"
        }
        let path = try writeFile(text, name: "many.csv")
        var lines: [Int] = []
        var jpy: Fact?
        let report = try FileMapper.map(path: path, options: MapOptions(rejectsDirectory: nil), library: builtInLibrary)
        { fact in
            lines.append(fact.line)
            if fact.sourceID == "ch_3" || fact.sourceID == "ch_6" { jpy = jpy ?? fact }
        }
        #expect(report.read == 5_000 && report.rejected == bad && report.accepted == 5_000 - bad)
        #expect(lines == lines.sorted() && Set(lines).count == lines.count && lines.count == 5_000 - bad)
        #expect(lines.first == 2 && lines.last == 5_001)
        // Row 3: JPY has no minor unit, so 3.50 cannot be read exactly and the row is rejected;
        // row 6's 6 yen stay 6.
        #expect(jpy?.sourceID == "ch_6" && jpy?["amount"] == .money(6) && jpy?["currency"] == .text("JPY"))
        #expect(jpy?.email == "user6@example.com")
        #expect(report.issues.contains { $0.line == 5 && $0.columnName == "Amount" })
        #expect(report.issues.contains { $0.line == 15 && $0.columnName == "Customer Email" })
    }

    /// A file that stops being readable after several batches: the rows before it are handed on,
    /// in order, and then the error, with its line.
    @Test("a read error after several batches comes, with its line, after the rows before it in order")
    func aReadErrorAfterSeveralBatchesComesAfterTheRowsBeforeIt() throws {
        var bytes = Array("id,Amount,Amount Refunded,Currency,Status,Customer Email,Created date (UTC)\n".utf8)
        for row in 0..<4_000 {
            bytes += Array("ch_\(row),1.00,0.00,usd,Paid,u\(row)@example.com,2025-01-02 03:04:05\n".utf8)
            if row == 3_499 {
                bytes += Array("ch_bad,1.00,0.00,usd,Paid,caf".utf8) + [0xE9] + Array("@example.com,2025-01-02\n".utf8)
            }
        }
        let path = try writeFile(String(decoding: bytes, as: UTF8.self), name: "broken.csv")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var lines: [Int] = []
        #expect {
            try FileMapper.map(
                path: path, options: MapOptions(read: CSVReaderOptions(encoding: .utf8), rejectsDirectory: nil),
                library: builtInLibrary
            ) { lines.append($0.line) }
        } throws: { error in
            "\(error)".contains("3502")
        }
        #expect(!lines.isEmpty && lines == Array(2..<(2 + lines.count)) && lines.count <= 3_500)
    }
}

@Suite struct CompiledInMappings {
    @Test(
        "the mappings compiled into the binary are the files in mappings/ (run scripts/embed-mappings after editing one)"
    )
    func embeddedMappingsMatchTheFiles() throws {
        let folder = repositoryRoot + "/mappings"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted()
        #expect(BuiltInMappings.files.map(\.name) == files)
        for file in BuiltInMappings.files {
            let onDisk = try String(contentsOfFile: folder + "/" + file.name, encoding: .utf8)
            #expect(
                file.yaml == onDisk.trimmingCharacters(in: .newlines),
                "\(file.name) differs: run scripts/embed-mappings")
        }
    }

    @Test("a user's folder adds mappings and overrides a built-in one by name")
    func userFoldersOverrideByName() throws {
        let folder = try temporaryDirectory()
        let yaml = try String(contentsOfFile: repositoryRoot + "/mappings/stripe.customers.yml", encoding: .utf8)
        _ = try writeFile(
            yaml.replacingOccurrences(of: "description: Stripe customers export", with: "description: mine"),
            name: "mine.yml", in: folder)
        let library = MappingLibrary(directories: [folder])
        #expect(library.mappings.count == BuiltInMappings.files.count)
        let mine = try #require(library.mappings.first { $0.name == "stripe.customers" })
        #expect(mine.description == "mine")
        #expect(MappingLibrary.origin(of: mine) == folder + "/mine.yml")
        #expect(
            library.mappings.filter { MappingLibrary.origin(of: $0) == "built-in" }.count == BuiltInMappings.files.count
                - 1)
    }
}
