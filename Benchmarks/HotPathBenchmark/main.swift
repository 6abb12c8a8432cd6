// Micro-benchmarks of the hot pieces of Edge's cache-hit path (issue 8): ns per operation.
// Run: swift run -c release HotPathBenchmark [--filter NAME]... [--markdown] [--batches N] [--batch-ms MS] [--iterations N] [--list]
import Foundation

let usage = """
    usage: HotPathBenchmark [--filter NAME]... [--markdown] [--batches N] [--batch-ms MS] [--iterations N] [--list]
      --filter NAME   run only cases whose name contains NAME (repeatable; any match runs)
      --markdown      print the results as a Markdown table
      --batches N     timed batches per case (default 5)
      --batch-ms MS   target time of one batch, in milliseconds (default 200)
      --iterations N  a fixed number of operations per batch instead of calibrating
      --list          list the cases and what one operation is
    """

struct Options {
    var filters: [String] = []
    var markdown = false
    var list = false
    var measure = MeasureOptions()

    /// nil (after printing why) on a bad argument.
    init?(_ arguments: [String]) {
        var rest = arguments[...]
        func positive(_ flag: String) -> Int? {
            guard let text = rest.popFirst(), let value = Int(text), value > 0 else {
                printError("\(flag) needs a positive whole number")
                return nil
            }
            return value
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--filter":
                guard let name = rest.popFirst() else {
                    printError("--filter needs a name")
                    return nil
                }
                filters.append(name)
            case "--markdown": markdown = true
            case "--list": list = true
            case "--batches":
                guard let value = positive(argument) else { return nil }
                measure.batches = value
            case "--batch-ms":
                guard let value = positive(argument) else { return nil }
                measure.batchSeconds = Double(value) / 1000
            case "--iterations":
                guard let value = positive(argument) else { return nil }
                measure.iterations = value
            case "--help", "-h":
                print(usage)
                exit(0)
            default:
                printError("unknown argument \(argument)")
                return nil
            }
        }
    }

    func selects(_ name: String) -> Bool {
        filters.isEmpty || filters.contains { name.contains($0) }
    }
}

guard var options = Options(Array(CommandLine.arguments.dropFirst())) else {
    printError(usage)
    exit(2)
}
options.measure.allocations = AllocationCounter()

let lookupFixture = Memo<LookupFixture?> { LookupFixture.make() }
let cases = [BaselineCase.opaqueRoundTrip] + ParsingCases.all + HitCases.all(cache: lookupFixture)
let selected = cases.filter { options.selects($0.name) }

if options.list {
    for benchmark in cases {
        print(benchmark.name.padding(toLength: 30, withPad: " ", startingAt: 0) + benchmark.summary)
    }
    exit(0)
}
guard !selected.isEmpty else {
    printError("no case matches \(options.filters.joined(separator: ", ")); --list shows them")
    exit(2)
}

#if DEBUG
printError("warning: a debug build; measure with -c release")
#endif

let report = Report(markdown: options.markdown, allocations: options.measure.allocations != nil)
report.begin()
var failed = false
for benchmark in selected {
    guard let body = benchmark.make() else {
        report.skipped(benchmark.name)
        failed = true
        continue
    }
    report.row(benchmark.name, Measure.run(body, options: options.measure))
}
exit(failed ? 1 : 0)
