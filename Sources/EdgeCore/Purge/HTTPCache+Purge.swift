extension HTTPCache {
    /// Applies a purge; returns how many stored URLs (each with every variant) it removed or marked stale.
    ///
    /// The purge is recorded first, so that a fetch which began before it cannot store what it covers
    /// afterwards. A purge of everything is O(1): a generation, applied lazily at lookup. Other purges
    /// cost what they cover; store locks are taken per key, never for the whole walk, so traffic goes
    /// on beside a large purge. Run it off the event loops.
    public func purge(_ selection: PurgeSelection, now: EpochSeconds) -> Int {
        if selection.all {
            let entries = store.stats.entries
            _ = purgeIndex.begin(selection, now: now)
            return entries
        }
        var work = purgeIndex.begin(selection, now: now)
        defer { work.subtrees.removeAll() }
        let sources = (selection.keys.isEmpty ? 0 : 1) + work.subtrees.count + work.tagged.count
        // The same key can come from several sources; a hard removal counts once by itself.
        var seen: Set<CacheKey>? = selection.soft && sources > 1 ? [] : nil
        var count = 0
        func apply(_ key: CacheKey) {
            if seen != nil, seen?.insert(key).inserted == false { return }
            if selection.soft {
                if expire(key, now: now) { count += 1 }
            } else if store.remove(key) != nil {
                count += 1
            }
        }
        for key in selection.keys { apply(key) }
        for subtree in work.subtrees { subtree.forEachKey(apply) }
        for keys in work.tagged {
            for key in keys { apply(key) }
        }
        return count
    }

    /// Removes the entries a hard purge of everything hid, one key at a time (so traffic goes on
    /// beside it); returns how many it removed. The purge itself took effect at once; this only
    /// gives the memory back. Run it off the event loops.
    @discardableResult
    public func sweepPurgedEntries() -> Int {
        var removed = 0
        let index = purgeIndex
        for hosts in purgeIndex.takeUnswept() {
            for (host, trie) in hosts {
                trie.forEachKey(host: host, path: "") { key in
                    guard let stored = store.peek(key),
                          stored.contains(where: { index.generation(of: $0.purgeEpoch) == .purged }) else { return }
                    var emptied = false
                    store.update(key) { current in
                        guard let current else { return nil }
                        let kept = current.variants.filter { index.generation(of: $0.purgeEpoch) != .purged }
                        guard kept.count != current.variants.count else { return current }
                        emptied = kept.isEmpty
                        return kept.isEmpty ? nil : CachedVariants(kept)
                    }
                    if emptied { removed += 1 }
                }
            }
        }
        return removed
    }

    /// Marks every variant under `key` stale as of `now`; false when nothing is stored there.
    private func expire(_ key: CacheKey, now: EpochSeconds) -> Bool {
        store.update(key) { current in
            guard var variants = current else { return nil }
            for secondaryKey in variants.variants.map(\.secondaryKey) {
                _ = variants.modify(secondaryKey: secondaryKey) { SoftPurge.expire(&$0, at: now) }
            }
            return variants
        } != nil
    }
}
