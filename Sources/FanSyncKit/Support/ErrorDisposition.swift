import FanSyncCSV
import FanSyncIO
import FanSyncSQLite

/// What the caller can do about an error, carried by every error a run reports (``JobError``,
/// ``PushError``, ``JobFailure``) beside what failed and where.
public enum ErrorDisposition: String, Sendable, Equatable {
    /// Trying again changes nothing: fix the input or the configuration first.
    case fatal
    /// Worth another try later, unchanged (a store another run holds, an endpoint that is down;
    /// an outbox keeps what was not delivered).
    case retriable
    /// This item failed and the others went on (one file of a job).
    case skippable
}

/// An error that says what can be done about it.
public protocol DisposedError: Error, CustomStringConvertible {
    var disposition: ErrorDisposition { get }
}

extension ErrorDisposition {
    /// What can be done about `error`: its own word when it has one, else fatal.
    public static func of(_ error: any Error) -> ErrorDisposition {
        (error as? any DisposedError)?.disposition ?? .fatal
    }
}

// The modules below FanSyncKit know nothing of dispositions; their errors get theirs here.

extension DatabaseError: DisposedError {
    /// Another run holding the store past the busy timeout is worth a later try; the rest is not.
    public var disposition: ErrorDisposition { isBusy ? .retriable : .fatal }
}

extension CSVError: DisposedError {
    /// A file that cannot be read as CSV is fixed (or exported again) first.
    public var disposition: ErrorDisposition { .fatal }
}

extension InputError: DisposedError {
    public var disposition: ErrorDisposition { .fatal }
}

extension JSONReaderError: DisposedError {
    /// One malformed element of a dump is that element's rejection; the rest of the file goes on.
    public var disposition: ErrorDisposition { isSkippable ? .skippable : .fatal }
}
