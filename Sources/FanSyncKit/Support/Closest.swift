/// Names close to `name` among `candidates`, by edit distance, for "did you mean" hints
/// (mapping keys, transforms, job and endpoint keys, and the command line's commands).
public func closest(to name: String, in candidates: [String], limit: Int = 3) -> [String] {
    let lowered = name.lowercased()
    let scored = candidates.map { candidate -> (String, Int) in
        let other = candidate.lowercased()
        // A prefix ("lower" for "lowercase") is as good as a one-letter typo.
        if lowered.count >= 3 && (other.hasPrefix(lowered) || lowered.hasPrefix(other)) { return (candidate, 1) }
        return (candidate, editDistance(lowered, other))
    }
    let threshold = max(2, name.count / 3)
    return scored.filter { $0.1 <= threshold }.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        .prefix(limit).map(\.0)
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
