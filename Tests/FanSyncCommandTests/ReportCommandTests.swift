import Foundation
import Testing

/// Headless Chromium, when the machine has it (Debian's `chromium`; `scripts/ensure-packages test`
/// installs it, `CHROMIUM` names another).
let chromium: String? = {
    let candidates = [
        ProcessInfo.processInfo.environment["CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ].compactMap { $0 }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// Runs a program, killed after `timeout` seconds; its standard output.
func runProgram(_ path: String, _ arguments: [String], timeout: Double = 90) throws -> (status: Int32, stdout: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = DispatchTime.now() + timeout
    DispatchQueue.global().asyncAfter(deadline: deadline) { if process.isRunning { process.terminate() } }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

func headless(_ arguments: [String]) throws -> String {
    // Root in a container has no user namespace for Chromium's sandbox; the page is our own file.
    try runProgram(
        chromium ?? "chromium",
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--user-data-dir=" + (try newFolder()),
        ] + arguments
    ).stdout
}

/// Every `data-stat` in a page and its `data-value`.
func pageStats(_ html: String) -> [String: String] {
    var found: [String: String] = [:]
    let pattern = try? NSRegularExpression(pattern: #"data-stat="([^"]+)" data-value="([^"]*)""#)
    for match in pattern?.matches(in: html, range: NSRange(html.startIndex..., in: html)) ?? [] {
        if let key = Range(match.range(at: 1), in: html), let value = Range(match.range(at: 2), in: html) {
            found[String(html[key])] = String(html[value])
        }
    }
    return found
}

@Suite(.serialized) struct ReportCommand {
    @Test(
        "the report as a browser builds it: every card is stats' figure, every chart has its bars, the page is not blank",
        .enabled(
            if: chromium != nil,
            "headless Chromium is not installed (Debian's chromium package; scripts/ensure-packages test installs it)"))
    func inABrowser() throws {
        let folder = try newFolder()
        let page = folder + "/report.html"
        let run = try fansync(["report", "--db", sampleStore, "--out", page, "--as-of", "2025-02-15"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix(page + ": "))
        let statsRun = try fansync(["stats", "--db", sampleStore, "--json", "--as-of", "2025-02-15"])
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(statsRun.stdout.utf8)) as? [String: Any])

        let dom = try headless(["--dump-dom", "file://" + page])
        #expect(dom.contains("<svg"), "Chromium built no page: \(dom.prefix(200))")
        let cards = pageStats(dom)
        for key in ["customers", "subscribers", "paying", "leads", "repeat_customers", "new_this_month"] {
            #expect(cards[key] == (stats[key] as? Int).map(String.init), "\(key)")
        }
        let registered = (stats["registered_users"] as? Int ?? 0) - (stats["registered_converted"] as? Int ?? 0)
        #expect(cards["registered_not_bought"] == String(registered))
        for revenue in stats["revenue"] as? [[String: Any]] ?? [] {
            let currency = revenue["currency"] as? String ?? ""
            #expect(cards["revenue." + currency] == revenue["net"] as? String, "\(currency)")
            // Its chart has a bar per month, with values.
            let chart =
                dom.components(separatedBy: "id=\"revenue-\(currency)\"").dropFirst().first?
                .components(separatedBy: "</figure>").first ?? ""
            #expect(chart.components(separatedBy: "<rect class=\"bar").count > 2, "\(currency)")
            #expect(chart.contains("data-value="))
        }
        #expect((stats["revenue"] as? [Any])?.isEmpty == false)
        #expect(dom.contains("id=\"new-customers-chart\""))

        // A screenshot with more than a background in it.
        let shot = folder + "/report.png"
        _ = try headless(["--window-size=1200,1600", "--screenshot=" + shot, "file://" + page])
        let check = try runProgram(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import struct, sys, zlib
                data = open(sys.argv[1], 'rb').read()
                assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
                width, height = struct.unpack('>II', data[16:24])
                pos, idat = 8, b''
                while pos < len(data):
                    length, kind = struct.unpack('>I4s', data[pos:pos + 8])
                    if kind == b'IDAT': idat += data[pos + 8:pos + 8 + length]
                    pos += 12 + length
                pixels = zlib.decompress(idat)
                print(width, height, len(set(pixels)))
                """, shot,
            ])
        let figures = check.stdout.split(separator: " ").compactMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(figures.count == 3, "\(check.stdout)")
        #expect(figures.first == 1200)
        #expect((figures.last ?? 0) > 50, "the screenshot looks blank")
    }

    @Test("a job's report: is written after every run, with the run in it")
    func fromAJob() throws {
        let folder = try newFolder()
        let samples = repositoryRoot.appendingPathComponent("samples").path
        let job = folder + "/job.yml"
        try """
        store: default
        db: store.db
        report: out/report.html
        sources:
          - \(samples)/activecampaign/contacts.csv
          - \(samples)/stripe/unified_payments.csv
        options:
          rejects: rejects
        """.write(toFile: job, atomically: true, encoding: .utf8)
        let run = try fansync(["run", job])
        #expect(run.status == 2, "\(run.stdout) \(run.stderr)")  // the samples have rejected rows
        #expect(run.stdout.contains("report: "))
        let html = try String(contentsOfFile: folder + "/out/report.html", encoding: .utf8)
        #expect(pageStats(html)["customers"] != nil)
        #expect(html.contains("class=\"outcome rejects\""))  // the run it was written after
        #expect(html.contains("contacts.csv:6"))  // a rejected row of the latest import, with its line
        #expect(!html.contains("not-an-email"))  // reasons and places, never the values
        // A bad key is named at its place.
        try "store: default\nreport: [a, b]\n".write(toFile: job, atomically: true, encoding: .utf8)
        let bad = try fansync(["run", job, "--dry-run"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("'report' is the path of the HTML page"), "\(bad.stderr)")
    }
}
