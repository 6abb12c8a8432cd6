import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("Prepared freshness gives the same answers as parsing the headers")
struct FreshnessInfoTests {
    private static let stored: EpochSeconds = 1_800_000_000

    private static let responses: [[(String, String)]] = [
        [("Cache-Control", "max-age=60")],
        [("Cache-Control", "s-maxage=30, max-age=600")],
        [("Cache-Control", "max-age=60, must-revalidate")],
        [("Cache-Control", "max-age=60, stale-while-revalidate=30")],
        [("Cache-Control", "no-cache, max-age=600")],
        [("CDN-Cache-Control", "max-age=120"), ("Cache-Control", "no-store")],
        [("Surrogate-Control", "max-age=90;edge"), ("Cache-Control", "max-age=5")],
        [("Expires", HTTPDate.format(stored + 100))],
        [("Expires", "0")],
        [("Last-Modified", HTTPDate.format(stored - 10_000))],
        [("Cache-Control", "max-age=60"), ("Age", "50")],
        [],
    ]

    private static let requests: [[(String, String)]] = [
        [],
        [("Cache-Control", "no-cache")],
        [("Cache-Control", "max-age=10")],
        [("Cache-Control", "min-fresh=20")],
        [("Cache-Control", "max-stale=100")],
        [("Cache-Control", "max-stale")],
        [("Pragma", "no-cache")],
        [("Cache-Control", "no-store")],
    ]

    @Test("decision, age and lifetime agree for every response, request and moment", arguments: 0..<responses.count)
    func preparedMatchesParsed(responseIndex: Int) {
        let settings = CachePolicySettings()
        var headers = HTTPHeaders(Self.responses[responseIndex])
        headers.add(name: "Date", value: HTTPDate.format(Self.stored))
        let timing = StoredResponseTiming(requestTime: Self.stored - 0.5, responseTime: Self.stored)
        var response = CachedResponse(
            status: 200, headers: headers, body: ByteBuffer(string: "x"), timing: timing,
            secondaryKey: SecondaryKey(vary: HTTPHeaders(), request: HTTPHeaders())!)
        response.prepare(settings: settings) { $0.headers }
        #expect(response.freshness(for: settings) != nil)
        for requestFields in Self.requests {
            let request = CacheRequest(method: "GET", headers: HTTPHeaders(requestFields))
            for after in [0.0, 4, 29, 31, 59, 61, 95, 200, 2_000] {
                let now = Self.stored + after
                let prepared = LookupPolicy.evaluate(request: request, stored: response, now: now, settings: settings)
                let parsed = LookupPolicy.evaluate(
                    request: request, responseStatus: 200, responseHeaders: headers, timing: timing, now: now, settings: settings)
                #expect(prepared.decision == parsed.decision, "\(Self.responses[responseIndex]) \(requestFields) after \(after)s")
                #expect(prepared.age == parsed.age)
                #expect(prepared.lifetime == parsed.lifetime)
            }
        }
    }

    @Test("changing the stored headers or timing drops the prepared freshness")
    func changesDropPreparedData() {
        let settings = CachePolicySettings()
        var response = CachedResponse(
            status: 200, headers: HTTPHeaders([("Cache-Control", "max-age=60")]), body: ByteBuffer(string: "x"),
            timing: StoredResponseTiming(requestTime: Self.stored, responseTime: Self.stored),
            secondaryKey: SecondaryKey(vary: HTTPHeaders(), request: HTTPHeaders())!)
        response.prepare(settings: settings) { $0.headers }
        response.headers.replaceOrAdd(name: "Cache-Control", value: "max-age=1")
        #expect(response.freshness(for: settings) == nil)
        #expect(response.preparedClientHeaders == nil)
        response.prepare(settings: settings) { $0.headers }
        response.timing = StoredResponseTiming(requestTime: Self.stored + 5, responseTime: Self.stored + 5)
        #expect(response.freshness(for: settings) == nil)
    }

    @Test("freshness prepared for other settings is not used")
    func otherSettingsAreNotUsed() {
        var response = CachedResponse(
            status: 200, headers: HTTPHeaders([("Cache-Control", "max-age=60")]), body: ByteBuffer(string: "x"),
            timing: StoredResponseTiming(requestTime: Self.stored, responseTime: Self.stored),
            secondaryKey: SecondaryKey(vary: HTTPHeaders(), request: HTTPHeaders())!)
        response.prepare(settings: CachePolicySettings()) { $0.headers }
        #expect(response.freshness(for: CachePolicySettings(heuristicFraction: 0.2)) == nil)
    }
}
