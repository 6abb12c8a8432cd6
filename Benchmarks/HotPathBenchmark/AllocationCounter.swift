// Allocations per operation, when Benchmarks/alloc-counter is preloaded (LD_PRELOAD); absent otherwise.
import Foundation

struct AllocationCounter {
    private let read: @convention(c) () -> UInt64

    /// The preloaded counter, or nil when the process runs without it.
    init?() {
        // A nil handle is RTLD_DEFAULT: every object loaded, the preloaded one included.
        guard let symbol = dlsym(nil, "edge_alloc_count") else { return nil }
        read = unsafeBitCast(symbol, to: (@convention(c) () -> UInt64).self)
    }

    /// Heap allocations (malloc, calloc, realloc, aligned forms) per operation of `body`, over one
    /// untimed run of `iterations` operations.
    func perOperation(_ body: (Int) -> Void, iterations: Int) -> Double {
        let before = read()
        body(iterations)
        let after = read()
        return Double(after &- before) / Double(max(1, iterations))
    }
}
