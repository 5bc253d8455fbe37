import Foundation

// libFuzzer harness: FanSyncKit's mapping path, with every built-in mapping in mappings/.
//
// The input is a CSV export. For each CSV mapping it is mapped twice:
//   1. as it is (its header must bind to the mapping, as a sample's does), and
//   2. as the rows under a header made of every column the mapping reads, so that
//      arbitrary bytes reach the transforms (other settings: default currency, region, zone).
// Each time a plain loop over CSVReader applies the compiled mapping, and every fact must fit
// its kind's schema (types of values, allowed texts); each row must map as an object of the
// same values does through the mapping's JSON twin (one transform interpreter behind both
// readers: facts and rejections equal but for the column numbers). FileMapper.map (the threaded pipeline, rejectsDirectory nil) must give
// the same facts in the same order and the same counts; it is slow, so under the made-up
// header it runs for one mapping per input, picked by the input's hash.
// JSON mappings read the input as JSON, through FileMapper and through a plain loop.
// Before all that, the input's lines go straight into rows of values (no CSV parsing), so
// that every line reaches every column: the CSV row and its JSON twin must agree there too.
//
// The mappings are loaded once, from $FANSYNC_HOME/mappings, or the repository this file is in.
@testable import FanSyncKit

let repository =
    ProcessInfo.processInfo.environment["FANSYNC_HOME"]
    ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path

let library: MappingLibrary = {
    let library = MappingLibrary(directories: [repository + "/mappings"])
    precondition(library.problems.isEmpty, "built-in mappings do not load: \(library.problems)")
    precondition(library.mappings.count >= 7, "no built-in mappings in \(repository)/mappings")
    return library
}()

/// The settings `map` uses by default, for inputs as they are.
let plainSettings = MappingSettings()
/// Other settings, for rows under a made-up header.
let otherSettings: MappingSettings = {
    var settings = MappingSettings(region: "GB", zone: TimeZone(identifier: "America/New_York"))
    settings.defaultCurrency = "usd"
    return settings
}()

/// What the plain loop saw.
struct Direct {
    var results: [Result<Fact, RowIssue>] = []
    var error: CSVError?
    var bound = false
    var facts: [Fact] { results.compactMap { try? $0.get() } }
    var rejected: Int { results.count(where: { if case .failure = $0 { return true } else { return false } }) }
}

/// Maps `path` with a plain loop, each row checked against its JSON twin.
func mapDirectly(path: String, mapping: Mapping, settings: MappingSettings) -> Direct {
    var direct = Direct()
    let reader: CSVReader
    do { reader = try CSVReader(path: path) } catch {
        direct.error = error
        return direct
    }
    let header = reader.headerNames
    let compiled: CompiledMapping
    do { compiled = try CompiledMapping(mapping, header: header, settings: settings) } catch { return direct }
    direct.bound = true
    let twin = jsonTwin(of: mapping, settings: settings)
    var record = CSVRecord()
    do throws(CSVError) {
        while try reader.read(into: &record) {
            let result = compiled.apply(record, file: path, expectedFields: header.count)
            if case .success(let fact) = result { checkSchema(fact, mapping: mapping) }
            if let twin, record.count == header.count {
                checkTwin(
                    twin, result, fields: record.fields, header: header, line: record.position.line, file: path,
                    mapping: mapping)
            }
            direct.results.append(result)
        }
    } catch {
        direct.error = error
    }
    return direct
}

/// Maps `path` with the plain loop and, when `pipeline`, with FileMapper, checked against each other.
func exercise(path: String, mapping: Mapping, settings: MappingSettings, pipeline: Bool = true) {
    let direct = mapDirectly(path: path, mapping: mapping, settings: settings)
    guard pipeline else { return }
    var facts: [Fact] = []
    var options = MapOptions(mapping: mapping.name, format: .csv, settings: settings, rejectsDirectory: nil)
    options.publishRejects = false
    do {
        let report = try FileMapper.map(path: path, options: options, library: library) { facts.append($0) }
        Fuzz.check(
            direct.bound && direct.error == nil,
            "\(mapping.name): FileMapper mapped a file the plain loop could not (\(Fuzz.show(direct.error)))")
        Fuzz.check(
            report.read == report.accepted + report.rejected && report.accepted == facts.count,
            "\(mapping.name): report read \(report.read), accepted \(report.accepted), rejected \(report.rejected), \(facts.count) facts"
        )
        Fuzz.check(
            report.read == direct.results.count && report.rejected == direct.rejected,
            """
            \(mapping.name): FileMapper read \(report.read) rows and rejected \(report.rejected); \
            the plain loop read \(direct.results.count) and rejected \(direct.rejected)
            """)
        Fuzz.check(report.rejectsPath == nil, "\(mapping.name): a rejects file without a rejects directory")
    } catch FileMapError.csv(let error) {
        Fuzz.check(
            error == direct.error,
            "\(mapping.name): FileMapper failed with \(error), the plain loop with \(Fuzz.show(direct.error))")
    } catch FileMapError.binding {
        Fuzz.check(!direct.bound, "\(mapping.name): FileMapper could not bind a header the plain loop bound")
        return
    } catch {
        Fuzz.check(false, "\(mapping.name): FileMapper threw \(error)")
    }
    // Facts handed on before any failure, in file order.
    Fuzz.check(
        same(facts, Array(direct.facts.prefix(facts.count)))
            && (direct.error != nil || facts.count == direct.facts.count),
        """
        \(mapping.name): FileMapper's facts differ from the plain loop's
          FileMapper: \(Fuzz.show(facts))
          plain:      \(Fuzz.show(direct.facts))
        """)
}

