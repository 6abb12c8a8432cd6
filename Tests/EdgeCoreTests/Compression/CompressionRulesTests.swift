import NIOHTTP1
import Testing
@testable import EdgeCore

@Suite("Compression rules")
struct CompressionRulesTests {
    func may(_ fields: [(String, String)], length: Int? = 5000, status: Int = 200, settings: CompressionSettings = CompressionSettings()) -> Bool {
        CompressionRules.mayCompress(status: status, headers: HTTPHeaders(fields), bodyLength: length, settings: settings)
    }

    @Test("text, scripts, JSON, XML, SVG, wasm and uncompressed fonts are compressed")
    func compressibleTypes() {
        for type in ["text/html; charset=utf-8", "text/css", "application/javascript", "application/json", "application/ld+json",
                     "application/rss+xml", "image/svg+xml", "application/wasm", "font/ttf", "font/otf", "TEXT/PLAIN"] {
            #expect(may([("content-type", type)]), "\(type)")
        }
    }

    @Test("images, video, archives and woff2 never are, even when listed")
    func neverCompressed() {
        var settings = CompressionSettings()
        settings.types += ["image/*", "font/*", "application/*"]
        for type in ["image/png", "image/jpeg", "image/webp", "video/mp4", "audio/mpeg", "font/woff2", "font/woff",
                     "application/zip", "application/gzip", "application/octet-stream", "text/event-stream"] {
            #expect(!may([("content-type", type)], settings: settings), "\(type)")
        }
        #expect(!may([]))
    }

    @Test("small bodies, coded bodies, no-transform, ranges and non-200 statuses are left alone")
    func exclusions() {
        let js = ("content-type", "application/javascript")
        #expect(!may([js], length: 1023))
        #expect(may([js], length: 1024))
        #expect(!may([js, ("content-length", "10")], length: nil))
        #expect(may([js], length: nil))
        #expect(!may([js, ("content-encoding", "gzip")]))
        #expect(!may([js, ("content-encoding", "compress")]))
        #expect(may([js, ("content-encoding", "identity")]))
        #expect(!may([js, ("cache-control", "public, No-Transform")]))
        #expect(!may([js, ("cache-control", "max-age=60"), ("cache-control", "no-transform")]))
        #expect(may([js, ("cache-control", "max-age=60, no-transformation")]))
        #expect(may([js, ("cache-control", "no-transfor")]))
        #expect(!may([js, ("content-range", "bytes 0-1/2")]))
        #expect(!may([js], status: 206))
        #expect(!may([js], status: 404))
    }

    @Test("the type list accepts exact types, type/* and type/*+suffix")
    func typePatterns() {
        #expect(CompressionRules.isCompressible(mediaType: "application/vnd.api+json", types: ["application/*+json"]))
        #expect(CompressionRules.isCompressible(mediaType: "text/css", types: ["Text/CSS"]))
        #expect(!CompressionRules.isCompressible(mediaType: "application/vnd.api+json", types: ["application/json"]))
        #expect(CompressionRules.isCompressible(mediaType: "text/x-anything", types: ["text/*"]))
        #expect(!CompressionRules.isCompressible(mediaType: "text/css", types: []))
    }

    @Test("Vary gets Accept-Encoding once, merged with the origin's names")
    func vary() {
        #expect(CompressionRules.varyWithAcceptEncoding([]) == "Accept-Encoding")
        #expect(CompressionRules.varyWithAcceptEncoding(["Origin", "Cookie"]) == "Origin, Cookie, Accept-Encoding")
        #expect(CompressionRules.varyWithAcceptEncoding(["origin, accept-encoding"]) == "origin, accept-encoding")
        #expect(CompressionRules.varyWithAcceptEncoding(["*"]) == "*")
    }

    @Test("Content-Encoding chains the edge cannot undo give nil")
    func contentCodingOf() {
        #expect(ContentCoding.of([]) == .identity)
        #expect(ContentCoding.of(["gzip"]) == .gzip)
        #expect(ContentCoding.of(["BR"]) == .br)
        #expect(ContentCoding.of(["gzip, br"]) == nil)
        #expect(ContentCoding.of(["deflate"]) == nil)
    }
}
