import Foundation

@testable import FanSyncKit

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

let builtInLibrary = MappingLibrary(directories: [repositoryRoot + "/mappings"])

func temporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fansync-kit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

func writeFile(_ text: String, name: String, in directory: String? = nil) throws -> String {
    let folder = try directory ?? temporaryDirectory()
    let path = folder + "/" + name
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

/// Runs one transform on one value.
func run(
    _ transform: Transform, _ input: String, settings: MappingSettings = MappingSettings(),
    row: [String: FieldValue] = [:]
) -> StepResult {
    runChain([transform], input, settings: settings, row: row)
}

/// Runs a chain on one value, as CompiledMapping does.
func runChain(
    _ transforms: [Transform], _ input: String, settings: MappingSettings = MappingSettings(),
    row: [String: FieldValue] = [:]
) -> StepResult {
    let names = Array(row.keys)
    var slots: [String: Int] = [:]
    for (index, name) in names.enumerated() { slots[name] = index }
    var context = RowContext(values: names.map { row[$0] })
    var builder = TransformProgram.Builder(settings: settings)
    let steps = builder.compile(transforms, slots: slots, slot: names.count, allowed: nil)
    let program = TransformProgram(builder)
    var input = input
    return input.withUTF8 { bytes in
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: names.count + 1) { exponents in
            exponents.initialize(repeating: -1)
            return steps.withUnsafeBufferPointer { steps in
                switch program.run(steps, bytes, exponents: exponents, row: &context) {
                case .done(let result): return result
                case .interned(let text): return .value(.text(program.texts[text]))
                }
            }
        }
    }
}

extension StepResult {
    /// A comparable rendering, for checking two forms of a step agree.
    var shown: String {
        switch self {
        case .value(let value): return "value \(value)"
        case .empty: return "empty"
        case .failure(let why): return "failure \(why)"
        }
    }

    var value: FieldValue? { if case .value(let value) = self { return value } else { return nil } }
    var isEmpty: Bool { if case .empty = self { return true } else { return false } }
    var failure: String? { if case .failure(let why) = self { return why } else { return nil } }
}

/// Maps a sample through the built-in mappings; facts as JSONL with paths relative to the repository.
func mapSample(_ relative: String, rejects: String? = nil) throws -> (lines: [String], report: FileReport) {
    var lines: [String] = []
    let report = try FileMapper.map(
        path: repositoryRoot + "/" + relative,
        options: MapOptions(rejectsDirectory: rejects), library: builtInLibrary
    ) { fact in
        lines.append(FactJSON.line(fact).replacingOccurrences(of: repositoryRoot + "/", with: ""))
    }
    return (lines, report)
}
