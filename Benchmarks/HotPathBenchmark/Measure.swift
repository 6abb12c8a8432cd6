// Timing: calibrate an iteration count, warm up, then time several batches with ContinuousClock.

/// Takes a value the optimiser must assume is used, so the work that made it cannot be deleted.
/// `@_optimize(none)` keeps the call (and its argument) opaque, the idiom swift-benchmark and
/// ordo-one/package-benchmark use.
@inline(never) @_optimize(none)
func blackHole<T>(_ value: T) {}

/// Returns `value` unchanged, hidden from the optimiser, so that work on a loop-invariant input
/// cannot be hoisted out of the timed loop or folded at compile time.
@inline(never) @_optimize(none)
func opaque<T>(_ value: T) -> T { value }

/// One benchmark: `make` builds its fixtures (outside the timing) and returns the timed body,
/// which performs the operation `iterations` times; nil when the fixtures could not be built.
struct BenchmarkCase {
    let name: String
    /// One line: what one operation is.
    let summary: String
    let make: () -> ((_ iterations: Int) -> Void)?
}

/// The harness's own cost per operation: one opaque input and one black-holed result. Every other
/// case pays at least this much.
enum BaselineCase {
    static var opaqueRoundTrip: BenchmarkCase {
        BenchmarkCase(name: "baseline.opaque", summary: "opaque(String) + blackHole: the harness's cost per op") {
            let text = "/assets/app.js"
            return { iterations in
                for _ in 0..<iterations {
                    blackHole(opaque(text))
                }
            }
        }
    }
}

/// How long to measure.
struct MeasureOptions {
    var batches = 5
    /// Target wall time of one batch; the iteration count is calibrated to it.
    var batchSeconds = 0.2
    /// A fixed iteration count per batch instead of calibrating.
    var iterations: Int?
    /// Counts allocations in one more, untimed run when the counter is preloaded.
    var allocations: AllocationCounter?
}

/// Nanoseconds per operation over the batches.
struct Measurement {
    let iterations: Int
    let nsPerOp: [Double]
    /// nil without the allocation counter.
    let allocationsPerOp: Double?

    var median: Double {
        let sorted = nsPerOp.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
    var min: Double { nsPerOp.min() ?? 0 }
    var max: Double { nsPerOp.max() ?? 0 }
}

enum Measure {
    static func run(_ body: (Int) -> Void, options: MeasureOptions) -> Measurement {
        let iterations = options.iterations ?? calibrate(body, batchSeconds: options.batchSeconds)
        // Warm-up: caches, branch predictors, lazily built tables, the allocator's free lists.
        body(Swift.max(1, iterations / 2))
        var nsPerOp: [Double] = []
        for _ in 0..<Swift.max(1, options.batches) {
            let seconds = time { body(iterations) }
            nsPerOp.append(seconds * 1e9 / Double(iterations))
        }
        let allocations = options.allocations?.perOperation(body, iterations: Swift.min(iterations, 10_000))
        return Measurement(iterations: iterations, nsPerOp: nsPerOp, allocationsPerOp: allocations)
    }

    /// Doubles the count until a run takes at least 20 ms, then scales it to `batchSeconds`.
    private static func calibrate(_ body: (Int) -> Void, batchSeconds: Double) -> Int {
        var count = 1
        while true {
            let seconds = time { body(count) }
            if seconds >= 0.02 || count >= 1 << 30 {
                let perOp = seconds / Double(count)
                return Swift.max(1, Int((batchSeconds / Swift.max(perOp, 1e-12)).rounded()))
            }
            count *= 2
        }
    }

    private static func time(_ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        let elapsed = clock.measure(body)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
