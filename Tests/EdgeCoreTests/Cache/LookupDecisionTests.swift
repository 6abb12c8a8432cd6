import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("Lookup decisions")
struct LookupDecisionTests {
    let stored: EpochSeconds = 1_700_000_000
    let settings = CachePolicySettings()

    var timing: StoredResponseTiming { StoredResponseTiming(requestTime: stored, responseTime: stored) }

    /// Decision for a response stored at `stored` with `response` directives, looked up `after` seconds later.
    func decide(
        _ response: String,
        after: Double,
        request: String? = nil,
        extra: [(String, String)] = [],
        method: String = "GET"
    ) -> LookupDecision {
        var responseHeaders = HTTPHeaders([("Date", HTTPDate.format(stored))] + extra)
        if !response.isEmpty { responseHeaders.add(name: "Cache-Control", value: response) }
        var requestHeaders = HTTPHeaders()
        if let request { requestHeaders.add(name: "Cache-Control", value: request) }
        return LookupPolicy.decide(
            request: CacheRequest(method: method, headers: requestHeaders), responseStatus: 200,
            responseHeaders: responseHeaders, timing: timing, now: stored + after, settings: settings)
    }

    func staleIfError(
        _ response: String, after: Double, request: String? = nil, grace: Double = 0, unreachable: Double? = nil
    ) -> Bool {
        var requestHeaders = HTTPHeaders()
        if let request { requestHeaders.add(name: "Cache-Control", value: request) }
        return LookupPolicy.staleIfErrorAllowed(
            request: CacheRequest(method: "GET", headers: requestHeaders),
            responseHeaders: HTTPHeaders([("Date", HTTPDate.format(stored)), ("Cache-Control", response)]),
            timing: timing, now: stored + after, settings: settings, graceSeconds: grace, unreachableWindow: unreachable)
    }

    @Test("a response within max-age is fresh, and stale once age reaches it")
    func maxAge() {
        #expect(decide("max-age=60", after: 59) == .fresh)
        #expect(decide("max-age=60", after: 60) == .mustRevalidate)
        #expect(decide("max-age=60", after: 61) == .mustRevalidate)
    }

    @Test("max-age=0 is stale at once but no-cache always revalidates, even when fresh")
    func maxAgeZeroVersusNoCache() {
        #expect(decide("max-age=0", after: 0) == .mustRevalidate)
        #expect(decide("max-age=10000, no-cache", after: 1) == .mustRevalidate)
        #expect(decide("max-age=10000, No-CaChE", after: 1) == .mustRevalidate)
        #expect(staleIfError("max-age=0, stale-if-error=60", after: 5))
        #expect(!staleIfError("no-cache, stale-if-error=60", after: 5))
    }

    @Test("an upstream Age larger than max-age makes the response stale on arrival")
    func upstreamAge() {
        #expect(decide("max-age=10", after: 0, extra: [("Age", "15")]) == .mustRevalidate)
        #expect(decide("max-age=3600", after: 0, extra: [("Age", "1800")]) == .fresh)
        #expect(decide("max-age=3600", after: 0, extra: [("Age", "abc")]) == .fresh)
    }

    @Test("stale-while-revalidate serves stale within its window only")
    func staleWhileRevalidate() {
        #expect(decide("max-age=60, stale-while-revalidate=30", after: 50) == .fresh)
        #expect(decide("max-age=60, stale-while-revalidate=30", after: 80) == .staleWhileRevalidate)
        #expect(decide("max-age=60, stale-while-revalidate=30", after: 91) == .mustRevalidate)
    }

    @Test("stale entry is not served when must-revalidate is set, not even with stale-while-revalidate")
    func mustRevalidate() {
        #expect(decide("max-age=60, must-revalidate", after: 30) == .fresh)
        #expect(decide("max-age=60, must-revalidate, stale-while-revalidate=30", after: 70) == .mustRevalidate)
        #expect(decide("max-age=60, proxy-revalidate, stale-while-revalidate=30", after: 70) == .mustRevalidate)
        #expect(decide("s-maxage=60, stale-while-revalidate=30", after: 70) == .mustRevalidate)
        #expect(decide("max-age=60, must-revalidate", after: 70, request: "max-stale") == .mustRevalidate)
    }

