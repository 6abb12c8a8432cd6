import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("The variants of one URL, and what they cost the store")
struct CachedVariantsTests {
    static func response(_ body: String, language: String? = nil) -> CachedResponse {
        var headers = HTTPHeaders([("cache-control", "max-age=60")])
        var request = HTTPHeaders()
        if let language {
            headers.add(name: "vary", value: "accept-language")
            request.add(name: "accept-language", value: language)
        }
        return CachedResponse(status: 200, headers: headers, body: ByteBuffer(string: body),
                              timing: StoredResponseTiming(requestTime: 0, responseTime: 0),
                              secondaryKey: SecondaryKey(vary: headers, request: request)!)
    }

    static func bodies(_ variants: CachedVariants) -> [String] {
        variants.variants.map { String(buffer: $0.body) }
    }

    @Test("variants stay newest first: a new one goes in front, a replacement takes the front, the oldest go past the limit")
    func newestFirst() {
        var variants = CachedVariants()
        #expect(variants.count == 0)
        #expect(variants.first { _ in true } == nil)
        variants.insert(Self.response("en", language: "en"), limit: 3)
        #expect(Self.bodies(variants) == ["en"])
        variants.insert(Self.response("de", language: "de"), limit: 3)
        variants.insert(Self.response("fr", language: "fr"), limit: 3)
        #expect(Self.bodies(variants) == ["fr", "de", "en"])
        variants.insert(Self.response("en again", language: "en"), limit: 3)
        #expect(Self.bodies(variants) == ["en again", "fr", "de"])
        variants.insert(Self.response("it", language: "it"), limit: 3)
        #expect(Self.bodies(variants) == ["it", "en again", "fr"])
        #expect(variants.count == 3)
        #expect(variants.contains { String(buffer: $0.body) == "fr" })
        #expect(!variants.contains { String(buffer: $0.body) == "de" })
        #expect(variants.storeCost == variants.variants.reduce(0) { $0 + $1.byteCost })
    }

    @Test("a variant changed in place keeps its place, inline or in the older ones, and the cost follows it")
    func modifyInPlace() throws {
        var variants = CachedVariants([Self.response("new", language: "en"), Self.response("old", language: "de")])
        let older = try #require(variants.variants.last?.secondaryKey)
        #expect(variants.modify(secondaryKey: older) { $0.body = ByteBuffer(string: "older and longer") })
        let newest = try #require(variants.variants.first?.secondaryKey)
        #expect(variants.modify(secondaryKey: newest) { $0.body = ByteBuffer(string: "newest") })
        #expect(Self.bodies(variants) == ["newest", "older and longer"])
        #expect(variants.storeCost == variants.variants.reduce(0) { $0 + $1.byteCost })
        let absent = try #require(Self.response("x", language: "fr").secondaryKey as SecondaryKey?)
        #expect(!variants.modify(secondaryKey: absent) { _ in Issue.record("no variant is stored for fr") })
    }

    @Test("a key's heap bytes count against memory_size: a long URL's path costs its string, a short one lives inside the key")
    func longKeysAreCounted() throws {
        let cache = HTTPCache(capacityBytes: 1 << 20, maxObjectBytes: 1 << 20, policy: .lru, shards: 1)
        let response = Self.response("body")
        let short = CacheKey(host: "h.example", target: "/short")
        let longPath = "/" + String(repeating: "a", count: 99)
        let long = CacheKey(host: "h.example", target: longPath)
        #expect(short.heapBytes == 0)
        // A 32-byte string header, 100 bytes and a NUL, in 16-byte steps.
        #expect(long.heapBytes == 144)
        #expect(cache.insert(response, for: short))
        let afterShort = cache.store.stats.bytes
        #expect(afterShort == response.byteCost)
        #expect(cache.insert(response, for: long))
        #expect(cache.store.stats.bytes - afterShort == response.byteCost + 144)
    }

    @Test("a response that fits the largest object only without its key's bytes is not stored under a long key")
    func keyBytesCountAgainstTheLargestObject() {
        let response = Self.response("body")
        let cache = HTTPCache(capacityBytes: 1 << 20, maxObjectBytes: response.byteCost + 16, policy: .lru, shards: 1)
        let long = CacheKey(host: "h.example", target: "/" + String(repeating: "a", count: 99))
        #expect(!cache.insert(response, for: long))
        #expect(cache.store.stats.entries == 0)
        #expect(cache.insert(response, for: CacheKey(host: "h.example", target: "/short")))
        #expect(cache.maxBodyBytes(for: response, key: long) == cache.maxObjectBytes - response.costBeyondBody - 144)
    }
}

@Suite("Stored keys share their host name")
struct SharedHostNamesTests {
    static func address(of string: String) -> UnsafeRawPointer? {
        string.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    /// A host made afresh, as each request's Host field is.
    static func freshHost() -> String { String(decoding: Array("static.assets.example.com".utf8), as: UTF8.self) }

    @Test("keys of one long host share one copy of it, and the store counts each key's own strings only")
    func keysShareTheirHost() {
        let cache = HTTPCache(capacityBytes: 1 << 20, maxObjectBytes: 1 << 20, policy: .lru, shards: 1)
        let response = CachedVariantsTests.response("body")
        for path in ["/a", "/b", "/c"] {
            #expect(cache.insert(response, for: CacheKey(host: Self.freshHost(), target: path)))
        }
        #expect(cache.store.stats.bytes == 3 * response.byteCost)
        let long = CacheKey(host: Self.freshHost(), target: "/" + String(repeating: "p", count: 40))
        #expect(cache.insert(response, for: long))
        #expect(cache.store.stats.bytes == 4 * response.byteCost + CacheKey.heapBytes(of: long.pathAndQuery))
        if case .found = cache.lookup(CacheKey(host: Self.freshHost(), target: "/b"), requestHeaders: [:]) {} else {
            Issue.record("a key stored with the shared host is found by a key with its own")
        }
    }

    @Test("the shared copy is one string; past the limit a key keeps its own host and pays for it")
    func sharedCopyAndLimit() {
        let names = SharedHostNames(limit: 1)
        let first = names.sharing(CacheKey(host: Self.freshHost(), target: "/1"))
        let second = names.sharing(CacheKey(host: Self.freshHost(), target: "/2"))
        #expect(Self.address(of: first.host) != nil)
        #expect(Self.address(of: first.host) == Self.address(of: second.host))
        #expect(names.heapBytes(of: second) == 0)
        let other = names.sharing(CacheKey(host: "other.assets.example.com", target: "/3"))
        #expect(names.heapBytes(of: other) == CacheKey.heapBytes(of: "other.assets.example.com"))
        #expect(names.heapBytes(of: other) > 0)
        // A host short enough to live inside its string needs no sharing and costs nothing.
        #expect(names.heapBytes(of: names.sharing(CacheKey(host: "a.example", target: "/4"))) == 0)
    }
}
