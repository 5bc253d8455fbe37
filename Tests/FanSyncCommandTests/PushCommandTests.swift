import FanSyncTestSupport
import Foundation
import Testing

/// The loopback endpoint the push tests talk to (Tests/Support/fake_endpoint.py).
typealias FakeEndpoint = LoopbackEndpoint

func endpointsFile(port: Int, profile: String = "json-batch", extra: String = "") throws -> String {
    let yaml = """
        endpoints:
          - name: crm
            url: http://127.0.0.1:\(port)/ingest
            profile: \(profile)
            send: customers
            token_env: FAKE_TOKEN
            batch_size: 4
            concurrency: 2
            rate: 40
            timeout: 1
            connect_timeout: 1
        \(extra)
        """
    return try temporaryFile(Array(yaml.utf8), name: "endpoints.yml")
}

/// Endpoints sending one batch at a time with a long timeout: a push to kill halfway.
func oneAtATimeEndpoints(port: Int, timeout: Int) throws -> String {
    let endpoints = try endpointsFile(port: port)
    let yaml = try String(contentsOfFile: endpoints, encoding: .utf8)
        .replacingOccurrences(of: "concurrency: 2", with: "concurrency: 1")
        .replacingOccurrences(of: "timeout: 1\n", with: "timeout: \(timeout)\n")
    try yaml.write(toFile: endpoints, atomically: true, encoding: .utf8)
    return endpoints
}

/// `fansync push apply` started in the background, its output discarded.
func startPush(db: String, endpoints: String) throws -> Process {
    let process = Process()
    process.executableURL = binary
    process.arguments = ["push", "apply", "--db", db, "--endpoints", endpoints]
    process.environment = pushEnvironment()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

func pushEnvironment() -> [String: String] {
    ProcessInfo.processInfo.environment.merging(["FAKE_TOKEN": "s3cr3t-token"]) { $1 }
}

func fansyncWithEnvironment(_ arguments: [String], environment: [String: String]) throws -> Run {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    process.environment = environment
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(
        status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self))
}

func freshSampleStore() throws -> String {
    let folder = try temporaryFile([], name: "x").replacingOccurrences(of: "/x", with: "")
    let db = folder + "/store.db"
    _ = try fansync([
        "import", "--quiet", "--db", db, "--rejects", folder + "/rejects", "samples/activecampaign/contacts.csv",
        "samples/stripe/unified_payments.csv", "samples/stripe/customers.csv", "samples/stripe/subscriptions.csv",
    ])
    return db
}

func customerEmails(_ db: String) throws -> Set<String> {
    Set(try sqlite(db, "SELECT email FROM customers ORDER BY email").split(separator: "\n").map(String.init))
}

@Suite(.serialized) struct PushCommand {
    @Test("faults are retried, the bad record is dead-lettered, nothing is applied twice and the token is never stored")
    func faultsAreRetriedTheBadRecordIsDeadLetteredAndNothingAppliesTwice() throws {
        let db = try freshSampleStore()
        let server = try FakeEndpoint(
            faults: [
                ["status": 429, "retry_after": "1"], ["status": 503], ["status": 500],
                ["sleep": 2], ["drop": true],
            ], reject: ["dara@example.net"])
        let endpoints = try endpointsFile(port: server.port)
        let plan = try fansyncWithEnvironment(
            ["push", "plan", "--db", db, "--endpoints", endpoints], environment: pushEnvironment())
        #expect(plan.status == 0)
        #expect(
            plan.stdout.contains(
                "crm (json-batch, customers → http://127.0.0.1:\(server.port)/ingest): 10 to create, 0 to update, 0 unchanged"
            ))
        #expect(!plan.stdout.contains("s3cr3t-token"))

