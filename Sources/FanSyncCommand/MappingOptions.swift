import ArgumentParser
import FanSyncKit
import Foundation

/// Options that say which mappings exist and how they read values.
struct MappingOptions: ParsableArguments {
    @Option(
        name: .customLong("mappings"),
        help: ArgumentHelp(
            "A folder of your own mapping files (repeatable); read after the built-in ones and ./mappings, so a mapping with the same name replaces the built-in one.",
            valueName: "dir"))
    var folders: [String] = []

    @Option(help: "The default region of phone numbers written without a country code (ISO 3166, e.g. US, GB, DE).")
    var region = "US"

    @Option(help: "The time zone of dates written without an offset (IANA name, e.g. Europe/Berlin). UTC when omitted.")
    var zone = "UTC"

    @Option(
        help: ArgumentHelp(
            "e164: check phone numbers with libphonenumber and write them as E.164 (invalid ones are kept as written and flagged); keep: keep them as written, unchecked.",
            discussion: "libphonenumber takes about 14 µs a number here: 'keep' saves that on very large lists."))
    var phones: PhoneMode = .e164

    func validate() throws {
        if !PhoneNormalizer.isSupported(region: region.uppercased()) {
            throw ValidationError(
                "--region '\(region)' is not a region code libphonenumber knows; use e.g. US, GB, DE.")
        }
        if TimeZone(identifier: zone) == nil {
            throw ValidationError("--zone '\(zone)' is not a time zone; use an IANA name such as Europe/Berlin.")
        }
    }

    var settings: MappingSettings {
        MappingSettings(region: region.uppercased(), zone: TimeZone(identifier: zone), normalizePhones: phones == .e164)
    }

    func library() -> MappingLibrary {
        MappingLibrary(directories: MappingLibrary.defaultDirectories(extra: folders))
    }
}

/// Which mapping reads the input, its format, and where rejected rows go (`import` and `map`).
struct InputOptions: ParsableArguments {
    @Option(help: "The mapping to use for every file, by name or path. Detected from each file's header when omitted.")
    var mapping: String?

    @Option(help: "The input format: csv or json. Guessed from each file's name when omitted.")
    var format: InputFormat?

    @Option(help: "The folder for the CSVs of rejected rows.")
    var rejects = "rejects"

    /// The options for mapping a file with these choices, the reading options and mapping settings.
    func mapOptions(read: ReadOptions, mappingOptions: MappingOptions) -> MapOptions {
        MapOptions(
            mapping: mapping, read: read.csvOptions, format: format, settings: mappingOptions.settings,
            rejectsDirectory: rejects)
    }
}

enum PhoneMode: String, ExpressibleByArgument, CaseIterable {
    case e164
    case keep
}
