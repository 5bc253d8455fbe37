// swift-tools-version:6.0
import PackageDescription

// System libraries (Debian): libcsv-dev zlib1g-dev libsqlite3-dev libcurl4-openssl-dev libphonenumber-dev pkg-config.
// `make deps` installs them; see scripts/ensure-packages.
let package = Package(
    name: "fansync",
    products: [
        .library(name: "FanSyncKit", targets: ["FanSyncKit"]),
        .executable(name: "fansync", targets: ["FanSyncCommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C libraries from the system, one system-library target each.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibCSV", providers: [.apt(["libcsv-dev"])]),  // libcsv ships no .pc
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // libphonenumber is C++: a small extern "C" shim (libphonenumber-dev ships no .pc).
        .target(
            name: "CPhoneNumber",
            linkerSettings: [.linkedLibrary("phonenumber"), .linkedLibrary("protobuf"), .linkedLibrary("stdc++")]),

        // Bytes in: files, standard input, gzip (zlib); BOM and UTF-16 handling; streaming JSON.
        .target(name: "FanSyncIO", dependencies: ["CZlib"]),
        // A thin wrapper over sqlite3: connections, prepared statements, transactions.
        .target(name: "FanSyncSQLite", dependencies: ["CSQLite"]),
        // HTTP over libcurl's multi interface: concurrent transfers, the caller paces them.
        .target(name: "FanSyncHTTP", dependencies: ["CCurl"]),
        // Phone numbers to E.164 over the libphonenumber shim: the only Swift that touches it.
        .target(name: "FanSyncPhone", dependencies: ["CPhoneNumber"]),
        // Streaming CSV over libcsv. No domain knowledge.
        .target(name: "FanSyncCSV", dependencies: ["FanSyncIO", "CLibCSV"]),
        // The domain.
        .target(
            name: "FanSyncKit",
            dependencies: [
                "FanSyncIO", "FanSyncCSV", "FanSyncSQLite", "FanSyncHTTP", "FanSyncPhone",
                .product(name: "Yams", package: "Yams"),
            ]),
        // The CLI: parsing arguments and printing, nothing else.
        .executableTarget(
            name: "FanSyncCommand",
            dependencies: [
                "FanSyncKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "FanSyncIOTests", dependencies: ["FanSyncIO"]),
        .testTarget(name: "FanSyncCSVTests", dependencies: ["FanSyncCSV"]),
        .testTarget(name: "FanSyncSQLiteTests", dependencies: ["FanSyncSQLite"]),
        // The loopback endpoint the HTTP and command tests share.
        .target(name: "FanSyncTestSupport", path: "Tests/FanSyncTestSupport"),
        .testTarget(name: "FanSyncHTTPTests", dependencies: ["FanSyncHTTP", "FanSyncTestSupport"]),
        .testTarget(name: "FanSyncKitTests", dependencies: ["FanSyncKit", "FanSyncCSV"], exclude: ["Golden"]),
        .testTarget(name: "FanSyncCommandTests", dependencies: ["FanSyncKit", "FanSyncTestSupport"]),
    ]
)