        let run = try fansyncWithEnvironment(
            ["push", "apply", "--db", db, "--endpoints", endpoints, "--json"],
            environment: pushEnvironment())
        #expect(run.status == 2)  // one record dead-lettered
        let summary = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(summary?["acknowledged"] as? Int == 9)
        #expect(summary?["dead_lettered"] as? Int == 1)
        #expect((summary?["retried"] as? Int ?? 0) >= 4)
        // Sent counts records, each once; the retries and split halves are attempts, counted apart.
        #expect(summary?["sent"] as? Int == 10)
        #expect((summary?["requests"] as? Int ?? 0) >= 10)
        #expect(summary?["outstanding_dead"] as? Int == 1)
        #expect(server.requests.filter { $0["fault"] is [String: Any] }.count == 5)  // every fault was met

        // The server holds exactly the store's customers (less the rejected one), each applied once.
        var expected = try customerEmails(db)
        expected.remove("dara@example.net")
        #expect(Set(server.records.keys) == expected)
        #expect(server.applied.values.allSatisfy { $0 == 1 })
        let ana = server.records["ana.silva@example.com"]
        #expect(ana?["type"] as? String == "subscription")
        #expect(ana?["total_spent"] as? String == "148.00")
        #expect(ana?["store_id"] as? String == "default")
        // A batch sent again after a timeout carries the same idempotency key and is not applied again.
        let duplicates = server.requests.filter { $0["duplicate"] as? Bool == true }
        #expect(!duplicates.isEmpty)
        for duplicate in duplicates {
            let key = duplicate["key"] as? String
            #expect(server.requests.contains { $0["key"] as? String == key && $0["duplicate"] as? Bool == false })
        }
        #expect(server.requests.allSatisfy { ($0["user_agent"] as? String)?.hasPrefix("fansync/") == true })
        // The dead letter holds exactly the bad record, with the status and the answer.
        #expect(try sqlite(db, "SELECT record_key, status FROM push_dead") == "dara@example.net|400")
        #expect(try sqlite(db, "SELECT response FROM push_dead").contains("invalid record dara@example.net"))
        #expect(try sqlite(db, "SELECT count(*) FROM push_outbox") == "0")
        // The token is nowhere in the store.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: db))
        #expect(bytes.range(of: Data("s3cr3t-token".utf8)) == nil)

