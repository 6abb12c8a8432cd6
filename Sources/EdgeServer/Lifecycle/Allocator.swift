#if canImport(CJemalloc)
import CJemalloc
#endif

/// The memory allocator the process runs on: jemalloc, linked in place of the C library's malloc.
///
/// glibc's malloc left about 90 bytes of free holes between the live allocations of each cached
/// object (its `malloc_stats` after a fill of 300 000: 27 MB free inside 140 MB of the event loop's
/// arena, none of it returned by `malloc_trim`) and a 16-byte header on every chunk; jemalloc keeps
/// objects of one size class together in slabs. Measured: 623 → 512 bytes per cached object, and
/// hits no slower (`Benchmarks/COMPARE.md`, "2026-12-07: jemalloc").
/// Elsewhere (macOS) the system's allocator serves, and every figure is nil.
public enum Allocator {
    /// jemalloc's version, e.g. "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c".
    public static var version: String? {
        #if canImport(CJemalloc)
        var text: UnsafePointer<CChar>?
        var length = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &text, &length, nil, 0) == 0, let text else { return nil }
        return String(cString: text)
        #else
        return nil
        #endif
    }

    /// Bytes handed out to the process, and bytes of physical memory the allocator holds (live,
    /// free but not yet returned, and its own metadata), as of now.
    public static var figures: (allocated: Int, resident: Int)? {
        #if canImport(CJemalloc)
        // The statistics are a snapshot refreshed by advancing the epoch.
        var epoch: UInt64 = 1
        guard mallctl("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size) == 0,
              let allocated = sizeStatistic("stats.allocated"), let resident = sizeStatistic("stats.resident") else { return nil }
        return (allocated, resident)
        #else
        return nil
        #endif
    }

    /// Whether jemalloc handed out the block at `pointer` (it knows the arena the block came from).
    public static func owns(_ pointer: UnsafeRawPointer) -> Bool {
        #if canImport(CJemalloc)
        var arena: UInt32 = 0
        var length = MemoryLayout<UInt32>.size
        var block: UnsafeRawPointer? = pointer
        return mallctl("arenas.lookup", &arena, &length, &block, MemoryLayout<UnsafeRawPointer?>.size) == 0
        #else
        return false
        #endif
    }

    #if canImport(CJemalloc)
    private static func sizeStatistic(_ name: String) -> Int? {
        var value = 0
        var length = MemoryLayout<Int>.size
        guard mallctl(name, &value, &length, nil, 0) == 0 else { return nil }
        return value
    }
    #endif
}
