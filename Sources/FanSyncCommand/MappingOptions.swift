import ArgumentParser
import FanSyncKit
import Foundation

/// Options that say which mappings exist and how they read values.
struct MappingOptions: ParsableArguments {
    @Option(name: .customLong("mappings"), help: ArgumentHelp(
        "A folder of your own mapping files (repeatable); read after the built-in ones and ./mappings, so a mapping with the same name replaces the built-in one.",
        valueName: "dir"))
    var folders: [String] = []

    @Option(help: "The default region of phone numbers written without a country code (ISO 3166, e.g. US, GB, DE).")
    var region = "US"

    @Option(help: "The time zone of dates written without an offset (IANA name, e.g. Europe/Berlin). UTC when omitted.")
    var zone = "UTC"

    func validate() throws {
        if !PhoneNormalizer.isSupported(region: region.uppercased()) {
            throw ValidationError("--region '\(region)' is not a region code libphonenumber knows; use e.g. US, GB, DE.")
        }
        if TimeZone(identifier: zone) == nil {
            throw ValidationError("--zone '\(zone)' is not a time zone; use an IANA name such as Europe/Berlin.")
        }
    }

    var settings: MappingSettings {
        MappingSettings(region: region.uppercased(), zone: TimeZone(identifier: zone))
    }

    func library() -> MappingLibrary {
        MappingLibrary(directories: MappingLibrary.defaultDirectories(extra: folders))
    }
}
