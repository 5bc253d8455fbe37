import FanSyncCSV
import FanSyncIO
import Foundation

/// Reads, maps and hands on batches of CSV records in overlapping stages: one thread
/// reads batches, one mapping thread per core maps whole batches (the compiled mapping is
/// immutable and its steps are pure; libphonenumber is thread-safe), and the consumer
/// takes them back in file order. A fixed number of batches circulates, so memory stays
/// at a few batches whatever the file's size.
///
/// (Splitting each batch across the cores instead made every batch wait for its slowest
/// half, and with the reader on one of two cores that half was often the one sharing it.)
final class MappingPipeline: @unchecked Sendable {
    /// One batch of rows, in file order.
    final class Batch: @unchecked Sendable {
        var records: [CSVRecord]
        /// The mapped rows. A batch keeps the facts it last held until it is mapped again,
        /// so they are freed by a mapping thread, not by the consumer.
        var results: [Result<Fact, RowIssue>?]
        var count = 0
        /// The batch's place in the file.
        var sequence = 0

        init(capacity: Int) {
            records = Array(repeating: CSVRecord(), count: capacity)
            results = Array(repeating: nil, count: capacity)
        }

        /// Maps `records[0..<count]` into `results`, each fact then given to `prepare`.
        func map(
            _ compiled: CompiledMapping, file: String, expectedFields: Int, prepare: (@Sendable (inout Fact) -> Void)?
        ) {
            records.withUnsafeBufferPointer { records in
                results.withUnsafeMutableBufferPointer { results in
                    for index in 0..<count {
                        // The result is consumed, not copied: a fact prepared is the one mapped.
                        switch compiled.apply(records[index], file: file, expectedFields: expectedFields) {
                        case .success(var fact):
                            prepare?(&fact)
                            results[index] = .success(fact)
                        case let other:
                            results[index] = other
                        }
                    }
                }
            }
        }
    }

    enum Item {
        case batch(Batch)
        case failed(CSVError)
    }

    static let batchSize = 1024
    let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    private let read: BoundedQueue<Batch>
    /// Mapped batches by sequence, for the consumer to take in order.
    private let mapped = ReorderBuffer<Item>()
    /// Batches handed back for reuse; the reader waits here once all are in flight.
    private let spare: BoundedQueue<Batch>
    /// Signalled once by each stage's thread when it ends.
    private let finished = DispatchSemaphore(value: 0)
    private var taken = 0
    private var stopped = false

    /// `prepare` works on each fact on the mapping thread (the importer's share of landing it).
    init(
        reader: CSVReader, compiled: CompiledMapping, file: String, expectedFields: Int,
        prepare: (@Sendable (inout Fact) -> Void)? = nil
    ) {
        let reader = UncheckedReader(reader: reader)
        let total = 2 * workers + 2
        read = BoundedQueue<Batch>(capacity: workers + 1)
        spare = BoundedQueue<Batch>(capacity: total)
        for _ in 0..<total { _ = spare.put(Batch(capacity: Self.batchSize)) }
        let (read, mapped, spare, finished, workers) = (read, mapped, spare, finished, workers)
        let compiled = UncheckedMapping(compiled: compiled)
        // Dedicated threads: every stage blocks on a queue.
        Thread.detachNewThread {
            defer { read.close(); finished.signal() }
            var sequence = 0
            while let batch = spare.take() {
                batch.sequence = sequence
                // Filled through one borrow of the batch's records (an element of a class's array
                // costs a dynamic exclusivity check on every access).
                let (count, failure) = batch.records.withUnsafeMutableBufferPointer { records -> (Int, CSVError?) in
                    var count = 0
                    do throws(CSVError) {
                        while count < Self.batchSize, try reader.reader.read(into: &records[count]) { count += 1 }
                    } catch {
                        return (count, error)
                    }
                    return (count, nil)
                }
                batch.count = count
                if let error = failure {
                    // Where the file stops being readable: after the rows read before it.
                    if batch.count > 0 {
                        if !read.put(batch) { return }
                        sequence += 1
                    }
                    mapped.put(.failed(error), at: sequence)
                    mapped.finish(at: sequence + 1)
                    return
                }
                if batch.count > 0 {
                    if !read.put(batch) { return }
                    sequence += 1
                }
                if batch.count < Self.batchSize {
                    mapped.finish(at: sequence)
                    return
                }
            }
        }
        for _ in 0..<workers {
            Thread.detachNewThread {
                defer { finished.signal() }
                // The reader is the pipeline's critical path: mapping yields the core to it.
                // (On Linux the nice value is per thread, and 0 names the calling thread.)
                #if os(Linux)
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
                #endif
                while let batch = read.take() {
                    batch.map(compiled.compiled, file: file, expectedFields: expectedFields, prepare: prepare)
                    mapped.put(.batch(batch), at: batch.sequence)
                }
            }
        }
    }

    /// The next mapped batch, in file order; nil at the end of the file.
    /// - Throws: the reader's error, where the file stopped being readable.
    func next() throws(CSVError) -> Batch? {
        defer { taken += 1 }
        switch mapped.take(taken) {
        case .batch(let batch)?: return batch
        case .failed(let error)?: throw error
        case nil: return nil
        }
    }

    /// Hands a batch back once its facts are used, for the reader to fill again.
    func recycle(_ batch: Batch) {
        _ = spare.put(batch)
    }

    /// Stops the stages (when the consumer gives up early) and waits for them.
    func stop() {
        guard !stopped else { return }
        stopped = true
        read.close()
        mapped.close()
        spare.close()
        for _ in 0...workers { finished.wait() }
    }
}

/// Items put by several threads under sequence numbers, taken in sequence order.
final class ReorderBuffer<Element>: @unchecked Sendable {
    private var items: [Int: Element] = [:]
    /// The sequence number after the last item, once known.
    private var end: Int?
    private var closed = false
    private let condition = NSCondition()

    func put(_ item: Element, at sequence: Int) {
        condition.lock()
        items[sequence] = item
        condition.broadcast()
        condition.unlock()
    }

    /// Says that `sequence` is one past the last item.
    func finish(at sequence: Int) {
        condition.lock()
        end = sequence
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for item `sequence`; nil past the end or once closed.
    func take(_ sequence: Int) -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items[sequence] == nil && !closed {
            if let end, sequence >= end { return nil }
            condition.wait()
        }
        return items.removeValue(forKey: sequence)
    }

    /// Wakes every waiter; takes return what is already there, or nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// The compiled mapping, shared by the mapping threads: immutable, its steps pure.
struct UncheckedMapping: @unchecked Sendable {
    let compiled: CompiledMapping
}

/// The reader, handed to the reading thread (which alone uses it until the pipeline stops).
struct UncheckedReader: @unchecked Sendable {
    let reader: CSVReader
}

/// A first-in first-out queue of at most `capacity` items between two threads.
final class BoundedQueue<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var closed = false
    private let condition = NSCondition()

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room; false when the queue was closed (the item is dropped).
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !closed { condition.wait() }
        if closed { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Waits for an item; nil once the queue is closed and empty.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.count == head && !closed { condition.wait() }
        return pop()
    }

    private func pop() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        condition.broadcast()
        return item
    }

    /// Wakes every waiter; later puts are refused, takes drain what is left.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
