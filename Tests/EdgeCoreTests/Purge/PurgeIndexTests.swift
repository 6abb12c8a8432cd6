import NIOCore
import NIOHTTP1
import Testing
@testable import EdgeCore

@Suite("Purge index")
struct PurgeIndexTests {
    static let now: EpochSeconds = 1_800_000_000

    static func response(_ fields: [(String, String)] = [], body: String = "body", request: [(String, String)] = [], at time: EpochSeconds = now) -> CachedResponse {
        var headers = HTTPHeaders([("cache-control", "max-age=600"), ("date", HTTPDate.format(time))])
        headers.add(contentsOf: fields)
        let secondary = SecondaryKey(vary: headers, request: HTTPHeaders(request))!
        return CachedResponse(status: 200, headers: headers, body: ByteBuffer(string: body),
                              timing: StoredResponseTiming(requestTime: time, responseTime: time), secondaryKey: secondary)
    }

    static func key(_ url: String) -> CacheKey { CacheKey(absoluteURL: url)! }

    static func cache(capacity: Int = 64 << 20, policy: EvictionPolicyKind = .lru) -> HTTPCache {
        HTTPCache(capacityBytes: capacity, maxObjectBytes: 1 << 20, policy: policy)
    }

    static func isStored(_ cache: HTTPCache, _ url: String, request: [(String, String)] = []) -> Bool {
        if case .found = cache.lookup(key(url), requestHeaders: HTTPHeaders(request)) { return true }
        return false
    }

    @Test("keys come back from the index exactly as stored, whatever their slashes (the trie keeps only paths)")
    func keysComeBackExactly() {
        let cache = Self.cache()
        let urls = ["http://shop.example/", "http://shop.example//", "http://shop.example/a", "http://shop.example/a/",
                    "http://shop.example/a//b", "http://shop.example/a?next=/b/c", "http://shop.example/a/b/c?x=1"]
        for url in urls { cache.insert(Self.response(), for: Self.key(url)) }
        let listed = cache.purgeIndex.keys(host: "shop.example", prefix: "/")
        #expect(Set(listed) == Set(urls.map(Self.key)))
        #expect(listed.count == urls.count)
        #expect(Set(cache.purgeIndex.keys(host: "shop.example", prefix: "/a/")) == Set(urls.dropFirst(3).filter { $0.contains("/a/") }.map(Self.key)))
        // A hard purge of everything gives the same keys back to the sweep, which removes them all.
        _ = cache.purge(PurgeSelection(all: true), now: Self.now)
        #expect(cache.sweepPurgedEntries() == urls.count)
        #expect(cache.store.stats.entries == 0)
    }

    @Test("a key that gains keys below it, or loses them, stays indexed: leaves and nodes of the trie turn into each other")
    func leavesAndNodesTurnIntoEachOther() {
        let cache = Self.cache()
        let parent = "http://shop.example/a"
        let child = "http://shop.example/a/b"
        cache.insert(Self.response(), for: Self.key(parent))
        cache.insert(Self.response(), for: Self.key(child))
        #expect(Set(cache.purgeIndex.keys(host: "shop.example", prefix: "/a")) == [Self.key(parent), Self.key(child)])
        // The key below goes (evicted or purged): the one above is still found by a prefix.
        cache.invalidate(Self.key(child))
        #expect(cache.purgeIndex.keys(host: "shop.example", prefix: "/a") == [Self.key(parent)])
        #expect(cache.purgeIndex.keys(host: "shop.example", prefix: "/a/").isEmpty)
        cache.insert(Self.response(), for: Self.key(child))
        cache.invalidate(Self.key(parent))
        #expect(cache.purgeIndex.keys(host: "shop.example", prefix: "/a") == [Self.key(child)])
        // Prefixes that end inside a name reach leaves and nodes alike, and a purge by one removes both.
        cache.insert(Self.response(), for: Self.key("http://shop.example/ab"))
        cache.insert(Self.response(), for: Self.key("http://shop.example/x"))
        #expect(cache.purge(PurgeSelection(prefixes: [Self.key("http://shop.example/a")]), now: Self.now) == 2)
        #expect(cache.purgeIndex.keys(host: "shop.example", prefix: "/") == [Self.key("http://shop.example/x")])
        #expect(Self.isStored(cache, "http://shop.example/x"))
        #expect(!Self.isStored(cache, "http://shop.example/ab"))
        #expect(!Self.isStored(cache, child))
    }

