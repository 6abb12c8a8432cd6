import EdgeCore
import NIOCore
import NIOHTTP1

/// The stored-hit shortcuts' answer from the disk tier, for a small record the page cache holds.
///
/// What memory's admission would keep (`HTTPCache.wouldAdmit`) is decoded, promoted and answered like a
/// memory hit, so that later hits on it are memory hits. The rest, when the record carries a hit head
/// made under this node's settings, is answered from that head: the fields as serialised when it was
/// written and the body as read, with nothing decoded or prepared, the way nginx answers from a file.
/// A working set far larger than memory is then not decoded, prepared and evicted again on every hit.
extension StoredHitLookup {
    enum DiskAnswer {
        /// Answered from the record's hit head.
        case answered(Hit)
        /// Decoded and offered to memory; the caller answers it like a memory hit.
        case promoted(CachedResponse)
    }

    func fromDisk(_ key: CacheKey, hasAcceptEncoding: Bool, normalisedValue: (String) -> String?) -> DiskAnswer? {
        guard let disk = services.disk else { return nil }
        // A purge between this read and the insert into memory wins, as it does against a fill.
        let epoch = services.cache.purgeIndex.currentEpoch
        let fingerprint = services.diskHitHeads.fingerprint
        let cache = services.cache
        let now = ProxyServices.now()
        let read = disk.readWithoutWaiting(key, normalisedValue: normalisedValue) { view in
            let head = view.hitHead
            // Only a whole fresh hit is answered from the head; anything else is decoded as before.
            guard head.fingerprint == fingerprint, head.coding == .asStoredForAll || !hasAcceptEncoding,
                  Self.isFreshWholeHit(view, now: now) else { return false }
            let cost = CachedResponse.byteCost(bodyBytes: view.body.readableBytes, headerTextBytes: head.fieldLines.readableBytes) + key.heapBytes
            return !cache.wouldAdmit(key, cost: cost)
        }
        switch read {
        case nil:
            return nil
        case .view(let view):
            return answer(view, now: now).map { .answered($0) }
        case .whole(let response):
            guard response.secondaryKey.matches(normalisedValue: normalisedValue) else { return nil }
            return .promoted(services.storage.memory.promote(response, for: key, epoch: epoch))
        }
    }

    /// Whether the record answers a plain GET or HEAD whole and fresh at `now` (not stale, not
    /// validated on every use, a status with a body): the lookup decision `CacheLookup.decide` takes
    /// for such a request, from the numbers the hit head keeps.
    private static func isFreshWholeHit(_ view: DiskRecordView, now: EpochSeconds) -> Bool {
        let head = view.hitHead
        return HTTPResponseStatus.mayHaveBody(view.status) && !head.noCache
            && head.lifetime > head.currentAge(now: now, responseTime: view.responseTime)
    }

    /// The whole fresh hit a record's view gives; nil when the full path must answer.
    private func answer(_ view: DiskRecordView, now: EpochSeconds) -> Hit? {
        guard Self.isFreshWholeHit(view, now: now) else { return nil }
        let head = view.hitHead
        let age = head.currentAge(now: now, responseTime: view.responseTime)
        return Hit(
            prepared: PreparedHit(status: view.status, fieldLines: head.fieldLines, body: view.body),
            cacheStatus: .hit(ttl: Int((head.lifetime - age).rounded(.down))), age: Int(max(0, age).rounded(.down)), now: now)
    }
}