        // Nothing changed: a second run sends nothing, and still says the dead letter waits (exit 2).
        let again = try fansyncWithEnvironment(
            ["push", "apply", "--db", db, "--endpoints", endpoints, "--json"],
            environment: pushEnvironment())
        #expect(again.status == 2)
        let second = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
        #expect(second?["sent"] as? Int == 0)
        #expect(second?["unchanged"] as? Int == 9)
        #expect(second?["outstanding_dead"] as? Int == 1)
        let text = try fansyncWithEnvironment(
            ["push", "apply", "--db", db, "--endpoints", endpoints], environment: pushEnvironment())
        #expect(text.status == 2)
        #expect(
            text.stdout.contains("crm: 0 sent, 0 acknowledged, 9 unchanged, 0 dead-lettered; 0 requests (0 retries)"),
            "\(text.stdout)")
        #expect(
            text.stderr.contains(
                "warning: crm still has 1 dead letter (fansync push status lists them; fansync push retry-dead sends the dead again)"
            ),
            "\(text.stderr)")
        #expect(!text.stderr.contains("\u{1B}["))  // no colors on a pipe
    }

    @Test("push status lists a dead letter, and retry-dead sends it again once the endpoint is fixed")
    func retryDeadSendsTheRecordAgainAfterAFix() throws {
        let db = try freshSampleStore()
        let strict = try FakeEndpoint(reject: ["dara@example.net"])
        _ = try fansyncWithEnvironment(
            ["push", "apply", "--db", db, "--endpoints", try endpointsFile(port: strict.port)],
            environment: pushEnvironment())
        #expect(try sqlite(db, "SELECT count(*) FROM push_dead") == "1")
        // push status names the dead record with its status and the endpoint's answer, and exits 2.
        let status = try fansync(["push", "status", "--db", db])
        #expect(status.status == 2)
        #expect(status.stdout.contains("crm: 9 acknowledged (last "), "\(status.stdout)")
        #expect(status.stdout.contains(", 0 pending in 0 batches, 1 dead"))
        #expect(status.stdout.contains("  dead dara@example.net: 400 at "))
        #expect(status.stdout.contains("invalid record dara@example.net"))
        let fixed = try FakeEndpoint()
        let run = try fansyncWithEnvironment(
            ["push", "retry-dead", "--db", db, "--endpoints", try endpointsFile(port: fixed.port)],
            environment: pushEnvironment())
        #expect(run.status == 0)
        #expect(run.stdout.contains("crm: 1 dead letter retried; 1 acknowledged, 0 dead-lettered again"))
        #expect(Set(fixed.records.keys) == ["dara@example.net"])
        #expect(try sqlite(db, "SELECT count(*) FROM push_dead") == "0")
        let settled = try fansync(["push", "status", "--db", db])
        #expect(settled.status == 0)
        #expect(settled.stdout.contains("crm: 10 acknowledged"))
        #expect(settled.stdout.contains(", 0 dead"))
    }

    @Test("only changed people are sent, and PostgREST gets its upsert on store_id and email")
    func onlyChangesAreSentAndPostgrestGetsItsUpsert() throws {
        let db = try freshSampleStore()
        let server = try FakeEndpoint()
        let endpoints = try endpointsFile(port: server.port, profile: "postgrest")
        #expect(
            try fansyncWithEnvironment(
                ["push", "apply", "--db", db, "--endpoints", endpoints], environment: pushEnvironment()
            ).status == 0)
        let first = server.requests.count
        #expect(server.requests.allSatisfy { ($0["path"] as? String) == "/ingest?on_conflict=store_id,email" })
        #expect(
            server.requests.allSatisfy { ($0["prefer"] as? String)?.contains("resolution=merge-duplicates") == true })
        // The older payments export adds Farid's 2023 purchases: only he changes (Grace's row in it is
        // the same payment, same content).
        _ = try fansync([
            "import", "--quiet", "--db", db, "--rejects", server.folder, "samples/stripe/payments_2023.csv",
        ])
        let plan = try fansyncWithEnvironment(
            ["push", "plan", "--db", db, "--endpoints", endpoints], environment: pushEnvironment())
        #expect(plan.stdout.contains("0 to create, 1 to update, 9 unchanged"))
        #expect(
            try fansyncWithEnvironment(
                ["push", "apply", "--db", db, "--endpoints", endpoints], environment: pushEnvironment()
            ).status == 0)
        let later = server.requests.dropFirst(first).flatMap { $0["emails"] as? [String] ?? [] }
        #expect(Set(later) == ["farid@example.com"])
        #expect(server.records["farid@example.com"]?["purchases"] as? Int == 3)
    }

    @Test("a push killed halfway resumes with no record lost or applied twice")
    func aKilledPushResumesWithoutLossOrDoubles() throws {
        let db = try freshSampleStore()
        // Slow answers keep the push busy long enough to kill it halfway.
        let server = try FakeEndpoint(faults: [["sleep": 0.8], ["sleep": 0.8], ["sleep": 0.8], ["sleep": 0.8]])
        let endpoints = try oneAtATimeEndpoints(port: server.port, timeout: 5)
        let process = try startPush(db: db, endpoints: endpoints)
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, server.requests.count < 2 { Thread.sleep(forTimeInterval: 0.05) }
        Thread.sleep(forTimeInterval: 0.3)  // the second batch is applied, its answer not yet back
        #expect(process.isRunning)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(try Int(sqlite(db, "SELECT count(*) FROM push_outbox")) ?? 0 >= 1)  // a batch in flight was kept
        // It keeps its key and records; the body is built again from them when it is sent.
        #expect(try sqlite(db, "SELECT count(*) FROM push_outbox WHERE body <> '' OR records = '[]'") == "0")

        let rerun = try fansyncWithEnvironment(
            ["push", "apply", "--db", db, "--endpoints", endpoints], environment: pushEnvironment())
        #expect(rerun.status == 0)
        #expect(Set(server.records.keys) == (try customerEmails(db)))
        #expect(server.applied.values.allSatisfy { $0 == 1 })
        // The in-flight batch, resent with its key.
        #expect(server.requests.contains { $0["duplicate"] as? Bool == true })
        #expect(try sqlite(db, "SELECT count(*) FROM push_outbox") == "0")
    }

    @Test("a batch stored by the endpoint whose reply is lost is resent with its key and answered as a replay")
    func aLostReplyIsReplayedNotAppliedTwice() throws {
        let db = try freshSampleStore()
        // The first batch is applied, then the connection drops before the answer; the second too.
        let server = try FakeEndpoint(faults: [["drop_after_apply": true], NSNull(), ["drop_after_apply": true]])
        let endpoints = try endpointsFile(port: server.port)
        let run = try fansyncWithEnvironment(
            ["push", "apply", "--db", db, "--endpoints", endpoints, "--json"],
            environment: pushEnvironment())
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(summary?["acknowledged"] as? Int == 10)
        #expect(Set(server.records.keys) == (try customerEmails(db)))
        #expect(server.applied.values.allSatisfy { $0 == 1 })
        // Each lost reply was followed by the same key again, answered as a replay.
        let lost = server.requests.filter { ($0["fault"] as? [String: Any])?["drop_after_apply"] as? Bool == true }
        #expect(lost.count == 2)
        for request in lost {
            let key = request["key"] as? String
            #expect(key != nil)
            let replays = server.requests.filter { $0["key"] as? String == key && $0["duplicate"] as? Bool == true }
            // At least once: libcurl may itself resend on a reused connection that died, with the same key.
            #expect(replays.count >= 1)
            #expect(replays.first?["emails"] as? [String] == request["emails"] as? [String])
        }
        #expect(try sqlite(db, "SELECT count(*) FROM push_outbox") == "0")
    }

    @Test("a pusher killed after the endpoint stored a batch, before the reply, resends it with its key")
    func aPusherKilledBeforeTheReplyResendsWithItsKey() throws {
        let db = try freshSampleStore()
        let server = try FakeEndpoint(faults: [NSNull(), ["hang_after_apply": 20]])
        let endpoints = try oneAtATimeEndpoints(port: server.port, timeout: 30)
        let process = try startPush(db: db, endpoints: endpoints)
        // Wait until the second batch is applied on the endpoint; its answer is being held back.
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, (server.applied.count < 8 || server.requests.count < 2) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(process.isRunning)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let held = try #require(server.requests.last { ($0["fault"] as? [String: Any])?["hang_after_apply"] != nil })
        let heldKey = try #require(held["key"] as? String)
        #expect(try sqlite(db, "SELECT idempotency_key FROM push_outbox").contains(heldKey))

        let rerun = try fansyncWithEnvironment(
            ["push", "apply", "--db", db, "--endpoints", endpoints], environment: pushEnvironment())
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(Set(server.records.keys) == (try customerEmails(db)))
        #expect(server.applied.values.allSatisfy { $0 == 1 })
        #expect(server.requests.contains { $0["key"] as? String == heldKey && $0["duplicate"] as? Bool == true })
        #expect(try sqlite(db, "SELECT count(*) FROM push_outbox") == "0")
    }

    @Test("an endpoints file's unset variables, unknown keys and inline secrets are reported at their line and column")
    func endpointFilesAreValidatedWithPositions() throws {
        let yaml = """
            endpoints:
              - name: crm
                url: https://${FANSYNC_TEST_UNSET_HOST}/ingest
                profile: json-batch
                batchsize: 10
                headers:
                  Authorization: Bearer abc
            """
        let file = try temporaryFile(Array(yaml.utf8), name: "bad.yml")
        let run = try fansync(["push", "plan", "--db", try freshSampleStore(), "--endpoints", file])
        #expect(run.status == 1)
        #expect(run.stderr.contains("bad.yml:3:10: environment variable 'FANSYNC_TEST_UNSET_HOST' is not set"))
        #expect(run.stderr.contains("bad.yml:5:5: unknown key 'batchsize' (did you mean 'batch_size'?)"))
        #expect(run.stderr.contains("bad.yml:7:7: put secrets in the environment and name the variable in token_env"))
    }

    /// A token never crosses a network in clear text unless the file says that network is the
    /// user's own; to this machine it may.
    @Test(
        "a token over plain HTTP to another host is refused unless allow_insecure_http says so; to this machine it may go"
    )
    func aTokenOverPlainHTTPToAnotherHostIsRefused() throws {
        func plan(_ url: String, _ extra: String = "") throws -> Run {
            let yaml = """
                endpoints:
                  - name: crm
                    url: \(url)
                    profile: json-batch
                    token_env: FAKE_TOKEN\(extra)
                """
            let file = try temporaryFile(Array(yaml.utf8), name: "clear.yml")
            return try fansyncWithEnvironment(
                ["push", "plan", "--db", try freshSampleStore(), "--endpoints", file],
                environment: pushEnvironment())
        }
        let refused = try plan("http://crm.example.com/ingest")
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "clear.yml:3:10: endpoint 'crm': its token would cross the network unencrypted to crm.example.com"),
            "\(refused.stderr)")
        #expect(try plan("http://crm.example.com/ingest", "\n    allow_insecure_http: true").status == 0)
        #expect(try plan("http://127.0.0.1:9/ingest").status == 0)
        #expect(try plan("http://127.attacker.example/ingest").status == 1)  // a name, not this machine
        #expect(try plan("http://localhost:9/ingest").status == 0)
        #expect(try plan("https://crm.example.com/ingest").status == 0)
    }

    @Test("an unset token variable is an error naming it")
    func aMissingTokenIsAClearError() throws {
        let server = try FakeEndpoint()
        var environment = ProcessInfo.processInfo.environment
        environment["FAKE_TOKEN"] = nil
        let run = try fansyncWithEnvironment(
            [
                "push", "apply", "--db", try freshSampleStore(), "--endpoints",
                try endpointsFile(port: server.port),
            ], environment: environment)
        #expect(run.status == 1)
        #expect(run.stderr.contains("the environment variable FAKE_TOKEN is not set"))
    }
}

