import NIOCore
import NIOHTTP1
import Testing
@testable import EdgeCore

@Suite("Soft purge")
struct SoftPurgeTests {
    static let purgeTime: EpochSeconds = 1_800_000_100

    /// Received 100 s before the purge; `dateLag` seconds older by its Date (an apparent age), and
    /// with an `Age` field when given.
    static func response(dateLag: Double, age: Int?, prepared: Bool) -> CachedResponse {
        let received = purgeTime - 100
        var headers = HTTPHeaders([("cache-control", "max-age=600, stale-while-revalidate=30"), ("date", HTTPDate.format(received - dateLag))])
        if let age { headers.add(name: "age", value: String(age)) }
        var response = CachedResponse(status: 200, headers: headers, body: ByteBuffer(string: "b"),
                                      timing: StoredResponseTiming(requestTime: received - 1, responseTime: received),
                                      secondaryKey: SecondaryKey(vary: headers, request: HTTPHeaders())!)
        if prepared { response.prepare(settings: CachePolicySettings()) { $0.headers } }
        return response
    }

    @Test("a fresh response becomes stale exactly at the purge, whatever made up its age", arguments: [
        (0.0, nil as Int?), (50.0, nil), (0.0, 40), (200.0, 10),
    ], [true, false])
    func staleFromThePurge(shape: (dateLag: Double, age: Int?), prepared: Bool) {
        var response = Self.response(dateLag: shape.dateLag, age: shape.age, prepared: prepared)
        let request = CacheRequest(method: "GET", headers: HTTPHeaders())
        #expect(LookupPolicy.evaluate(request: request, stored: response, now: Self.purgeTime, settings: CachePolicySettings()).decision == .fresh)
        #expect(SoftPurge.expire(&response, at: Self.purgeTime))
        let at = { (offset: Double) in LookupPolicy.evaluate(request: request, stored: response, now: Self.purgeTime + offset, settings: CachePolicySettings()) }
        #expect(abs(at(0).ttl) < 0.001, "stale from the purge on, not earlier or later: ttl \(at(0).ttl)")
        #expect(at(20).decision == .staleWhileRevalidate, "the stale-while-revalidate window counts from the purge")
        #expect(at(31).decision == .mustRevalidate)
        #expect(!SoftPurge.expire(&response, at: Self.purgeTime + 1), "a stale response is left as it is")
    }
}
