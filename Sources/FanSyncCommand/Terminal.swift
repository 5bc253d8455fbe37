import ArgumentParser
import FanSyncKit
import Foundation

/// Colors for a person at a terminal: errors red, warnings yellow, summaries bold. Off when the
/// stream is not a terminal (a pipe, a file, a cron mail) and when `NO_COLOR` is set to anything
/// (https://no-color.org), so logs never fill with escape codes.
enum Style {
    static let onStandardError = enabled(STDERR_FILENO)
    static let onStandardOutput = enabled(STDOUT_FILENO)

    static func enabled(
        _ descriptor: Int32, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Bool {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return isatty(descriptor) == 1
    }

    /// For standard error.
    static func error(_ text: String) -> String { paint(text, "1;31", onStandardError) }
    static func warning(_ text: String) -> String { paint(text, "33", onStandardError) }
    static func notice(_ text: String) -> String { paint(text, "36", onStandardError) }
    /// For a closing summary line on standard output.
    static func summary(_ text: String) -> String { paint(text, "1", onStandardOutput) }

    static func paint(_ text: String, _ code: String, _ on: Bool) -> String {
        on && !text.isEmpty ? "\u{1B}[\(code)m" + text + "\u{1B}[0m" : text
    }
}

/// Counts with their noun: "1 person", "2 people", "no rows".
enum Plural {
    static func count(_ number: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(number) " + (number == 1 ? singular : plural ?? singular + "s")
    }
}

/// The terminal's size.
enum TerminalSize {
    /// Columns of the terminal on `descriptor` (`COLUMNS` wins when set), nil when it is not one.
    static func columns(
        _ descriptor: Int32 = STDOUT_FILENO,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Int? {
        if let text = environment["COLUMNS"], let columns = Int(text), columns > 0 { return columns }
        guard isatty(descriptor) == 1 else { return nil }
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}

/// "Did you mean" for a misspelled command: the closest command name at the level where
/// an unknown word stood (`fansync custmers`, `fansync push aply`).
enum CommandSuggestion {
    static func hint(for arguments: [String], root: ParsableCommand.Type) -> String? {
        var children: [ParsableCommand.Type] = root.configuration.subcommands
        var path = [root._commandName]
        for argument in arguments where !argument.hasPrefix("-") {
            guard !children.isEmpty else { return nil }
            var names: [String] = []
            var next: ParsableCommand.Type?
            for child in children {
                let name = child._commandName
                names.append(name)
                if name == argument || child.configuration.aliases.contains(argument) { next = child }
            }
            if let next {
                path.append(next._commandName)
                children = next.configuration.subcommands
                continue
            }
            return suggestion(for: argument, among: names, path: path)
        }
        return nil
    }

    /// The line to print for `word`, not a command among `names` at `path`.
    static func suggestion(for word: String, among names: [String], path: [String]) -> String {
        if let best = closest(to: word, in: names, limit: 1).first {
            return "'\(word)' is not a command. Did you mean '\((path + [best]).joined(separator: " "))'?"
        }
        return "'\(word)' is not a command of \(path.joined(separator: " ")); its commands: "
            + names.joined(separator: ", ")
    }
}

/// One line on standard error that updates in place while a file is read: the share of the file
/// read, rows a second and the time left. Only on a terminal; on a pipe or in a log, nothing.
final class ProgressLine {
    let enabled: Bool
    private var file = ""
    private var started = Date()
    private var lastDrawn = Date.distantPast
    private var shown = false

    init(enabled: Bool = isatty(STDERR_FILENO) == 1) { self.enabled = enabled }

    /// Reading `file`: redrawn at most ten times a second.
    func update(file: String, _ progress: MapProgress) {
        guard enabled else { return }
        if file != self.file { self.file = file; started = Date() }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= 0.1 else { return }
        lastDrawn = now
        draw(Self.text(file: file, progress, elapsed: now.timeIntervalSince(started)))
    }

    /// Any other step of `file` (recomputing people, pushing).
    func update(file: String, message: String) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= 0.1 else { return }
        lastDrawn = now
        draw("\(file): \(message)")
    }

    /// Takes the line away, before a line that stays is printed.
    func clear() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        shown = false
    }

    private func draw(_ text: String) {
        var line = text
        if let columns = TerminalSize.columns(STDERR_FILENO), DisplayWidth.of(line) >= columns {
            line = DisplayWidth.truncate(line, to: max(10, columns - 1))
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
        shown = true
    }

    /// "payments.csv: 45% · 412,000 rows · 180,000 rows/s · about 3 s left" (no share and no
    /// estimate when the size is unknown, as for standard input).
    static func text(file: String, _ progress: MapProgress, elapsed: Double) -> String {
        var parts = [NumberText.grouped(progress.rows) + (progress.rows == 1 ? " row" : " rows")]
        if elapsed > 0.2 { parts.append(NumberText.grouped(Int(Double(progress.rows) / elapsed)) + " rows/s") }
        if let fraction = progress.fraction {
            parts.insert(String(format: "%.0f%%", fraction * 100), at: 0)
            if elapsed > 1, fraction > 0.01, fraction < 1 {
                parts.append("about " + duration(elapsed / fraction - elapsed) + " left")
            }
        }
        return "\(file): " + parts.joined(separator: " · ")
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h \(whole / 60 % 60) min"
    }
}
