import Testing

@testable import EdgeCore

@Suite("Cache-Status values")
struct CacheStatusTests {
    @Test("a fresh hit")
    func hit() {
        #expect(CacheStatus.hit(ttl: 42).headerValue == "edge; hit; ttl=42")
        #expect(CacheStatus.hit(ttl: nil).headerValue == "edge; hit")
    }

    @Test("a stored miss")
    func miss() {
        #expect(CacheStatus.miss(stored: true, ttl: 60).headerValue == "edge; fwd=miss; stored; ttl=60")
        #expect(CacheStatus.miss(stored: false).headerValue == "edge; fwd=miss")
        #expect(CacheStatus.miss(stored: true, collapsed: true).headerValue == "edge; fwd=miss; stored; collapsed")
    }

    @Test("a revalidation with the origin status")
    func revalidated() {
        #expect(CacheStatus.forwarded(.stale, status: 304, ttl: 60).headerValue == "edge; fwd=stale; fwd-status=304; ttl=60")
        #expect(CacheStatus.forwarded(.varyMiss, status: 200, stored: true).headerValue == "edge; fwd=vary-miss; fwd-status=200; stored")
        #expect(CacheStatus.forwarded(.uriMiss).headerValue == "edge; fwd=uri-miss")
    }

    @Test("a stale hit carries the stale flag and a negative ttl")
    func staleHit() {
        #expect(CacheStatus.staleHit(ttl: nil).headerValue == "edge; hit; stale")
        #expect(CacheStatus.staleHit(ttl: -5, detail: "stale-if-error").headerValue == "edge; hit; stale; ttl=-5; detail=stale-if-error")
    }

    @Test("detail is a token when it can be, else a quoted string")
    func detail() {
        #expect(CacheStatus.bypass(detail: "config").headerValue == "edge; fwd=bypass; detail=config")
        #expect(CacheStatus.bypass(detail: "no store \"x\"").headerValue == "edge; fwd=bypass; detail=\"no store \\\"x\\\"\"")
        #expect(CacheStatus.bypass(detail: "1abc").headerValue == "edge; fwd=bypass; detail=\"1abc\"")
    }
}
