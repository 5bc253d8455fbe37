import ArgumentParser
import FanSyncKit
import Foundation

/// Options every command that reads or writes the store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp(
        "The SQLite store (default: $FANSYNC_DB, else ./fansync.db).", valueName: "path"))
    var databasePath: String?

    @Option(help: "The store (a creator or shop) inside the database.")
    var store = "default"

    @Option(name: .customLong("busy-timeout"), help: "Seconds to wait for another fansync run's lock before failing.")
    var busyTimeout: Double = 10

    var path: String {
        databasePath ?? ProcessInfo.processInfo.environment["FANSYNC_DB"] ?? "fansync.db"
    }

    func open() throws -> Store {
        try Store(path: path, busyTimeout: busyTimeout)
    }
}
