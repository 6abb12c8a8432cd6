import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// Bodies far larger than the cache's object limit stream through the edge both ways while the
/// process's resident memory grows by a small fraction of them: the edge holds a window, never a body.
/// Edge, origin and client share this process, so the bound covers all three. These are memory
/// bounds, not timings. Serialized so that two transfers don't share one measurement.
@Suite("Streaming large bodies, end to end", .serialized, .memoryHeavy)
struct StreamingTests {
    static let bodySize = 256 << 20
    static let memoryBound = 64 << 20

    private static func report(_ what: String, bytes: Int, growth: Int) {
        print("memory: \(what): \(bytes >> 20) MiB moved, resident growth \(growth / 1024) KiB")
    }

    @Test("a 256 MiB response with Content-Length passes through whole while memory grows by less than 64 MiB")
    func largeResponseWithLength() async throws {
        let size = Self.bodySize
        let handler: TestOrigin.Handler = { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=60")])
            response.generatedLength = size
            return response
        }
        try await withEdge(origin: handler, configure: { $0.maxObjectBytes = 8 << 20 }) { edge, _ in
            let sampler = ResidentMemory.PeakSampler()
            let (head, body) = try await onThread {
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 30)
                try client.send(EdgeHarness.request(path: "/huge"))
                let head = try client.readHead()
                return (head, try client.countBody(for: head))
            }
            let growth = sampler.stop()
            Self.report("download with Content-Length", bytes: body.bytes, growth: growth)
            #expect(head.status == 200)
            #expect(head.header("content-length") == String(size))
            #expect(body.complete)
            #expect(body.bytes == size)
            #expect(growth < Self.memoryBound)
            // Too large to store: nothing of it is kept.
            #expect(edge.server.cache.store.stats.entries == 0)
        }
    }

    @Test("a 256 MiB chunked response passes through whole: storing is abandoned at the object limit")
    func largeChunkedResponse() async throws {
        let size = Self.bodySize
        let handler: TestOrigin.Handler = { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=60")])
            response.generatedLength = size
            response.chunkSize = 64 * 1024
            return response
        }
        try await withEdge(origin: handler, configure: { $0.maxObjectBytes = 8 << 20 }) { edge, _ in
            let sampler = ResidentMemory.PeakSampler()
            let (head, body) = try await onThread {
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 30)
                try client.send(EdgeHarness.request(path: "/huge-chunked"))
                let head = try client.readHead()
                return (head, try client.countBody(for: head))
            }
            let growth = sampler.stop()
            Self.report("chunked download", bytes: body.bytes, growth: growth)
            #expect(head.status == 200)
            #expect(head.header("transfer-encoding")?.lowercased() == "chunked")
            #expect(body.complete)
            #expect(body.bytes == size)
            #expect(growth < Self.memoryBound)
            #expect(edge.server.cache.store.stats.entries == 0)
        }
    }

    @Test("a 256 MiB upload streams to the origin whole while memory grows by less than 64 MiB")
    func largeUpload() async throws {
        let origin = try await CountingOrigin()
        let size = Self.bodySize
        try await withEdge(originPort: origin.port) { edge in
            let sampler = ResidentMemory.PeakSampler()
            let (head, text) = try await onThread { () -> (StreamingHTTPClient.Head, String) in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 30)
                try client.send("POST /upload HTTP/1.1\r\nHost: test.example\r\nContent-Length: \(size)\r\n\r\n")
                try client.sendFiller(count: size)
                let head = try client.readHead()
                return (head, String(decoding: try client.readSmallBody(for: head), as: UTF8.self))
            }
            let growth = sampler.stop()
            Self.report("upload with Content-Length", bytes: origin.requests.first?.bodyBytes ?? 0, growth: growth)
            #expect(head.status == 200)
            #expect(text == "received \(size)")
            #expect(origin.requests.first?.bodyBytes == size)
            #expect(growth < Self.memoryBound)
        }
        await origin.stop()
    }

    @Test("a 256 MiB chunked upload streams to the origin whole while memory grows by less than 64 MiB")
    func largeChunkedUpload() async throws {
        let origin = try await CountingOrigin()
        let size = Self.bodySize
        try await withEdge(originPort: origin.port) { edge in
            let sampler = ResidentMemory.PeakSampler()
            let head = try await onThread { () -> StreamingHTTPClient.Head in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 30)
                try client.send("POST /upload HTTP/1.1\r\nHost: test.example\r\nTransfer-Encoding: chunked\r\n\r\n")
                let piece = 64 * 1024
                let frame = Array("10000\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "c"), count: piece) + Array("\r\n".utf8)
                for _ in 0..<(size / piece) {
                    try client.send(frame)
                }
                try client.send("0\r\n\r\n")
                let head = try client.readHead()
                _ = try client.countBody(for: head)
                return head
            }
            let growth = sampler.stop()
            Self.report("chunked upload", bytes: origin.requests.first?.bodyBytes ?? 0, growth: growth)
            #expect(head.status == 200)
            #expect(origin.requests.first?.bodyBytes == size)
            #expect(growth < Self.memoryBound)
        }
        await origin.stop()
    }

    @Test("an upload that takes longer than the first-byte timeout is not cut off while it is being sent")
    func slowUploadOutlastsFirstByteTimeout() async throws {
        let origin = try await CountingOrigin()
        try await withEdge(originPort: origin.port, upstream: .short(firstByte: .milliseconds(300))) { edge in
            let (status, text) = try await onThread { () -> (Int, String) in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 10)
                try client.send("POST /upload HTTP/1.1\r\nHost: test.example\r\nContent-Length: 10000\r\n\r\n")
                for _ in 0..<10 {
                    try client.sendFiller(count: 1000)
                    usleep(100_000)
                }
                let head = try client.readHead()
                return (head.status, String(decoding: try client.readSmallBody(for: head), as: UTF8.self))
            }
            #expect(status == 200)
            #expect(text == "received 10000")
        }
        await origin.stop()
    }

    @Test("an upload that stalls half way is ended after the first-byte timeout, not held open")
    func stalledUploadIsEnded() async throws {
        let origin = try await CountingOrigin()
        try await withEdge(originPort: origin.port, upstream: .short(firstByte: .milliseconds(300))) { edge in
            let (status, closed) = try await onThread { () -> (Int, Bool) in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try client.send("POST /upload HTTP/1.1\r\nHost: test.example\r\nContent-Length: 10000\r\n\r\n")
                try client.sendFiller(count: 5000)
                let head = try client.readHead()
                _ = try client.countBody(for: head)
                return (head.status, client.waitForClose())
            }
            #expect(status == 504)
            #expect(closed)
            #expect(origin.requests.isEmpty)
        }
        await origin.stop()
    }

    @Test("a client that stops reading does not make the edge buffer the response")
    func slowReaderIsNotBuffered() async throws {
        let size = 128 << 20
        let handler: TestOrigin.Handler = { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "no-store")])
            response.generatedLength = size
            return response
        }
        try await withEdge(origin: handler) { edge, _ in
            let (pauseGrowth, body) = try await onThread { () -> (Int, StreamingHTTPClient.BodyCount) in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 30)
                try client.send(EdgeHarness.request(path: "/slow-reader"))
                let head = try client.readHead()
                // Read nothing for a while: an edge without backpressure would pull the whole body in now.
                let sampler = ResidentMemory.PeakSampler()
                usleep(1_500_000)
                let growth = sampler.stop()
                return (growth, try client.countBody(for: head))
            }
            Self.report("slow reader, 1.5 s without reading", bytes: size, growth: pauseGrowth)
            #expect(pauseGrowth < Self.memoryBound)
            #expect(body.complete)
            #expect(body.bytes == size)
        }
    }
}
