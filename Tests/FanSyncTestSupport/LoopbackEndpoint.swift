import Foundation

/// The loopback HTTP endpoint the push and HTTP tests talk to (`Tests/Support/fake_endpoint.py`),
/// started for one test and stopped with it: it records what it receives, honours idempotency
/// keys and injects the faults it is given, one per request.
public final class LoopbackEndpoint {
    /// Why the endpoint could not be started.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    let process = Process()
    /// A folder of its own (its state file; a test may keep other files there).
    public let folder: String
    public let port: Int

    public init(faults: [Any?] = [], reject: [String] = [], token: String? = "s3cr3t-token") throws {
        folder =
            FileManager.default.temporaryDirectory.appendingPathComponent("fansync-endpoint-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let faultFile = folder + "/faults.json"
        try JSONSerialization.data(withJSONObject: faults.map { $0 ?? NSNull() }).write(
            to: URL(fileURLWithPath: faultFile))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/fake_endpoint.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", script, "--port-file", folder + "/port", "--state", folder + "/state.json", "--faults",
                faultFile, "--lifetime", "90",
            ] + (token.map { ["--token", $0] } ?? []) + (reject.isEmpty ? [] : ["--reject"] + reject)
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        var found: Int?
        while Date() < deadline, found == nil {
            found = (try? String(contentsOfFile: folder + "/port", encoding: .utf8)).flatMap { Int($0) }
            if found == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let found else { throw StartError(description: "the loopback endpoint did not start within 10 s") }
        port = found
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Everything the endpoint keeps: `records` by email, `applied` counts, `requests` in order.
    public var state: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/state.json"))))
            as? [String: Any] ?? [:]
    }
    public var records: [String: [String: Any]] { state["records"] as? [String: [String: Any]] ?? [:] }
    public var applied: [String: Int] { state["applied"] as? [String: Int] ?? [:] }
    public var requests: [[String: Any]] { state["requests"] as? [[String: Any]] ?? [] }
}
