import ArgumentParser
import FanSyncKit
import Foundation

@main
struct FanSync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fansync",
        abstract: "Load CRM and billing exports, merge people by email, push them.",
        version: fanSyncVersion,
        subcommands: [
            RunJob.self, Runs.self, Import.self, Customers.self, Fans.self, StatsCommand.self, Explain.self,
            History.self, Export.self, ReportCommand.self,
            Push.self, Inspect.self, Map.self, Mappings.self,
        ])

    /// Parses and runs like swift-argument-parser's own `main()`, and adds what a person at a
    /// terminal needs: "did you mean" after a misspelled command, and the error label in color.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            // Help, --version and plain exit codes print as the parser prints them.
            if code == .success || error is ExitCode { exit(withError: error) }
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: Unexpected argument"),
                let hint = CommandSuggestion.hint(for: arguments, root: self)
            {
                // The parser's "Unexpected argument 'custmers'" becomes what the word was meant to be.
                let rest = message.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).dropFirst()
                message = (["Error: " + hint] + rest.map(String.init)).joined(separator: "\n")
            }
            if message.hasPrefix("Error: ") { message = Style.error("Error: ") + message.dropFirst("Error: ".count) }
            if !message.isEmpty { printError(message) }
            Foundation.exit(code.rawValue)
        }
    }
}

extension ExitCode {
    /// The run finished, but some rows were rejected or malformed.
    static let completedWithRejects = ExitCode(2)
}

/// Options that say how to read an input file.
struct ReadOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The input encoding: auto, utf-8, windows-1252 or utf-16.",
            discussion:
                "auto reads UTF-8, follows a UTF-16 byte-order mark, and falls back to Windows-1252 (with a notice) at the first byte that is not UTF-8. utf-8 is strict: a bad byte is an error naming its line."
        ))
    var encoding: TextEncoding = .auto

    @Option(
        help: ArgumentHelp(
            "The CSV delimiter: ',', ';', tab, '|', or any one ASCII character. Sniffed from the header when omitted."))
    var delimiter: Delimiter?

    var csvOptions: CSVReaderOptions {
        CSVReaderOptions(encoding: encoding, delimiter: delimiter?.byte)
    }
}

extension TextEncoding: ExpressibleByArgument {}

/// A delimiter as typed on the command line.
struct Delimiter: ExpressibleByArgument {
    var byte: UInt8

    init?(argument: String) {
        switch argument.lowercased() {
        case "tab", "\\t", "\t": byte = 0x09
        case "comma": byte = UInt8(ascii: ",")
        case "semicolon": byte = UInt8(ascii: ";")
        case "pipe": byte = UInt8(ascii: "|")
        default:
            guard argument.utf8.count == 1, let first = argument.utf8.first, first < 0x80,
                first != UInt8(ascii: "\""), first != 0x0A, first != 0x0D
            else { return nil }
            byte = first
        }
    }
}

/// Writes a line to standard output at once, so it keeps its place among
/// standard-error lines when both go to one terminal or log.
func printLine(_ message: String) {
    FileHandle.standardOutput.write(Data((message + "\n").utf8))
}

/// Writes to standard error (the C global `stderr` is not concurrency-safe in Swift 6).
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Buffered standard output for long listings.
final class OutputBuffer {
    private var buffer = Data()

    func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 64 * 1024 { flush() }
    }

    func flush() {
        FileHandle.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