/// Maps `path` as JSON with FileMapper and with a plain loop.
func exerciseJSON(path: String, mapping: Mapping) {
    var facts: [Fact] = []
    var options = MapOptions(mapping: mapping.name, format: .json, settings: plainSettings, rejectsDirectory: nil)
    options.publishRejects = false
    var report: FileReport?
    do {
        report = try FileMapper.map(path: path, options: options, library: library) { facts.append($0) }
    } catch FileMapError.json {
        // Broken structure: the facts before it were handed on; compared below.
    } catch {
        Fuzz.check(false, "\(mapping.name): FileMapper threw \(error) on JSON")
    }
    if let report {
        Fuzz.check(
            report.read == report.accepted + report.rejected && report.accepted == facts.count,
            "\(mapping.name): report read \(report.read), accepted \(report.accepted), rejected \(report.rejected), \(facts.count) facts"
        )
    }
    // The plain loop: every well-formed element through the compiled mapping.
    guard let compiled = try? CompiledMapping(jsonMapping: mapping, settings: plainSettings),
        let reader = try? JSONStreamReader(path: path)
    else { return }
    var plain: [Fact] = [], rejected = 0, read = 0
    while true {
        do throws(JSONReaderError) {
            guard let element = try reader.next() else { break }
            read += 1
            switch compiled.apply(element, file: path) {
            case .success(let fact):
                checkSchema(fact, mapping: mapping)
                plain.append(fact)
            case .failure: rejected += 1
            }
        } catch  where error.isSkippable {
            read += 1
            rejected += 1
        } catch {
            break
        }
    }
    Fuzz.check(
        same(facts, plain),
        """
        \(mapping.name): FileMapper's JSON facts differ from the plain loop's
          FileMapper: \(Fuzz.show(facts))
          plain:      \(Fuzz.show(plain))
        """)
    if let report {
        Fuzz.check(
            report.read == read && report.rejected == rejected,
            "\(mapping.name): FileMapper read \(report.read), rejected \(report.rejected); plain loop \(read), \(rejected)"
        )
    }
}

/// A header line naming every column `mapping` reads, each once, quoted.
func header(for mapping: Mapping) -> [UInt8] {
    var seen = Set<String>()
    let names = mapping.columns.filter { seen.insert($0).inserted }
    let line = names.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",")
    return Array((line + "\n").utf8)
}

/// Each CSV mapping bound once to a header of its own columns, under both settings. (Their JSON
/// twins are bound per input: kept in this global, LeakSanitizer took the paths it holds, tagged
/// pointers in an enum, for leaks.)
nonisolated(unsafe) let boundToOwnColumns:
    [(mapping: Mapping, header: [String], settings: MappingSettings, csv: CompiledMapping)] = {
        var bound: [(Mapping, [String], MappingSettings, CompiledMapping)] = []
        for mapping in library.mappings where mapping.format == .csv {
            var seen = Set<String>()
            let names = mapping.columns.filter { seen.insert($0).inserted }
            for settings in [plainSettings, otherSettings] {
                do {
                    bound.append(
                        (mapping, names, settings, try CompiledMapping(mapping, header: names, settings: settings)))
                } catch {
                    preconditionFailure("\(mapping.name) does not bind to its own columns: \(error)")
                }
            }
        }
        return bound
    }()

/// The input's lines as values: row k gives column i line k + i (wrapping), so every line
/// reaches every column with the right number of fields. No CSV parsing in the way.
func mapLines(_ bytes: UnsafeRawBufferPointer) {
    let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    for (mapping, header, settings, csv) in boundToOwnColumns {
        let json = jsonTwin(of: mapping, settings: settings)
        for start in 0..<min(lines.count, 64) {
            let fields = (0..<header.count).map { String(lines[(start + $0) % lines.count]) }
            mapRow(fields, header: header, line: start + 2, file: "lines.csv", mapping: mapping, csv: csv, twin: json)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    mapLines(bytes)
    let path = Fuzz.write(bytes, name: "input.csv")
    // FileMapper's pipeline starts three threads and allocates a few thousand records: under a
    // made-up header (where every mapping binds) it runs for one mapping per input, by the input's hash.
    let pipelined = Int(
        bytes.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 } % UInt32(library.mappings.count))
    for (number, mapping) in library.mappings.enumerated() {
        switch mapping.format {
        case .csv:
            exercise(path: path, mapping: mapping, settings: plainSettings)
            let rows = Fuzz.write(header(for: mapping) + Array(bytes), name: "rows.csv")
            exercise(path: rows, mapping: mapping, settings: otherSettings, pipeline: number == pipelined)
        case .json:
            exerciseJSON(path: Fuzz.write(bytes, name: "input.json"), mapping: mapping)
        }
    }
    return 0
}