@Suite(.serialized) struct ActiveCampaignPush {
    @Test("ActiveCampaign contacts sync one per request, with their fields and tags")
    func contactsSyncOneByOneWithFieldsAndTags() throws {
        let db = try freshSampleStore()
        let server = try FakeEndpoint(faults: [["status": 503]])  // ActiveCampaign throttles with 503
        let yaml = """
            endpoints:
              - name: ac
                url: http://127.0.0.1:\(server.port)
                profile: activecampaign
                send: fans
                token_env: FAKE_TOKEN
                rate: 50
                concurrency: 2
                field_ids: { daw: "3", genre: "4" }
            """
        let endpoints = try temporaryFile(Array(yaml.utf8), name: "ac.yml")
        let run = try fansyncWithEnvironment(
            ["push", "apply", "--db", db, "--endpoints", endpoints], environment: pushEnvironment())
        #expect(run.status == 0)
        let syncs = server.requests.filter { ($0["path"] as? String) == "/api/3/contact/sync" }
        #expect(syncs.allSatisfy { ($0["emails"] as? [String])?.count == 1 })  // one contact per request
        let fans = Set(try sqlite(db, "SELECT email FROM fans").split(separator: "\n").map(String.init))
        #expect(Set(server.records.keys) == fans)
        let ana = server.records["ana.silva@example.com"]
        #expect(ana?["firstName"] as? String == "Ana")
        #expect(ana?["lastName"] as? String == "Silva-Costa")
        let fields = ana?["fieldValues"] as? [[String: String]] ?? []
        #expect(fields.contains { $0["field"] == "3" && $0["value"] == "Ableton Live" })
        // Tags went through the tags and contactTags endpoints.
        let tags = server.state["contact_tags"] as? [String: [String]] ?? [:]
        // (ActiveCampaign matches tag names case-insensitively: "Ableton" may link the existing "ableton".)
        #expect(Set((tags["ana.silva@example.com"] ?? []).map { $0.lowercased() }) == ["vip", "ableton", "customer"])
        #expect(
            Set((tags["bo.chen@example.com"] ?? []).map { $0.lowercased() }) == [
                "fl studio", "webinar 2024", "newsletter", "customer",
            ])
        #expect(server.applied.values.allSatisfy { $0 == 1 })
    }
}

