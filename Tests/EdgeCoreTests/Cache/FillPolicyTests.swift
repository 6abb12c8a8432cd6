import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("What becomes of an origin's response (FillPolicy)")
struct FillPolicyTests {
    let settings = CachePolicySettings()
    let now: EpochSeconds = 1_000_000

    func request(method: String = "GET", target: String = "/a", clientHeaders: HTTPHeaders = [:], revalidating: CachedResponse? = nil,
                 storeAllowed: Bool = true) -> FillRequest {
        FillRequest(method: method, clientHeaders: clientHeaders, host: "shop.example", target: target, revalidating: revalidating,
                    storeAllowed: storeAllowed, requestTime: now)
    }

    func stored(_ fields: [(String, String)], storedAt: EpochSeconds) -> CachedResponse {
        CachedResponse(
            status: 200, headers: HTTPHeaders(fields), body: ByteBuffer(string: "body"),
            timing: StoredResponseTiming(requestTime: storedAt, responseTime: storedAt),
            secondaryKey: SecondaryKey(vary: HTTPHeaders(), request: HTTPHeaders())!)
    }

    func decide(_ status: Int, _ fields: [(String, String)], for request: FillRequest, graceSeconds: Double = 0) -> FillDecision {
        FillPolicy.decide(status: status, headers: HTTPHeaders(fields), for: request, now: now, settings: settings, graceSeconds: graceSeconds)
    }

    @Test("a fresh 200 is stored with its remaining freshness")
    func storesFresh() {
        #expect(decide(200, [("cache-control", "max-age=60")], for: request()) == .store(fields: HTTPHeaders([("cache-control", "max-age=60")]), ttl: 60))
    }

    @Test("nothing is stored when the request may not fill the cache or the response forbids it")
    func passes() {
        #expect(decide(200, [("cache-control", "max-age=60")], for: request(storeAllowed: false)) == .pass)
        #expect(decide(200, [("cache-control", "no-store")], for: request()) == .pass)
        #expect(decide(200, [("cache-control", "private, max-age=60")], for: request()) == .pass)
    }

    @Test("fields named by private= are not kept in the stored copy (RFC 9111 §5.2.2.7)")
    func stripsPrivateFields() {
        let decision = decide(200, [("cache-control", "max-age=60, private=\"set-cookie\""), ("set-cookie", "a=1")], for: request())
        guard case .store(let fields, _) = decision else {
            Issue.record("not stored: \(decision)")
            return
        }
        #expect(!fields.contains(name: "set-cookie"))
    }

    @Test("a 304 that selects the stored response freshens it; the client gets every field of the 304")
    func freshens() {
        let stale = stored([("etag", "\"v1\""), ("cache-control", "max-age=1")], storedAt: now - 100)
        let decision = decide(304, [("etag", "\"v1\""), ("cache-control", "max-age=600"), ("set-cookie", "s=1")],
                              for: request(revalidating: stale))
        guard case .freshen(let storedFields, let forClient) = decision else {
            Issue.record("not freshened: \(decision)")
            return
        }
        #expect(storedFields.first(name: "cache-control") == "max-age=600")
        #expect(forClient.first(name: "set-cookie") == "s=1")
    }

    @Test("a 304 for another representation is asked again without validators (RFC 9111 §4.3.4)")
    func retriesUnconditionally() {
        let stale = stored([("etag", "\"v1\""), ("cache-control", "max-age=1")], storedAt: now - 100)
        #expect(decide(304, [("etag", "\"v2\"")], for: request(revalidating: stale)) == .retryUnconditionally)
    }

    @Test("an origin error is replaced by the stored response only when stale-if-error or grace allows it")
    func staleOnError() {
        let allowing = stored([("cache-control", "max-age=1, stale-if-error=600")], storedAt: now - 100)
        #expect(decide(503, [], for: request(revalidating: allowing)) == .serveStale)
        let plain = stored([("cache-control", "max-age=1")], storedAt: now - 100)
        #expect(decide(503, [], for: request(revalidating: plain)) == .pass)
        #expect(decide(503, [], for: request(revalidating: plain), graceSeconds: 600) == .serveStale)
        let strict = stored([("cache-control", "max-age=1, must-revalidate")], storedAt: now - 100)
        #expect(decide(503, [], for: request(revalidating: strict), graceSeconds: 600) == .pass)
    }

    @Test("with no response at all a stale copy is served within the unreachable window unless it forbids it")
    func unreachable() {
        let plain = stored([("cache-control", "max-age=1")], storedAt: now - 100)
        #expect(FillPolicy.serveStaleWhenUnreachable(plain, for: request(revalidating: plain), now: now, settings: settings, graceSeconds: 0, unreachableWindow: 3600))
        #expect(!FillPolicy.serveStaleWhenUnreachable(plain, for: request(revalidating: plain), now: now, settings: settings, graceSeconds: 0, unreachableWindow: 10))
        let strict = stored([("cache-control", "max-age=1, must-revalidate")], storedAt: now - 100)
        #expect(!FillPolicy.serveStaleWhenUnreachable(strict, for: request(revalidating: strict), now: now, settings: settings, graceSeconds: 0, unreachableWindow: 3600))
    }

    @Test("a successful unsafe request invalidates its URL and same-origin Location (RFC 9111 §4.4)")
    func invalidations() {
        let post = request(method: "POST", target: "/cart")
        let keys = FillPolicy.invalidations(for: post, status: 201, headers: HTTPHeaders([("location", "/cart/7"), ("content-location", "http://elsewhere.example/x")]))
        #expect(keys == [CacheKey(host: "shop.example", target: "/cart"), CacheKey(host: "shop.example", target: "/cart/7")])
        #expect(FillPolicy.invalidations(for: post, status: 500, headers: HTTPHeaders()).isEmpty)
        #expect(FillPolicy.invalidations(for: request(), status: 200, headers: HTTPHeaders()).isEmpty)
    }

    @Test("a POST response is stored only when its Content-Location is its own URL (RFC 9110 §9.3.3)")
    func postResponses() {
        let post = request(method: "POST", target: "/a")
        #expect(decide(200, [("cache-control", "max-age=60")], for: post) == .pass)
        if case .store = decide(200, [("cache-control", "max-age=60"), ("content-location", "/a")], for: post) {} else {
            Issue.record("a POST response naming its own URL was not stored")
        }
    }
}
