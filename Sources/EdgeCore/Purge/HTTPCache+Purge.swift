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
