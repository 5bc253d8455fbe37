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
