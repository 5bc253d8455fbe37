import Foundation
import Testing

/// The binary copied where nothing of the repository is, run from an empty folder with no
/// environment variables: what a user who installed it gets.
@Suite(.serialized) struct InstalledAnywhere {
    func isolatedCopy() throws -> (binary: URL, folder: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fansync-install-\(UUID().uuidString)")
        let bin = root.appendingPathComponent("bin"), work = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let copy = bin.appendingPathComponent("fansync")
        try FileManager.default.copyItem(at: binary, to: copy)
        return (copy, work)
    }

    func run(_ executable: URL, _ arguments: [String], in folder: URL) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = [:]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(),
            stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test("a copied binary knows every built-in mapping, marked built-in")
    func builtInMappingsAreCompiledIn() throws {
        let (copy, folder) = try isolatedCopy()
        let list = try run(copy, ["mappings", "list"], in: folder)
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n")
        let names = lines.compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(
            names == [
                "activecampaign.contacts", "app.enrollments", "clerk.users", "clerk.users.json", "legacy.list",
                "stripe.customers", "stripe.payments", "stripe.subscriptions",
            ])
        #expect(lines.allSatisfy { $0.hasSuffix("(built-in)") })
    }

    @Test("a copied binary imports a sample of each built-in mapping from an empty folder")
    func samplesImportFromAnEmptyFolder() throws {
        let (copy, folder) = try isolatedCopy()
        let samples: [(String, String)] = [
            ("activecampaign/contacts.csv", "activecampaign.contacts"), ("app/enrollments.csv", "app.enrollments"),
            ("clerk/users.csv", "clerk.users"), ("clerk/users.json", "clerk.users.json"),
            ("legacy/members_1252.csv", "legacy.list"), ("stripe/customers.csv", "stripe.customers"),
            ("stripe/unified_payments.csv", "stripe.payments"), ("stripe/subscriptions.csv", "stripe.subscriptions"),
        ]
        let paths = samples.map { repositoryRoot.appendingPathComponent("samples/" + $0.0).path }
        let imported = try run(copy, ["import", "--db", "store.db"] + paths, in: folder)
        #expect(imported.status == 0 || imported.status == 2, "\(imported.stderr)")
        for ((_, mapping), path) in zip(samples, paths) {
            #expect(imported.stdout.contains("\(path): \(mapping): "), "\(path) was not read with \(mapping)")
        }
        let customers = try run(copy, ["customers", "--db", "store.db", "--format", "csv"], in: folder)
        #expect(customers.status == 0)
        #expect(
            customers.stdout.contains("ana.silva@example.com") || customers.stdout.contains("Ana.Silva@example.com"))
    }

    @Test("a header no mapping knows names the mappings considered")
    func unknownHeaderNamesTheMappingsConsidered() throws {
        let (copy, folder) = try isolatedCopy()
        let file = folder.appendingPathComponent("odd.csv")
        try Data("Mystery,Column\n1,2\n".utf8).write(to: file)
        let result = try run(copy, ["import", "--db", "store.db", file.path], in: folder)
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("Considered: activecampaign.contacts, app.enrollments, clerk.users, legacy.list"))
    }
}