    @Test("a tag purge removes responses tagged by Surrogate-Key or Cache-Tag and nothing else", arguments: EvictionPolicyKind.allCases)
    func tagPurge(policy: EvictionPolicyKind) {
        let cache = Self.cache(policy: policy)
        // Stored twice: replacing an entry keeps it indexed.
        cache.insert(Self.response([("surrogate-key", "product-1 shelf")]), for: Self.key("http://shop.example/p/1"))
        cache.insert(Self.response([("surrogate-key", "product-1 shelf")]), for: Self.key("http://shop.example/p/1"))
        cache.insert(Self.response([("cache-tag", "other, product-1")]), for: Self.key("http://shop.example/p/1/img"))
        cache.insert(Self.response([("surrogate-key", "product-2")]), for: Self.key("http://shop.example/p/2"))
        cache.insert(Self.response(), for: Self.key("http://shop.example/untagged"))
        #expect(cache.purge(PurgeSelection(tags: ["product-1"]), now: Self.now) == 2)
        #expect(!Self.isStored(cache, "http://shop.example/p/1"))
        #expect(!Self.isStored(cache, "http://shop.example/p/1/img"))
        #expect(Self.isStored(cache, "http://shop.example/p/2"))
        #expect(Self.isStored(cache, "http://shop.example/untagged"))
        #expect(cache.purgeIndex.keys(taggedWith: "shelf").isEmpty, "a removed key leaves every tag it had")
        #expect(cache.purgeIndex.keys(taggedWith: "other").isEmpty)
    }

    @Test("a prefix purge removes exactly the URLs that start with it, on that host only")
    func prefixPurge() {
        let cache = Self.cache()
        let urls = ["http://a.example/img/1.png", "http://a.example/img/sub/2.png", "http://a.example/img?x=1",
                    "http://a.example/image", "http://a.example/im", "http://a.example/other", "http://b.example/img/1.png"]
        for url in urls { cache.insert(Self.response(), for: Self.key(url)) }
        #expect(cache.purge(PurgeSelection(prefixes: [Self.key("http://a.example/img/")]), now: Self.now) == 2)
        #expect(urls.filter { Self.isStored(cache, $0) } == ["http://a.example/img?x=1", "http://a.example/image", "http://a.example/im", "http://a.example/other", "http://b.example/img/1.png"])
        // A prefix may end inside a segment, and covers queries.
        #expect(cache.purge(PurgeSelection(prefixes: [Self.key("http://a.example/ima")]), now: Self.now) == 1)
        #expect(cache.purge(PurgeSelection(prefixes: [Self.key("http://a.example/img")]), now: Self.now) == 1)
        #expect(urls.filter { Self.isStored(cache, $0) } == ["http://a.example/im", "http://a.example/other", "http://b.example/img/1.png"])
        // The host alone is every URL of the host.
        #expect(cache.purge(PurgeSelection(prefixes: [Self.key("http://a.example")]), now: Self.now) == 2)
        #expect(Self.isStored(cache, "http://b.example/img/1.png"))
    }

