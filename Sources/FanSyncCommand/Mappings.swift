import ArgumentParser
import FanSyncKit
import Foundation

extension FanSync {
    struct Mappings: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List and check mapping files.",
            subcommands: [List.self, Check.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the mappings fansync knows, and where they come from.")

            @OptionGroup var mappingOptions: MappingOptions

            func run() throws {
                let library = mappingOptions.library()
                if !library.directories.isEmpty {
                    printError("Built-in mappings, then folders: " + library.directories.joined(separator: ", "))
                }
                let width = library.mappings.map(\.name.count).max() ?? 0
                for mapping in library.mappings.sorted(by: { $0.name < $1.name }) {
                    let name = mapping.name.padding(toLength: width, withPad: " ", startingAt: 0)
                    let kind = mapping.record.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)
                    print(
                        "\(name)  \(kind)  \(mapping.format.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0))\(mapping.description)  (\(MappingLibrary.origin(of: mapping)))"
                    )
                }
                for problem in library.problems { printError(problem.description) }
                if !library.problems.isEmpty { throw ExitCode.failure }
            }
        }

        struct Check: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check mapping files and report every problem with file:line:column.",
                discussion: "Without PATH, checks every mapping fansync knows. Exit status 1 when any problem is found."
            )

            @OptionGroup var mappingOptions: MappingOptions

            @Argument(help: "Mapping files or folders to check.", completion: .file(extensions: ["yml", "yaml"]))
            var paths: [String] = []

            func run() throws {
                var problems: [ConfigError] = []
                var checked = 0
                if paths.isEmpty {
                    let library = mappingOptions.library()
                    checked = library.mappings.count + Set(library.problems.map(\.file)).count
                    problems = library.problems
                } else {
                    for path in paths {
                        var isDirectory: ObjCBool = false
                        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
                            isDirectory.boolValue
                        {
                            let library = MappingLibrary(directories: [path])
                            checked += library.mappings.count + Set(library.problems.map(\.file)).count
                            problems += library.problems
                        } else {
                            checked += 1
                            do { _ = try Mapping.load(path: path) } catch { problems += error.errors }
                        }
                    }
                }
                for problem in problems { print(problem.description) }
                let files = Set(problems.map(\.file)).count
                printError(
                    Plural.count(checked, "mapping file") + " checked, " + Plural.count(problems.count, "problem")
                        + (problems.isEmpty ? "" : " in " + Plural.count(files, "file")))
                if !problems.isEmpty { throw ExitCode.failure }
            }
        }
    }
}
