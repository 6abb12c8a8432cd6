// Prints results as they come: a plain aligned table, or Markdown.
import Foundation

struct Report {
    let markdown: Bool
    /// Whether there is an allocs/op column (the allocation counter is preloaded).
    let allocations: Bool

    private static let widths = [30, 10, 20, 11, 20]

    func begin() {
        let titles = columns("case", "ns/op", "min – max", "allocs/op", "ops × batches")
        if markdown {
            emit("| " + titles.joined(separator: " | ") + " |")
            emit("|---|" + titles.dropFirst().map { _ in "---:" }.joined(separator: "|") + "|")
        } else {
            emit(aligned(titles))
        }
    }

    func row(_ name: String, _ measurement: Measurement) {
        let cells = columns(
            markdown ? "`\(name)`" : name,
            Self.format(measurement.median),
            Self.format(measurement.min) + " – " + Self.format(measurement.max),
            measurement.allocationsPerOp.map { String(format: "%.1f", $0) } ?? "–",
            "\(measurement.iterations) × \(measurement.nsPerOp.count)")
        emit(markdown ? "| " + cells.joined(separator: " | ") + " |" : aligned(cells))
    }

    func skipped(_ name: String) {
        emit(markdown ? "| `\(name)` | setup failed |" : aligned([name, "setup failed"]))
    }

    private func columns(_ name: String, _ median: String, _ range: String, _ allocs: String, _ runs: String) -> [String] {
        allocations ? [name, median, range, allocs, runs] : [name, median, range, runs]
    }

    /// The name left-aligned, the numbers right-aligned.
    private func aligned(_ cells: [String]) -> String {
        let widths = allocations ? Self.widths : Self.widths.enumerated().filter { $0.offset != 3 }.map(\.element)
        var line = ""
        for (index, cell) in cells.enumerated() {
            let width = index < widths.count ? widths[index] : 0
            let padding = String(repeating: " ", count: max(1, width - cell.count))
            line += index == 0 ? cell + padding : padding + cell
        }
        return line
    }

    /// Unbuffered, so that rows show up as cases finish even when the output is piped.
    private func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// One decimal below 100 ns, whole nanoseconds above.
    static func format(_ nanoseconds: Double) -> String {
        nanoseconds < 100 ? String(format: "%.1f", nanoseconds) : String(format: "%.0f", nanoseconds)
    }
}

/// A message on standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("HotPathBenchmark: \(message)\n".utf8))
}