@Suite(.serialized) struct MailchimpPush {
    func endpoints(
        port: Int, extra: String = "    status_if_new: subscribed", path: String = "/3.0/lists/a1b2c3"
    ) throws -> String {
        let yaml = """
            endpoints:
              - name: audience
                url: http://127.0.0.1:\(port)\(path)
                profile: mailchimp
                send: fans
                token_env: FAKE_TOKEN
                batch_size: 1000
                field_ids: { daw: DAW }
            \(extra)
            """
        return try temporaryFile(Array(yaml.utf8), name: "mailchimp.yml")
    }

    @Test(
        "members go 500 at most a request; the members Mailchimp refuses in its 200 are dead-lettered, the rest acknowledged"
    )
    func membersAreBatchedAndRefusalsInTheAnswerAreDeadLettered() throws {
        let db = try freshSampleStore()
        let server = try FakeEndpoint(reject: ["bo.chen@example.com"])
        let run = try fansyncWithEnvironment(
            [
                "push", "apply", "--db", db, "--endpoints", try endpoints(port: server.port),
                "--json",
            ], environment: pushEnvironment())
        // A dead letter is outstanding work: exit 2, and the summary says so.
        #expect(run.status == 2, "\(run.stdout) \(run.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let fans = Set(try sqlite(db, "SELECT email FROM fans").split(separator: "\n").map(String.init))
        #expect(summary?["dead_lettered"] as? Int == 1)
        #expect(summary?["acknowledged"] as? Int == fans.count - 1)
        #expect(Set(server.records.keys) == fans.subtracting(["bo.chen@example.com"]))
        let posts = server.requests.filter { ($0["path"] as? String) == "/3.0/lists/a1b2c3" }
        #expect(posts.count == 1)  // batch_size 1000 is lowered to Mailchimp's 500; the samples fit in one
        let ana = server.records["ana.silva@example.com"]
        #expect(ana?["status_if_new"] as? String == "subscribed")
        let merge = ana?["merge_fields"] as? [String: String] ?? [:]
        #expect(
            merge["FNAME"] == "Ana" && merge["LNAME"] == "Silva-Costa" && merge["DAW"] == "Ableton Live", "\(merge)")
        let tags = Set((ana?["tags"] as? [String] ?? []).map { $0.lowercased() })
        #expect(tags.isSuperset(of: ["vip", "customer"]), "\(tags)")
        // The refused member waits in the dead letter with Mailchimp's reason; the others are acknowledged.
        #expect(try sqlite(db, "SELECT record_key || ' ' || status FROM push_dead") == "bo.chen@example.com 200")
        #expect(try sqlite(db, "SELECT response FROM push_dead").contains("ERROR_GENERIC"))
        #expect(try sqlite(db, "SELECT count(*) FROM push_state WHERE endpoint = 'audience'") == String(fans.count - 1))
        #expect(try sqlite(db, "SELECT count(*) FROM push_outbox") == "0")
        // Nothing changed: the next run sends nothing.
        let again = try fansyncWithEnvironment(
            [
                "push", "apply", "--db", db, "--endpoints", try endpoints(port: server.port),
                "--json",
            ], environment: pushEnvironment())
        #expect(
            (try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])?["sent"] as? Int == 0)
        #expect(server.applied.values.allSatisfy { $0 == 1 })
    }

    @Test(
        "an endpoint file without status_if_new, or with a url that is no audience, is refused before anything is sent")
    func whatMailchimpNeedsIsChecked() throws {
        let db = try freshSampleStore()
        let noStatus = try fansyncWithEnvironment(
            [
                "push", "plan", "--db", db, "--endpoints",
                try endpoints(port: 9, extra: ""),
            ], environment: pushEnvironment())
        #expect(noStatus.status != 0)
        #expect(
            noStatus.stderr.contains("mailchimp needs 'status_if_new' (subscribed, pending, transactional)"),
            "\(noStatus.stderr)")
        let wrongURL = try fansyncWithEnvironment(
            [
                "push", "plan", "--db", db, "--endpoints",
                try endpoints(port: 9, path: "/3.0/ping"),
            ], environment: pushEnvironment())
        #expect(wrongURL.status != 0)
        #expect(wrongURL.stderr.contains("a mailchimp url is the audience's"), "\(wrongURL.stderr)")
        let badStatus = try fansyncWithEnvironment(
            [
                "push", "plan", "--db", db, "--endpoints",
                try endpoints(port: 9, extra: "    status_if_new: yes"),
            ],
            environment: pushEnvironment())
        #expect(
            badStatus.stderr.contains("'status_if_new' is one of subscribed, pending, transactional"),
            "\(badStatus.stderr)")
    }
}

