import Synchronization

/// One copy of each host name the cache stores keys for.
///
/// A cache key's host comes from the request that missed, a string of its own: a host longer than the
/// 15 bytes Swift keeps inside a string (`static.assets.example.com`) would cost every object stored
/// under it another heap object of 48–64 bytes. The keys stored share this table's copy instead.
/// Hosts are few; past `limit` of them, keys keep their own strings (and the store counts them).
final class SharedHostNames: Sendable {
    private let names = Mutex<[String: String]>([:])
    let limit: Int

    init(limit: Int = 4096) {
        self.limit = limit
    }

    /// `key` with its host replaced by the shared copy (made now if there is room).
    func sharing(_ key: CacheKey) -> CacheKey {
        guard CacheKey.heapBytes(of: key.host) > 0 else { return key }
        let shared = names.withLock { names -> String? in
            if let known = names[key.host] { return known }
            guard names.count < limit else { return nil }
            names[key.host] = key.host
            return key.host
        }
        guard let shared else { return key }
        var key = key
        key.host = shared
        return key
    }

    /// What `key`'s strings cost the store: its path's heap bytes, and its host's unless shared.
    func heapBytes(of key: CacheKey) -> Int {
        let host = CacheKey.heapBytes(of: key.host)
        let hostIsShared = host > 0 && names.withLock { $0[key.host] != nil }
        return CacheKey.heapBytes(of: key.pathAndQuery) + (hostIsShared ? 0 : host)
    }
}
