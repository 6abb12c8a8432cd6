import EdgeCore
import Foundation
import NIOCore
import Testing
@testable import EdgeServer

@Suite("Compression end to end")
struct CompressionEndToEndTests {
    static let codings = ["br", "gzip", "zstd"]

    static func noMinimum(_ configuration: inout EdgeServer.Configuration) {
        configuration.settings.compression.minSize = 0
    }

    static func origin(_ body: [UInt8], cacheControl: String = "max-age=300", type: String = "application/javascript", extra: [(String, String)] = [], chunked: Bool = false) -> TestOrigin.Handler {
        { _ in
            var response = TestOrigin.Response(headers: [("Content-Type", type), ("Cache-Control", cacheControl), ("ETag", "\"v1\"")] + extra)
            response.body = body
            if chunked { response.chunkSize = 4096 }
            return response
        }
    }

    @Test("stored variants decode with brotli, gzip and zstd to the origin's bytes", arguments: [0, 1, 1023, 1 << 20])
    func storedVariantsRoundTrip(size: Int) async throws {
        let body = CodingTools.sample(size)
        try await withEdge(origin: Self.origin(body), configure: Self.noMinimum) { edge, origin in
            let plain = try edge.get("/app.js")
            #expect(plain.body == body)
            #expect(plain.header("content-encoding") == nil)
            #expect(plain.header("vary") == "Accept-Encoding")
            for coding in Self.codings {
                let response = try edge.get("/app.js", headers: [("Accept-Encoding", coding)])
                #expect(response.status == 200)
                #expect(response.header("content-encoding") == coding)
                #expect(response.header("content-length") == String(response.body.count))
                #expect(response.header("etag") == "\"v1-\(coding)\"")
                #expect(response.header("cache-status")?.hasPrefix("edge; hit") == true)
                #expect(try CodingTools.decode(coding, response.body) == body, "\(coding) \(size)")
            }
            #expect(origin.requestCount == 1)
            #expect(edge.server.services.compression.metrics.variantsMadeCount == 3)
        }
    }

    @Test("uncacheable and streamed responses are compressed on the fly and decode to the origin's bytes", arguments: [0, 1, 1023, 1 << 20])
    func streamedRoundTrip(size: Int) async throws {
        let body = CodingTools.sample(size)
        try await withEdge(origin: Self.origin(body, cacheControl: "no-store", chunked: true), configure: Self.noMinimum) { edge, _ in
            for coding in Self.codings {
                let response = try edge.get("/live.js", headers: [("Accept-Encoding", "\(coding), identity;q=0.5")])
                #expect(response.status == 200)
                #expect(response.header("content-encoding") == coding)
                #expect(response.header("vary") == "Accept-Encoding")
                #expect(try CodingTools.decode(coding, response.body) == body, "\(coding) \(size)")
            }
            #expect(edge.server.services.compression.metrics.variantsMadeCount == 0)
        }
    }

    @Test("the first request of a cacheable object gets it compressed as it streams", arguments: ["br", "gzip", "zstd"])
    func missIsCompressedToo(coding: String) async throws {
        let body = CodingTools.sample(50_000)
        try await withEdge(origin: Self.origin(body)) { edge, _ in
            let miss = try edge.get("/a.js", headers: [("Accept-Encoding", coding)])
            #expect(miss.header("cache-status")?.contains("fwd=") == true)
            #expect(miss.header("content-encoding") == coding)
            #expect(try CodingTools.decode(coding, miss.body) == body)
        }
    }

    @Test("a second hit on a br variant does no compression work")
    func secondHitIsFree() async throws {
        let body = CodingTools.sample(100_000)
        try await withEdge(origin: Self.origin(body)) { edge, _ in
            _ = try edge.get("/a.js")
            let compression = edge.server.services.compression
            let first = try edge.get("/a.js", headers: [("Accept-Encoding", "br")])
            #expect(compression.metrics.variantsMadeCount == 1)
            for _ in 0..<5 {
                let again = try edge.get("/a.js", headers: [("Accept-Encoding", "gzip, deflate, br")])
                #expect(again.body == first.body)
            }
            #expect(compression.metrics.variantsMadeCount == 1)
            let metrics = edge.server.metrics.render()
            #expect(metrics.contains("edge_compression_bytes_in_total{encoding=\"br\",mode=\"stored\"} 100000"))
        }
    }