@Suite(.serialized) struct PushFailuresAreLoud {
    @Test("a refused token stops the endpoint: exit 1, what to check, records pending, nothing dead-lettered")
    func refusedTokenStopsTheEndpoint() throws {
        let db = try freshSampleStore()
        let server = try FakeEndpoint(token: "the-right-token")
        let endpoints = try oneAtATimeEndpoints(port: server.port, timeout: 5)
        let run = try fansyncWithEnvironment(
            ["push", "apply", "--db", db, "--endpoints", endpoints, "--json"],
            environment: pushEnvironment())
        #expect(run.status == 1)
        #expect(run.stderr.contains("refused the token in FAKE_TOKEN (401 Unauthorized)"), "\(run.stderr)")
        #expect(!run.stderr.contains("s3cr3t-token") && !run.stdout.contains("s3cr3t-token"))
        #expect(server.requests.count == 1)  // stopped at the first refusal, no split, no retries
        #expect(try sqlite(db, "SELECT count(*) FROM push_dead") == "0")
        let summary = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect((summary?["pending"] as? Int ?? 0) + (summary?["not_sent"] as? Int ?? 0) == 10)
        #expect((summary?["error"] as? String)?.contains("401") == true)
        #expect(try sqlite(db, "SELECT error FROM push_runs").contains("401"))

        // With the right token, the next run delivers everything once.
        var environment = pushEnvironment()
        environment["FAKE_TOKEN"] = "the-right-token"
        let fixed = try fansyncWithEnvironment(
            ["push", "apply", "--db", db, "--endpoints", endpoints], environment: environment)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(Set(server.records.keys) == (try customerEmails(db)))
        #expect(server.applied.values.allSatisfy { $0 == 1 })
    }

    @Test("an endpoint nobody answers is an error naming it and libcurl's reason on every output, never rejects")
    func unreachableEndpointIsAnError() throws {
        let db = try freshSampleStore()
        // A port nothing listens on: bind one, note it, close it.
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = [
            "python3", "-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])",
        ]
        let out = Pipe()
        probe.standardOutput = out
        try probe.run()
        let printed = out.fileHandleForReading.readDataToEndOfFile()
        probe.waitUntilExit()
        let port = try #require(
            Int(String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        let endpoints = try endpointsFile(port: port, extra: "    max_attempts: 2")
        let run = try fansyncWithEnvironment(
            ["push", "apply", "--db", db, "--endpoints", endpoints],
            environment: pushEnvironment())
        #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains("endpoint 'crm' (http://127.0.0.1:\(port)/ingest)"), "\(run.stderr)")
        #expect(run.stderr.contains("connect"), "\(run.stderr)")  // libcurl: Couldn't connect to server
        #expect(!run.stderr.contains("s3cr3t-token"))
        #expect(try sqlite(db, "SELECT count(*) FROM push_dead") == "0")
    }
}
