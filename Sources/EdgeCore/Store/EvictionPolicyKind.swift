/// Which eviction policy a `MemoryStore` uses.
///
/// `.tinylfu` is the default: it had the best object hit ratio on every configuration of
/// Benchmarks/EvictionBenchmark (see RESULTS.md); `.s3fifo` was close on byte hit ratio.
public enum EvictionPolicyKind: String, Sendable, CaseIterable {
    /// Least recently used.
    case lru
    /// S3-FIFO: small, main and ghost FIFO queues (Yang et al., SOSP '23).
    case s3fifo
    /// W-TinyLFU: LRU window, segmented LRU main, frequency-sketch admission (Einziger et al.).
    case tinylfu
}
