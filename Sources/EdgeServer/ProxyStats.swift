import Synchronization

/// Counters the admin API and the tests read. Relaxed atomics: each is a tally, never a guard.
final class ProxyStats: Sendable {
    let requests = Atomic<Int>(0)
    let hits = Atomic<Int>(0)
    /// Of `hits`, those a stored-hit shortcut answered (either protocol's).
    let shortcutHits = Atomic<Int>(0)
    /// Of `shortcutHits`, those answered from an HTTP/2 HEADERS frame, without a stream channel.
    let http2ShortcutHits = Atomic<Int>(0)
    let misses = Atomic<Int>(0)
    let staleServed = Atomic<Int>(0)
    let revalidations = Atomic<Int>(0)
    let originRequests = Atomic<Int>(0)
    let coalesced = Atomic<Int>(0)
    /// Slices of sliced sites (`slice_size`) asked of the origin, and served from the store.
    let sliceFetches = Atomic<Int>(0)
    let sliceHits = Atomic<Int>(0)
    let activeRequests = Atomic<Int>(0)

    /// Which way a request came in: the full path, or a stored-hit shortcut in front of it.
    enum Entrance {
        case fullPath
        case http1Shortcut
        case http2Shortcut
    }

    /// A stored response was served: counted the same whichever entrance served it.
    func countHit(stale: Bool, entrance: Entrance = .fullPath) {
        hits.wrappingAdd(1, ordering: .relaxed)
        if stale { staleServed.wrappingAdd(1, ordering: .relaxed) }
        switch entrance {
        case .fullPath:
            break
        case .http1Shortcut:
            shortcutHits.wrappingAdd(1, ordering: .relaxed)
        case .http2Shortcut:
            shortcutHits.wrappingAdd(1, ordering: .relaxed)
            http2ShortcutHits.wrappingAdd(1, ordering: .relaxed)
        }
    }
}
