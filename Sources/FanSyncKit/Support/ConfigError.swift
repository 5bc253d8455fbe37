/// A problem in a configuration file (a mapping, an endpoints file, a job file), located to the
/// YAML node. Always ``ErrorDisposition/fatal``: the file must be fixed first.
///
/// ```
/// mappings/stripe.payments.yml:14:19: unknown transform 'lower' (did you mean 'lowercase'?)
/// ```
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based, from Yams' `Mark`; 0 when the problem is the whole file.
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
    }
}

/// Every problem found in one or more configuration files (all of them, not the first only).
public struct ConfigErrors: DisposedError, Sendable {
    public var errors: [ConfigError]
    /// What kind of file the problems are in ("mapping files", "the job file"…), for the count line.
    public var document = "mapping files"

    public init(errors: [ConfigError], document: String = "mapping files") {
        self.errors = errors
        self.document = document
    }

    public var disposition: ErrorDisposition { .fatal }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
            + (errors.count > 1 ? "\n\(errors.count) problems in \(document)." : "")
    }
}
