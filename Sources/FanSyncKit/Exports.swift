// The readers are part of FanSyncKit's public surface: users of the library
// (and the CLI) name CSVReaderOptions, TextEncoding and friends directly.
@_exported import FanSyncCSV
@_exported import FanSyncIO
@_exported import FanSyncPhone

/// The version printed by `fansync --version` and sent as `User-Agent`.
public let fanSyncVersion = "0.1.0"