    @Test("request no-cache, and Pragma no-cache without Cache-Control, force revalidation")
    func requestNoCache() {
        #expect(decide("max-age=3600", after: 1, request: "no-cache") == .mustRevalidate)
        var headers = HTTPHeaders([("Date", HTTPDate.format(stored)), ("Cache-Control", "max-age=3600")])
        let pragma = CacheRequest(method: "GET", headers: HTTPHeaders([("Pragma", "no-cache")]))
        #expect(
            LookupPolicy.decide(
                request: pragma, responseStatus: 200, responseHeaders: headers, timing: timing, now: stored + 1,
                settings: settings) == .mustRevalidate)
        headers = HTTPHeaders([("Date", HTTPDate.format(stored)), ("Cache-Control", "max-age=3600")])
        let pragmaAndCC = CacheRequest(method: "GET", headers: HTTPHeaders([("Pragma", "no-cache"), ("Cache-Control", "max-stale")]))
        #expect(
            LookupPolicy.decide(
                request: pragmaAndCC, responseStatus: 200, responseHeaders: headers, timing: timing, now: stored + 1,
                settings: settings) == .fresh)
    }

    @Test("request max-age limits the acceptable age")
    func requestMaxAge() {
        #expect(decide("max-age=3600", after: 100, request: "max-age=0") == .mustRevalidate)
        #expect(decide("max-age=3600", after: 0, request: "max-age=0") == .mustRevalidate)
        #expect(decide("max-age=3600", after: 100, request: "max-age=50") == .mustRevalidate)
        #expect(decide("max-age=3600", after: 100, request: "max-age=500") == .fresh)
        #expect(decide("max-age=3600", after: 0, request: "max-age=600", extra: [("Age", "1800")]) == .mustRevalidate)
    }

    @Test("request min-fresh needs that much freshness left")
    func minFresh() {
        #expect(decide("max-age=1500", after: 0, request: "min-fresh=2000") == .mustRevalidate)
        #expect(decide("max-age=1500", after: 0, request: "min-fresh=1000", extra: [("Age", "1000")]) == .mustRevalidate)
        #expect(decide("max-age=1500", after: 100, request: "min-fresh=1000") == .fresh)
    }

    @Test("request max-stale allows stale within its limit unless the response forbids it")
    func maxStale() {
        #expect(decide("max-age=1", after: 10, request: "max-stale=1000") == .staleWhileRevalidate)
        #expect(decide("max-age=1500", after: 0, request: "max-stale=1000", extra: [("Age", "2000")]) == .staleWhileRevalidate)
        #expect(decide("max-age=1", after: 2000, request: "max-stale=1000") == .mustRevalidate)
        #expect(decide("max-age=1", after: 99_999, request: "max-stale") == .staleWhileRevalidate)
        #expect(decide("max-age=1, proxy-revalidate", after: 10, request: "max-stale") == .mustRevalidate)
        #expect(decide("s-maxage=1", after: 10, request: "max-stale") == .mustRevalidate)
        #expect(decide("max-age=1, no-cache", after: 10, request: "max-stale") == .mustRevalidate)
    }

    @Test("request no-store and non-GET/HEAD methods don't use the stored response")
    func unusable() {
        #expect(decide("max-age=3600", after: 1, request: "no-store") == .unusable)
        #expect(decide("max-age=3600", after: 1, method: "POST") == .unusable)
        #expect(decide("max-age=3600", after: 1, method: "HEAD") == .fresh)
    }

    @Test("heuristic freshness is used when nothing explicit is given")
    func heuristic() {
        let lastModified = [("Last-Modified", HTTPDate.format(stored - 10_000))]
        #expect(decide("", after: 999, extra: lastModified) == .fresh)
        #expect(decide("", after: 1001, extra: lastModified) == .mustRevalidate)
        #expect(decide("", after: 1, extra: []) == .mustRevalidate)
    }

    @Test("an invalid Expires is already expired")
    func invalidExpires() {
        #expect(decide("", after: 0, extra: [("Expires", "0")]) == .mustRevalidate)
        #expect(decide("", after: 10, extra: [("Expires", HTTPDate.format(stored + 60))]) == .fresh)
    }

    @Test("evaluate reports the age, lifetime and ttl it used")
    func evaluation() {
        let result = LookupPolicy.evaluate(
            request: CacheRequest(method: "GET", headers: HTTPHeaders()), responseStatus: 200,
            responseHeaders: HTTPHeaders([("Cache-Control", "max-age=60"), ("Age", "5")]),
            timing: timing, now: stored + 10, settings: settings)
        #expect(result.decision == .fresh)
        #expect(result.age == 15)
        #expect(result.lifetime == 60)
        #expect(result.ttl == 45)
        #expect(!result.isStale)
    }

    @Test("stale-if-error allows stale serving within its window after an origin failure")
    func staleIfErrorWindow() {
        #expect(staleIfError("max-age=2, stale-if-error=60", after: 30))
        #expect(!staleIfError("max-age=2, stale-if-error=60", after: 70))
        #expect(staleIfError("max-age=2", after: 30, request: "stale-if-error=60"))
        #expect(!staleIfError("max-age=2", after: 30))
        #expect(staleIfError("max-age=2", after: 30, grace: 60))
        #expect(staleIfError("max-age=2", after: 30, request: "max-stale"))
        #expect(staleIfError("max-age=60", after: 30))
    }

    @Test("stale-if-error is refused when must-revalidate, proxy-revalidate, s-maxage or no-cache forbid stale")
    func staleIfErrorForbidden() {
        for directive in ["must-revalidate", "proxy-revalidate", "s-maxage=2", "no-cache"] {
            #expect(!staleIfError("max-age=2, stale-if-error=600, \(directive)", after: 30, grace: 600), "\(directive)")
        }
    }

    @Test("a disconnected cache may serve stale without any window, unless the response forbids stale")
    func staleWhenOriginUnreachable() {
        #expect(staleIfError("max-age=2", after: 30, unreachable: 86_400))
        #expect(staleIfError("max-age=2", after: 86_400, unreachable: 86_400))
        #expect(!staleIfError("max-age=2", after: 86_403, unreachable: 86_400))
        #expect(!staleIfError("max-age=2", after: 30, unreachable: 0))
        #expect(!staleIfError("max-age=2", after: 30))
        for directive in ["must-revalidate", "proxy-revalidate", "s-maxage=2", "no-cache"] {
            #expect(!staleIfError("max-age=2, \(directive)", after: 30, unreachable: 86_400), "\(directive)")
        }
    }
}