    @Test("a URL purge removes every variant of the URL")
    func urlPurgeRemovesVariants() {
        let cache = Self.cache()
        let key = Self.key("http://shop.example/a")
        cache.insert(Self.response([("vary", "accept-encoding")], body: "br", request: [("accept-encoding", "br")]), for: key)
        cache.insert(Self.response([("vary", "accept-encoding")], body: "gz", request: [("accept-encoding", "gzip")]), for: key)
        #expect(Self.isStored(cache, "http://shop.example/a", request: [("accept-encoding", "br")]))
        #expect(Self.isStored(cache, "http://shop.example/a", request: [("accept-encoding", "gzip")]))
        #expect(cache.purge(PurgeSelection(keys: [Self.key("HTTP://Shop.Example:80/a")]), now: Self.now) == 1)
        #expect(!Self.isStored(cache, "http://shop.example/a", request: [("accept-encoding", "br")]))
        #expect(!Self.isStored(cache, "http://shop.example/a", request: [("accept-encoding", "gzip")]))
    }

    @Test("a purge of everything hides every stored response at once, and later ones are stored again")
    func purgeAll() {
        let cache = Self.cache()
        for index in 0..<100 { cache.insert(Self.response(), for: Self.key("http://shop.example/\(index)")) }
        #expect(cache.purge(PurgeSelection(all: true), now: Self.now) == 100)
        #expect((0..<100).allSatisfy { !Self.isStored(cache, "http://shop.example/\($0)") })
        cache.insert(Self.response(), for: Self.key("http://shop.example/new"))
        #expect(Self.isStored(cache, "http://shop.example/new"))
        cache.insert(Self.response(), for: Self.key("http://shop.example/1"))
        #expect(Self.isStored(cache, "http://shop.example/1"))
        // The sweep gives back the memory of the hidden entries, and keeps what was stored since.
        #expect(cache.sweepPurgedEntries() == 99)
        #expect(cache.store.stats.entries == 2)
        #expect(Self.isStored(cache, "http://shop.example/1"))
        #expect(Self.isStored(cache, "http://shop.example/new"))
    }

    @Test("a soft purge keeps the body but makes it stale; stale-while-revalidate still counts from the purge")
    func softPurge() {
        let cache = Self.cache()
        let plain = Self.key("http://shop.example/plain")
        let swr = Self.key("http://shop.example/swr")
        cache.insert(Self.response(), for: plain)
        cache.insert(Self.response([("cache-control", "stale-while-revalidate=30")]), for: swr)
        let purgeTime = Self.now + 10
        #expect(cache.purge(PurgeSelection(prefixes: [Self.key("http://shop.example/")], soft: true), now: purgeTime) == 2)
        let request = CacheRequest(method: "GET", headers: HTTPHeaders())
        guard case .found(let stalePlain) = cache.lookup(plain, requestHeaders: HTTPHeaders()),
              case .found(let staleSWR) = cache.lookup(swr, requestHeaders: HTTPHeaders()) else {
            Issue.record("soft-purged entries must stay stored")
            return
        }
        #expect(String(buffer: stalePlain.body) == "body")
        #expect(LookupPolicy.evaluate(request: request, stored: stalePlain, now: purgeTime + 1, settings: CachePolicySettings()).decision == .mustRevalidate)
        #expect(LookupPolicy.evaluate(request: request, stored: staleSWR, now: purgeTime + 20, settings: CachePolicySettings()).decision == .staleWhileRevalidate)
        #expect(LookupPolicy.evaluate(request: request, stored: staleSWR, now: purgeTime + 40, settings: CachePolicySettings()).decision == .mustRevalidate)
    }

    @Test("a soft purge of everything makes each response stale at its next lookup")
    func softPurgeAll() {
        let cache = Self.cache()
        let key = Self.key("http://shop.example/a")
        cache.insert(Self.response(), for: key)
        #expect(cache.purge(PurgeSelection(all: true, soft: true), now: Self.now + 5) == 1)
        guard case .found(let stale) = cache.lookup(key, requestHeaders: HTTPHeaders()) else {
            Issue.record("a soft purge keeps the entry")
            return
        }
        let request = CacheRequest(method: "GET", headers: HTTPHeaders())
        #expect(LookupPolicy.evaluate(request: request, stored: stale, now: Self.now + 6, settings: CachePolicySettings()).decision == .mustRevalidate)
        // A response fetched after the purge is fresh.
        cache.insert(Self.response(at: Self.now + 6), for: key)
        guard case .found(let fresh) = cache.lookup(key, requestHeaders: HTTPHeaders()) else { return }
        #expect(LookupPolicy.evaluate(request: request, stored: fresh, now: Self.now + 7, settings: CachePolicySettings()).decision == .fresh)
    }