    @Test("concurrent first requests for the same variant compress once")
    func concurrentFirstRequests() async throws {
        let body = CodingTools.sample(300_000)
        try await withEdge(origin: Self.origin(body)) { edge, _ in
            _ = try edge.get("/a.js")
            let responses = try edge.concurrentGets("/a.js", count: 8, headers: [("Accept-Encoding", "br")])
            for response in responses {
                #expect(response.header("content-encoding") == "br")
                #expect(try CodingTools.decode("br", response.body) == body)
            }
            #expect(edge.server.services.compression.metrics.variantsMadeCount == 1)
        }
    }

    @Test("If-None-Match with any variant's ETag gets a 304 from the cache")
    func notModifiedWithAnyVariantTag() async throws {
        let body = CodingTools.sample(20_000)
        try await withEdge(origin: Self.origin(body)) { edge, origin in
            _ = try edge.get("/a.js")
            for (sent, accept) in [("\"v1-gzip\"", "br"), ("\"v1-br\"", "br"), ("\"v1\"", "zstd"), ("\"v1-zstd\"", "identity")] {
                let response = try edge.get("/a.js", headers: [("Accept-Encoding", accept), ("If-None-Match", sent)])
                #expect(response.status == 304, "\(sent) with \(accept)")
                #expect(response.body.isEmpty)
                #expect(response.header("vary") == "Accept-Encoding")
            }
            let other = try edge.get("/a.js", headers: [("Accept-Encoding", "br"), ("If-None-Match", "\"v2-br\"")])
            #expect(other.status == 200)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("no-transform responses and images are left untouched")
    func untouched() async throws {
        let body = CodingTools.sample(20_000)
        try await withEdge(origin: { request in
            var response = TestOrigin.Response(headers: request.uri == "/img.png"
                ? [("Content-Type", "image/png"), ("Cache-Control", "max-age=60")]
                : [("Content-Type", "application/javascript"), ("Cache-Control", "max-age=60, no-transform")])
            response.body = body
            return response
        }) { edge, _ in
            for path in ["/img.png", "/nt.js"] {
                for _ in 0..<2 {
                    let response = try edge.get(path, headers: [("Accept-Encoding", "br, gzip, zstd")])
                    #expect(response.header("content-encoding") == nil)
                    #expect(response.header("vary") == nil)
                    #expect(response.body == body)
                }
            }
            #expect(edge.server.services.compression.metrics.variantsMadeCount == 0)
        }
    }

    @Test("an origin's gzip is stored as it is, decoded for clients without gzip, and recoded to br for br clients")
    func originEncoded() async throws {
        let body = CodingTools.sample(30_000)
        let gzipped = try CodingTools.encode("gzip", body)
        try await withEdge(origin: Self.origin(gzipped, extra: [("Content-Encoding", "gzip")])) { edge, origin in
            let asIs = try edge.get("/o.js", headers: [("Accept-Encoding", "gzip")])
            #expect(asIs.header("content-encoding") == "gzip")
            #expect(asIs.body == gzipped)
            let plain = try edge.get("/o.js", headers: [("Accept-Encoding", "identity")])
            #expect(plain.header("content-encoding") == nil)
            #expect(plain.body == body)
            #expect(plain.header("etag") == "\"v1-identity\"")
            let br = try edge.get("/o.js", headers: [("Accept-Encoding", "br, gzip")])
            #expect(br.header("content-encoding") == "br")
            #expect(try CodingTools.decode("br", br.body) == body)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("an origin's gzip streamed uncached is decoded on the fly for a client without gzip")
    func originEncodedStreamed() async throws {
        let body = CodingTools.sample(200_000)
        let gzipped = try CodingTools.encode("gzip", body)
        try await withEdge(origin: Self.origin(gzipped, cacheControl: "no-store", extra: [("Content-Encoding", "gzip")], chunked: true)) { edge, _ in
            let plain = try edge.get("/o.js")
            #expect(plain.header("content-encoding") == nil)
            #expect(plain.body == body)
            let br = try edge.get("/o.js", headers: [("Accept-Encoding", "br")])
            #expect(br.header("content-encoding") == "br")
            #expect(try CodingTools.decode("br", br.body) == body)
        }
    }

    @Test("Vary is merged with the origin's, and a Range is cut from the identity body")
    func varyAndRange() async throws {
        let body = CodingTools.sample(20_000)
        try await withEdge(origin: Self.origin(body, extra: [("Vary", "Origin")])) { edge, _ in
            let first = try edge.get("/a.js", headers: [("Accept-Encoding", "br")])
            #expect(first.header("vary") == "Origin, Accept-Encoding")
            let hit = try edge.get("/a.js", headers: [("Accept-Encoding", "br")])
            #expect(hit.header("vary") == "Origin, Accept-Encoding")
            #expect(hit.header("content-encoding") == "br")
            let range = try edge.get("/a.js", headers: [("Accept-Encoding", "br"), ("Range", "bytes=10-19")])
            #expect(range.status == 206)
            #expect(range.header("content-encoding") == nil)
            #expect(range.body == Array(body[10...19]))
            #expect(range.header("vary") == "Origin, Accept-Encoding")
        }
    }

    @Test("406 only when identity is refused and nothing else on offer is acceptable")
    func notAcceptable() async throws {
        let body = CodingTools.sample(20_000)
        try await withEdge(origin: Self.origin(body)) { edge, _ in
            let refused = try edge.get("/a.js", headers: [("Accept-Encoding", "identity;q=0, br;q=0, gzip;q=0, zstd;q=0")])
            #expect(refused.status == 406)
            let stored = try edge.get("/a.js", headers: [("Accept-Encoding", "identity;q=0, br;q=0, gzip;q=0, zstd;q=0")])
            #expect(stored.status == 406)
            let gzipOnly = try edge.get("/a.js", headers: [("Accept-Encoding", "identity;q=0, gzip")])
            #expect(gzipOnly.status == 200)
            #expect(gzipOnly.header("content-encoding") == "gzip")
        }
    }

    @Test("with the compression flag off no new variant is made, and stored ones are still served")
    func flagOff() async throws {
        let body = CodingTools.sample(20_000)
        try await withEdge(origin: Self.origin(body)) { edge, _ in
            _ = try edge.get("/a.js")
            _ = try edge.get("/a.js", headers: [("Accept-Encoding", "br")])
            edge.server.flags.setManual(.compression, on: false)
            let br = try edge.get("/a.js", headers: [("Accept-Encoding", "br")])
            #expect(br.header("content-encoding") == "br")
            let gzip = try edge.get("/a.js", headers: [("Accept-Encoding", "gzip")])
            #expect(gzip.header("content-encoding") == nil)
            #expect(gzip.body == body)
            #expect(edge.server.services.compression.metrics.variantsMadeCount == 1)
        }
    }

    @Test("a site with compression = false gets identity")
    func siteSwitch() async throws {
        let body = CodingTools.sample(20_000)
        try await withEdge(origin: Self.origin(body), configure: { $0.sites[0].compression = false }) { edge, _ in
            for _ in 0..<2 {
                let response = try edge.get("/a.js", headers: [("Accept-Encoding", "br")])
                #expect(response.header("content-encoding") == nil)
                #expect(response.body == body)
            }
        }
    }

    @Test("purging an object drops its variants with it, and they count against the cache budget")
    func variantsLiveInTheEntry() async throws {
        let body = CodingTools.sample(100_000)
        try await withEdge(origin: Self.origin(body)) { edge, origin in
            _ = try edge.get("/a.js")
            let before = edge.server.cache.store.stats.bytes
            _ = try edge.get("/a.js", headers: [("Accept-Encoding", "br")])
            let after = edge.server.cache.store.stats.bytes
            #expect(after > before)
            edge.server.cache.invalidate(CacheKey(host: "test.example", target: "/a.js"))
            #expect(edge.server.cache.store.stats.bytes == 0)
            let again = try edge.get("/a.js", headers: [("Accept-Encoding", "br")])
            #expect(again.header("cache-status")?.contains("fwd=") == true)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a revalidated object keeps its variants: the br hit after a 304 makes nothing new")
    func revalidationKeepsVariants() async throws {
        let body = CodingTools.sample(20_000)
        try await withEdge(origin: { request in
            if request.headers.first(name: "if-none-match") == "\"v1\"" {
                // Fresh for long after the 304, so that a loaded machine cannot make the next hit stale.
                return TestOrigin.Response(status: 304, headers: [("ETag", "\"v1\""), ("Cache-Control", "max-age=60")])
            }
            var response = TestOrigin.Response(headers: [("Content-Type", "text/css"), ("Cache-Control", "max-age=1"), ("ETag", "\"v1\"")])
            response.body = body
            return response
        }) { edge, origin in
            _ = try edge.get("/a.css")
            let first = try edge.get("/a.css", headers: [("Accept-Encoding", "br")])
            #expect(first.header("content-encoding") == "br")
            try await waitForStaleness()
            let revalidated = try edge.get("/a.css", headers: [("Accept-Encoding", "br")])
            #expect(revalidated.status == 200)
            #expect(revalidated.header("content-encoding") == "br")
            #expect(revalidated.header("etag") == "\"v1-br\"")
            #expect(try CodingTools.decode("br", revalidated.body) == body)
            #expect(origin.requestCount == 2)
            let hit = try edge.get("/a.css", headers: [("Accept-Encoding", "br")])
            #expect(hit.header("cache-status")?.hasPrefix("edge; hit") == true)
            #expect(hit.header("content-encoding") == "br")
            #expect(edge.server.services.compression.metrics.variantsMadeCount == 1)
        }
    }

    @Test("100 MiB streamed through uncached decodes to the origin's bytes", .memoryHeavy, arguments: ["br", "gzip", "zstd"])
    func hundredMiB(coding: String) async throws {
        let size = 100 << 20
        try await withEdge(origin: { _ in
            var response = TestOrigin.Response(headers: [("Content-Type", "text/plain"), ("Cache-Control", "no-store")])
            response.generatedLength = size
            return response
        }) { edge, _ in
            let response = try edge.get("/big.txt", headers: [("Accept-Encoding", coding)])
            #expect(response.header("content-encoding") == coding)
            let decoded = try CodingTools.decode(coding, response.body)
            #expect(decoded.count == size)
            #expect(decoded.allSatisfy { $0 == UInt8(ascii: "x") })
        }
    }

    @Test("a stored 100 MiB object gets its variants made in the background and they decode to the origin's bytes", .memoryHeavy)
    func hundredMiBStored() async throws {
        let size = 100 << 20
        try await withEdge(origin: { _ in
            var response = TestOrigin.Response(headers: [("Content-Type", "text/plain"), ("Cache-Control", "max-age=600")])
            response.generatedLength = size
            return response
        }, configure: { $0.cacheBytes = 512 << 20; $0.maxObjectBytes = 256 << 20 }) { edge, origin in
            let plain = try edge.get("/big.txt")
            #expect(plain.body.count == size)
            for coding in Self.codings {
                // Larger than the wait limit: served as stored while the variant is made off the loop.
                let first = try edge.get("/big.txt", headers: [("Accept-Encoding", coding)])
                #expect(first.status == 200)
                let made = try await eventually(within: 120) {
                    try edge.get("/big.txt", headers: [("Accept-Encoding", coding)], method: "HEAD").header("content-encoding") == coding
                }
                #expect(made, "\(coding)")
                let coded = try edge.get("/big.txt", headers: [("Accept-Encoding", coding)])
                #expect(coded.header("content-encoding") == coding)
                #expect(coded.header("content-length") == String(coded.body.count))
                let decoded = try CodingTools.decode(coding, coded.body)
                #expect(decoded.count == size)
                #expect(decoded.allSatisfy { $0 == UInt8(ascii: "x") })
            }
            #expect(origin.requestCount == 1)
            #expect(edge.server.services.compression.metrics.variantsMadeCount == 3)
        }
    }
}
