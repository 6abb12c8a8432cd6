import EdgeCore
import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// Responses too large for memory are written to disk while they stream to the first client.
@Suite("Large responses are stored on disk as they stream", .serialized, .memoryHeavy)
struct DiskStreamingFillTests {
    static let largeBody = DiskStreamedHitTests.largeBody

    func withEdge(_ origin: TestOrigin, _ directory: TemporaryDirectory, diskBytes: Int = 256 << 20, _ body: (EdgeHarness) async throws -> Void) async throws {
        try await EdgeHarness.running([origin], configure: { configuration in
            configuration.cacheBytes = 8 << 20
            // Memory takes nothing larger than 64 KiB: the large responses below are the disk's alone.
            configuration.maxObjectBytes = 64 << 10
            configuration.disk = DiskSettings(path: directory.path("cache"), capacityBytes: diskBytes, maxObjectBytes: 1 << 30)
        }, body)
    }

    func temporaries(_ directory: TemporaryDirectory) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path("cache") + "/tmp")) ?? []
    }

    @Test("a response larger than memory takes is stored on disk while it streams, with or without Content-Length, and then served from there")
    func storedWhileStreaming() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin { request in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=600"), ("Content-Type", "application/octet-stream")], body: Self.largeBody)
            if request.uri == "/chunked" { response.chunkSize = 16 << 10 }
            return response
        }
        try await withEdge(origin, directory) { edge in
            for path in ["/sized", "/chunked"] {
                let first = try edge.get(path)
                #expect(first.text == Self.largeBody)
                #expect(first.header("cache-status")?.contains("stored") == true, "\(path): \(first.header("cache-status") ?? "-")")
            }
            #expect(await eventually { edge.server.disk?.stats.writes.value == 2 })
            for path in ["/sized", "/chunked"] {
                let again = try edge.get(path)
                #expect(again.text == Self.largeBody)
                #expect(again.header("cache-status")?.hasPrefix("edge; hit") == true)
            }
            #expect(origin.requestCount == 2)
            #expect(edge.server.disk?.stats.streamedHits.value == 2)
            #expect(temporaries(directory).isEmpty)
        }
        await origin.stop()
    }

    @Test("a body the origin cuts short is never stored: nothing is visible and the next request goes to the origin")
    func cutShortLeavesNothing() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await FaultyOrigin { _, _ in .cutShort(declared: 500_000, sent: 300_000) }
        try await EdgeServerTests.withEdge(faulty: [origin], configure: { configuration in
            configuration.cacheBytes = 8 << 20
            configuration.maxObjectBytes = 64 << 10
            configuration.disk = DiskSettings(path: directory.path("cache"), capacityBytes: 256 << 20, maxObjectBytes: 1 << 30)
        }) { edge in
            let port = edge.port
            for attempt in 1...2 {
                let (status, complete) = try await onThread {
                    let client = try StreamingHTTPClient(port: port, timeoutSeconds: 10)
                    try client.send(EdgeHarness.request(path: "/cut"))
                    let head = try client.readHead()
                    return (head.status, try client.countBody(for: head).complete)
                }
                #expect(status == 200)
                #expect(!complete, "the client sees the body end early (the connection closes)")
                #expect(await eventually { temporaries(directory).isEmpty })
                #expect(edge.server.disk?.stats.writes.value == 0)
                #expect(origin.targets.count == attempt, "nothing was stored: the origin is asked again")
            }
        }
    }

    @Test("a 192 MiB response is stored on disk while memory grows by a small fraction of it")
    func largeObjectCostsLittleMemory() async throws {
        let directory = try TemporaryDirectory()
        let length = 192 << 20
        let origin = try await TestOrigin { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=600"), ("Content-Type", "application/octet-stream")])
            response.generatedLength = length
            return response
        }
        try await withEdge(origin, directory, diskBytes: 512 << 20) { edge in
            let port = edge.port
            func download() async throws -> Int {
                try await onThread {
                    let client = try StreamingHTTPClient(port: port, timeoutSeconds: 30)
                    try client.send(EdgeHarness.request(path: "/big"))
                    let head = try client.readHead()
                    let body = try client.countBody(for: head)
                    return body.complete ? body.bytes : -1
                }
            }
            let sampler = ResidentMemory.PeakSampler()
            let received = try await download()
            #expect(await eventually(within: 30) { edge.server.disk?.stats.writes.value == 1 })
            let growth = sampler.stop()
            print("memory: 192 MiB stored on disk while streaming, resident growth \(growth / 1024) KiB")
            #expect(received == length)
            #expect(growth < 64 << 20, "resident memory grew by \(growth >> 20) MiB")
            let sampler2 = ResidentMemory.PeakSampler()
            let again = try await download()
            let growth2 = sampler2.stop()
            print("memory: 192 MiB served from disk, resident growth \(growth2 / 1024) KiB")
            #expect(again == length)
            #expect(growth2 < 64 << 20, "resident memory grew by \(growth2 >> 20) MiB serving it")
            #expect(origin.requestCount == 1)
            #expect(edge.server.disk?.stats.streamedHits.value == 1)
        }
        await origin.stop()
    }
}
