/// Which eviction policy a `MemoryStore` uses.
///
/// `.s3fifo` is the default: it won on hit ratio in Benchmarks/EvictionBenchmark (see RESULTS.md).
public enum EvictionPolicyKind: String, Sendable, CaseIterable {
    /// Least recently used.
    case lru
    /// S3-FIFO: small, main and ghost FIFO queues (Yang et al., SOSP '23).
    case s3fifo
}
