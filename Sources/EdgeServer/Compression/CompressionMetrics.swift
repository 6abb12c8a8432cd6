import CoreMetrics
import EdgeCore
import Synchronization

/// Compression counters in the node's metrics: bytes in and out per coding and mode (`stored` for
/// variants made once and kept, `stream` for on-the-fly), the ratio achieved so far, and how many
/// variants were made (the work a cache hit must not repeat).
final class CompressionMetrics: Sendable {
    enum Mode: String, Sendable {
        case stored
        case stream
    }

    private struct Handles: Sendable {
        let bytesIn: CoreMetrics.Counter
        let bytesOut: CoreMetrics.Counter
        let ratio: CoreMetrics.Gauge
        let made: CoreMetrics.Counter
    }

    private let handles: [String: Handles]
    private let totals = Mutex<[String: (bytesIn: Int, bytesOut: Int)]>([:])
    let decodedBytes: CoreMetrics.Counter
    /// Stored variants made (compression or decoding runs for the cache).
    private let variantsMade = Atomic<Int>(0)

    /// How many stored variants were made so far: the work a cache hit must not repeat.
    var variantsMadeCount: Int { variantsMade.load(ordering: .relaxed) }

    init(metrics: EdgeMetrics) {
        var handles: [String: Handles] = [:]
        for coding in [ContentCoding.br, .zstd, .gzip] {
            for mode in [Mode.stored, .stream] {
                handles[Self.key(coding, mode)] = Handles(
                    bytesIn: metrics.counter("edge_compression_bytes_in_total", ["encoding": coding.rawValue, "mode": mode.rawValue]),
                    bytesOut: metrics.counter("edge_compression_bytes_out_total", ["encoding": coding.rawValue, "mode": mode.rawValue]),
                    ratio: metrics.gauge("edge_compression_ratio", ["encoding": coding.rawValue, "mode": mode.rawValue]),
                    made: metrics.counter("edge_compression_runs_total", ["encoding": coding.rawValue, "mode": mode.rawValue]))
            }
        }
        self.handles = handles
        decodedBytes = metrics.counter("edge_decompression_bytes_out_total")
    }

    private static func key(_ coding: ContentCoding, _ mode: Mode) -> String { coding.rawValue + "/" + mode.rawValue }

    /// One finished compression run (a stored variant, or a whole streamed response).
    func record(_ coding: ContentCoding, _ mode: Mode, bytesIn: Int, bytesOut: Int) {
        guard let handle = handles[Self.key(coding, mode)] else { return }
        handle.bytesIn.increment(by: Int64(bytesIn))
        handle.bytesOut.increment(by: Int64(bytesOut))
        handle.made.increment()
        if mode == .stored { variantsMade.wrappingAdd(1, ordering: .relaxed) }
        let ratio: Double = totals.withLock { totals in
            var total = totals[Self.key(coding, mode)] ?? (0, 0)
            total.bytesIn += bytesIn
            total.bytesOut += bytesOut
            totals[Self.key(coding, mode)] = total
            return total.bytesOut > 0 ? Double(total.bytesIn) / Double(total.bytesOut) : 0
        }
        handle.ratio.record(ratio)
    }

    func recordDecoded(bytesOut: Int, stored: Bool) {
        decodedBytes.increment(by: Int64(bytesOut))
        if stored { variantsMade.wrappingAdd(1, ordering: .relaxed) }
    }
}
