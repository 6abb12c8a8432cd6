import NIOCore
import NIOHTTP1
import Testing
@testable import EdgeCore

@Suite("Encoded forms in the cache")
struct HTTPCacheEncodingsTests {
    let key = CacheKey(host: "a.example", target: "/app.js")
    let timing = StoredResponseTiming(requestTime: 100, responseTime: 101)

    func stored(_ cache: HTTPCache, body: String = String(repeating: "x", count: 2000)) -> CachedResponse {
        var headers = HTTPHeaders([("content-type", "application/javascript"), ("etag", "\"v1\"")])
        headers.add(name: "content-length", value: String(body.utf8.count))
        let secondary = SecondaryKey(vary: headers, request: HTTPHeaders())!
        var response = CachedResponse(status: 200, headers: headers, body: ByteBuffer(string: body), timing: timing, secondaryKey: secondary)
        response.prepare(settings: CachePolicySettings()) { $0.headers }
        cache.insert(response, for: key)
        return response
    }

    @Test("an attached form is kept beside the body, costed, and prepared for hits")
    func attach() throws {
        let cache = HTTPCache(capacityBytes: 1 << 20, maxObjectBytes: 64 << 10, policy: .lru)
        let response = stored(cache)
        let before = cache.store.stats.bytes
        let encoded = EncodedBody(coding: .br, body: ByteBuffer(string: "coded"))
        let kept = try #require(cache.attachEncoding(encoded, to: key, secondaryKey: response.secondaryKey, sourceTiming: timing, sourceBytes: 2000))
        #expect(kept.encodings.codings == [.br])
        let lines = try #require(kept.encodings.body(for: .br)?.preparedLines)
        #expect(cache.store.stats.bytes == before + 5 + lines.readableBytes + EncodedBodies.allowance)
        let prepared = try #require(kept.encodings.body(for: .br)?.preparedClientHeaders)
        #expect(prepared.first(name: "content-encoding") == "br")
        #expect(prepared.first(name: "content-length") == "5")
        #expect(prepared.first(name: "etag") == "\"v1-br\"")
        guard case .found(let found) = cache.lookup(key, requestHeaders: HTTPHeaders()) else {
            Issue.record("entry gone")
            return
        }
        #expect(found.encodings.body(for: .br)?.body == ByteBuffer(string: "coded"))
        cache.invalidate(key)
        #expect(cache.store.stats.bytes == 0)
    }

    @Test("a form made from a body that was replaced meanwhile is not kept")
    func replaced() {
        let cache = HTTPCache(capacityBytes: 1 << 20, maxObjectBytes: 64 << 10, policy: .lru)
        let response = stored(cache)
        let other = StoredResponseTiming(requestTime: 200, responseTime: 201)
        let encoded = EncodedBody(coding: .gzip, body: ByteBuffer(string: "coded"))
        #expect(cache.attachEncoding(encoded, to: key, secondaryKey: response.secondaryKey, sourceTiming: other, sourceBytes: 2000) == nil)
        #expect(cache.attachEncoding(encoded, to: key, secondaryKey: response.secondaryKey, sourceTiming: timing, sourceBytes: 1999) == nil)
        #expect(cache.attachEncoding(encoded, to: CacheKey(host: "b.example", target: "/"), secondaryKey: response.secondaryKey, sourceTiming: timing, sourceBytes: 2000) == nil)
    }

    @Test("a form that would push the entry past the largest object size is not kept, and the entry stays")
    func tooLarge() {
        let cache = HTTPCache(capacityBytes: 1 << 20, maxObjectBytes: 8 << 10, policy: .lru)
        let response = stored(cache, body: String(repeating: "y", count: 5000))
        let big = EncodedBody(coding: .br, body: ByteBuffer(repeating: 1, count: 4000))
        #expect(cache.attachEncoding(big, to: key, secondaryKey: response.secondaryKey, sourceTiming: timing, sourceBytes: 5000) == nil)
        #expect(cache.store.peek(key) != nil)
    }

    @Test("changing the body drops the forms made from it; changing fields drops their prepared copies")
    func invalidation() {
        let cache = HTTPCache(capacityBytes: 1 << 20, maxObjectBytes: 64 << 10, policy: .lru)
        var response = stored(cache)
        response.encodings.set(EncodedBody(coding: .br, body: ByteBuffer(string: "c")), prepared: response.preparedClientHeaders, storedHeaders: response.headers)
        response.encodings.negotiation = .from(.identity)
        var fields = response
        fields.headers.replaceOrAdd(name: "cache-control", value: "max-age=5")
        #expect(fields.encodings.codings == [.br])
        #expect(fields.encodings.body(for: .br)?.preparedClientHeaders == nil)
        #expect(fields.encodings.negotiation == .unknown)
        response.body = ByteBuffer(string: "other")
        #expect(response.encodings.codings.isEmpty)
    }
}