    @Test("a response whose fetch began before a covering purge is not stored; one the purge does not cover is")
    func purgeWinsTheRace() {
        let cache = Self.cache()
        let started = cache.purgeIndex.currentEpoch
        _ = cache.purge(PurgeSelection(tags: ["t"]), now: Self.now)
        #expect(!cache.insert(Self.response([("surrogate-key", "t")]), for: Self.key("http://shop.example/a"), fetchEpoch: started))
        #expect(!Self.isStored(cache, "http://shop.example/a"))
        #expect(cache.insert(Self.response([("surrogate-key", "u")]), for: Self.key("http://shop.example/b"), fetchEpoch: started))
        _ = cache.purge(PurgeSelection(prefixes: [Self.key("http://shop.example/c/")]), now: Self.now)
        #expect(!cache.insert(Self.response(), for: Self.key("http://shop.example/c/1"), fetchEpoch: started))
        _ = cache.purge(PurgeSelection(all: true, soft: true), now: Self.now)
        #expect(!cache.insert(Self.response(), for: Self.key("http://shop.example/z"), fetchEpoch: started))
        // A fetch that began after the purges stores normally.
        #expect(cache.insert(Self.response([("surrogate-key", "t")]), for: Self.key("http://shop.example/a"), fetchEpoch: cache.purgeIndex.currentEpoch))
    }

    @Test("a revalidation that began before a soft purge does not make the entry fresh again")
    func freshenLosesToPurge() {
        let cache = Self.cache()
        let key = Self.key("http://shop.example/a")
        let stored = Self.response()
        cache.insert(stored, for: key)
        let started = cache.purgeIndex.currentEpoch
        _ = cache.purge(PurgeSelection(keys: [key], soft: true), now: Self.now + 1)
        let freshened = cache.freshen(key, secondaryKey: stored.secondaryKey, headers: stored.headers,
                                      timing: StoredResponseTiming(requestTime: Self.now + 2, responseTime: Self.now + 2), fetchEpoch: started)
        #expect(freshened == nil)
        guard case .found(let current) = cache.lookup(key, requestHeaders: HTTPHeaders()) else { return }
        #expect(LookupPolicy.evaluate(request: CacheRequest(method: "GET", headers: HTTPHeaders()), stored: current, now: Self.now + 3, settings: CachePolicySettings()).decision == .mustRevalidate)
    }

    @Test("the index follows eviction: tags and prefixes list only keys still stored")
    func indexFollowsEviction() {
        // A small store: most of the 500 entries are evicted.
        let cache = HTTPCache(capacityBytes: 64 * 1024, maxObjectBytes: 8 * 1024, policy: .tinylfu, shards: 4)
        for index in 0..<500 {
            cache.insert(Self.response([("surrogate-key", "all")], body: String(repeating: "x", count: 500)), for: Self.key("http://shop.example/p/\(index)"))
        }
        let stored = Set((0..<500).map { Self.key("http://shop.example/p/\($0)") }.filter { cache.store.peek($0) != nil })
        #expect(stored.count < 500)
        #expect(!stored.isEmpty)
        #expect(cache.purgeIndex.keys(taggedWith: "all") == stored)
        #expect(Set(cache.purgeIndex.keys(host: "shop.example", prefix: "/p/")) == stored)
        cache.invalidate(stored.first!)
        #expect(cache.purgeIndex.keys(taggedWith: "all").count == stored.count - 1)
        #expect(cache.purge(PurgeSelection(tags: ["all"]), now: Self.now) == stored.count - 1)
        #expect(cache.store.stats.entries == 0)
        #expect(cache.purgeIndex.counts.hosts == 0)
    }
}
