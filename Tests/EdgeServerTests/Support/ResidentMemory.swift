import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The test process's resident memory, from `/proc/self/statm`, for tests that bound how much the
/// edge buffers. Edge, origins and clients share the process, so growth counts all of them.
enum ResidentMemory {
    /// Resident set size in bytes, or nil where `/proc` is not available.
    static func current() -> Int? {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = read(fd, &bytes, bytes.count)
        guard count > 0 else { return nil }
        // "size resident shared text lib data dt", in pages.
        let fields = String(decoding: bytes[0..<count], as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let resident = Int(fields[1]) else { return nil }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Samples resident memory on its own thread until stopped, keeping the peak, so a short
    /// spike during a transfer is seen and not only the state at the end.
    final class PeakSampler: Sendable {
        private let peak = Atomic<Int>(0)
        private let running = Atomic<Bool>(true)
        let baseline: Int

        init() {
            baseline = ResidentMemory.current() ?? 0
            peak.store(baseline, ordering: .relaxed)
            let thread = Thread { [self] in
                while running.load(ordering: .relaxed) {
                    if let now = ResidentMemory.current() {
                        peak.max(now)
                    }
                    usleep(5_000)
                }
            }
            thread.start()
        }

        /// Stops sampling and returns the largest growth over the baseline seen, in bytes.
        func stop() -> Int {
            running.store(false, ordering: .relaxed)
            if let now = ResidentMemory.current() {
                peak.max(now)
            }
            return peak.load(ordering: .relaxed) - baseline
        }
    }
}

extension Atomic where Value == Int {
    fileprivate func max(_ value: Int) {
        var current = load(ordering: .relaxed)
        while value > current {
            let (exchanged, original) = compareExchange(expected: current, desired: value, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
}
