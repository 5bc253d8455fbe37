import ArgumentParser
import FanSyncKit
import Foundation

/// Options every command that reads or writes the store shares.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The SQLite store (default: $FANSYNC_DB, else ./fansync.db).", valueName: "path"))
    var databasePath: String?

    @Option(help: "The store (a creator or shop) inside the database.")
    var store = "default"

    @Option(name: .customLong("busy-timeout"), help: "Seconds to wait for another fansync run's lock before failing.")
    var busyTimeout: Double = 10

    var path: String {
        databasePath ?? ProcessInfo.processInfo.environment["FANSYNC_DB"] ?? "fansync.db"
    }

    /// Opens the store, creating it when it does not exist (commands that write).
    func open() throws -> Store {
        try Store(path: path, busyTimeout: busyTimeout)
    }

    /// Opens a store that must exist already (commands that only read): a path where there is
    /// none is an error that creates nothing.
    func openExisting() throws -> Store {
        let folder = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !folder.isEmpty,
            !(FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue)
        {
            throw NoStore(
                message: "no store at \(path): the folder \(folder) does not exist. Check --db (or FANSYNC_DB).")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw NoStore(
                message: "no store at \(path). Import a file first (fansync import --db \(path) FILE), "
                    + "or point --db (or FANSYNC_DB) at your store.")
        }
        return try Store(path: path, busyTimeout: busyTimeout)
    }
}

/// A read command pointed at a store that is not there.
struct NoStore: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
