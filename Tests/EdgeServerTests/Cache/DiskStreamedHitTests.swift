import CEdgeSystem
import EdgeCore
import Foundation
import NIOCore
import Synchronization
import Testing
@testable import EdgeServer

/// Records larger than `DiskStore.wholeReadLimit` are served from their file a chunk at a time.
@Suite("Large records stream from disk, checked before a byte goes out", .serialized, .memoryHeavy)
struct DiskStreamedHitTests {
    /// 420 000 bytes whose every position is different from its neighbours' (for range checks).
    static let largeBody: String = (0..<60_000).map { String(format: "%06d,", $0) }.joined()

    static let origin: TestOrigin.Handler = { request in
        let body = request.uri.hasPrefix("/large") ? largeBody : "small body of \(request.uri)"
        return TestOrigin.Response(headers: [("Cache-Control", "max-age=600"), ("ETag", "\"v1\""), ("Content-Type", "text/plain")], body: body)
    }

    /// Whether this kernel answers `cachestat` (what `sendfile` of a stored body waits for).
    static let kernelTellsCachedPages: Bool = {
        let descriptor = open("/proc/self/exe", O_RDONLY)
        defer { close(descriptor) }
        return edge_range_is_cached(descriptor, 0, 1) >= 0
    }()

    func withEdge(_ origin: TestOrigin, _ directory: TemporaryDirectory, _ body: (EdgeHarness) async throws -> Void) async throws {
        try await EdgeHarness.running([origin], configure: { configuration in
            configuration.cacheBytes = 64 << 20
            configuration.maxObjectBytes = 4 << 20
            configuration.disk = DiskSettings(path: directory.path("cache"), capacityBytes: 256 << 20, maxObjectBytes: 64 << 20)
        }, body)
    }

    func storeThenRestart(_ paths: [String], origin: TestOrigin, directory: TemporaryDirectory) async throws {
        try await withEdge(origin, directory) { edge in
            for path in paths { _ = try edge.get(path) }
            #expect(await eventually { (edge.server.disk?.stats.writes.value ?? 0) >= paths.count })
        }
    }

    @Test("after a restart a large record streams from its file: whole, one range, HEAD and If-None-Match answered from it")
    func streamedAfterRestart() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.origin)
        try await storeThenRestart(["/large"], origin: origin, directory: directory)
        try await withEdge(origin, directory) { edge in
            let whole = try edge.get("/large")
            #expect(whole.status == 200)
            #expect(whole.text == Self.largeBody)
            #expect(whole.header("cache-status")?.hasPrefix("edge; hit") == true)
            #expect(whole.header("content-length") == String(Self.largeBody.utf8.count))
            // Counted as each chunk's write returns, which the client may outrun. Where the kernel
            // cannot tell which pages are in memory (before Linux 6.5), nothing is sent from the file.
            let sent = Self.kernelTellsCachedPages ? Self.largeBody.utf8.count : 0
            #expect(await eventually { edge.server.disk?.stats.sentFromFile.value == sent },
                    "the kernel sent the body from the record file, its pages being in memory")

            let range = try edge.get("/large", headers: [("Range", "bytes=210000-210013")])
            #expect(range.status == 206)
            #expect(range.text == "030000,030001,")
            #expect(range.header("content-range") == "bytes 210000-210013/\(Self.largeBody.utf8.count)")

            let suffix = try edge.get("/large", headers: [("Range", "bytes=-7")])
            #expect(suffix.text == "059999,")

            let head = try edge.get("/large", method: "HEAD")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)

            let conditional = try edge.get("/large", headers: [("If-None-Match", "\"v1\"")])
            #expect(conditional.status == 304)

            let beyond = try edge.get("/large", headers: [("Range", "bytes=900000-")])
            #expect(beyond.status == 416)

            #expect(origin.requestCount == 1, "every answer came from the record")
            #expect((edge.server.disk?.stats.streamedHits.value ?? 0) >= 6)
            #expect(await eventually { edge.server.disk?.stats.sentFromFile.value == sent + (Self.kernelTellsCachedPages ? 14 + 7 : 0) },
                    "ranges too are sent from the file")
        }
        await origin.stop()
    }

    @Test("a large record recoded for the client (gzip) is read and compressed, never sent from its file as it is")
    func recodedBodyIsNotSentFromTheFile() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.origin)
        try await storeThenRestart(["/large"], origin: origin, directory: directory)
        try await withEdge(origin, directory) { edge in
            _ = try edge.get("/large")
            let sent = Self.kernelTellsCachedPages ? Self.largeBody.utf8.count : 0
            #expect(await eventually { edge.server.disk?.stats.sentFromFile.value == sent })
            let gzip = try edge.get("/large", headers: [("Accept-Encoding", "gzip")])
            #expect(gzip.status == 200)
            #expect(gzip.header("content-encoding") == "gzip")
            let decoded = try CodingTools.decode("gzip", gzip.body)
            #expect(String(decoding: decoded, as: UTF8.self) == Self.largeBody)
            #expect(edge.server.disk?.stats.sentFromFile.value == sent, "nothing of the gzip response came from the file")
        }
        await origin.stop()
    }

    @Test("a large record whose body was damaged while the node was stopped is fetched again, never served")
    func damagedLargeBody() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.origin)
        try await storeThenRestart(["/large"], origin: origin, directory: directory)
        let path = DiskFiles(root: directory.path("cache")).path(DiskFiles.hash("test.example/large"))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 5000] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        try await withEdge(origin, directory) { edge in
            let response = try edge.get("/large")
            #expect(response.status == 200)
            #expect(response.text == Self.largeBody)
            #expect(response.header("cache-status")?.contains("fwd=") == true)
            #expect(edge.server.disk?.stats.corrupt.value == 1)
        }
        #expect(origin.requestCount == 2)
        await origin.stop()
    }

    @Test("a record in the page cache is read on the event loop, without a trip to the disk threads, and answered by the stored-hit shortcut")
    func readsWithoutWaiting() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.origin)
        try await storeThenRestart(["/one", "/two"], origin: origin, directory: directory)
        try await withEdge(origin, directory) { edge in
            // Once the index is whole, a lookup goes to the file only for records it knows.
            #expect(await eventually { edge.server.disk?.isLoading == false })
            for path in ["/one", "/two"] {
                let response = try edge.get(path)
                #expect(response.text == "small body of \(path)")
                #expect(response.header("cache-status")?.hasPrefix("edge; hit") == true)
            }
            // Just written, so its directory entries and pages are in memory.
            #expect(edge.server.disk?.stats.cachedReads.value == 2)
            // Read, promoted and answered by the stored-hit shortcut, not the full pipeline.
            #expect(edge.server.counters["shortcut_hits"] == 2)
        }
        await origin.stop()
    }

    @Test("a stale large record is revalidated: the origin's 304 rewrites its fields around the body it keeps, and the client gets the body from disk")
    func staleLargeRecordIsRevalidated() async throws {
        let directory = try TemporaryDirectory()
        let conditionals = Mutex<[String]>([])
        let origin = try await TestOrigin { request in
            let validator = request.headers.first(name: "if-none-match") ?? "-"
            conditionals.withLock { $0.append(validator) }
            let headers = [("Cache-Control", "max-age=2"), ("ETag", "\"v1\""), ("Content-Type", "text/plain")]
            return validator == "\"v1\"" ? TestOrigin.Response(status: 304, headers: headers) : TestOrigin.Response(headers: headers, body: Self.largeBody)
        }
        try await storeThenRestart(["/large"], origin: origin, directory: directory)
        try await Task.sleep(for: .milliseconds(2500))
        try await withEdge(origin, directory) { edge in
            let writesBefore = edge.server.disk?.stats.writes.value ?? 0
            let revalidated = try edge.get("/large")
            #expect(revalidated.status == 200)
            #expect(revalidated.text == Self.largeBody)
            #expect(revalidated.header("cache-status")?.contains("fwd=stale; fwd-status=304") == true, "\(revalidated.header("cache-status") ?? "-")")
            #expect(conditionals.withLock { $0 } == ["-", "\"v1\""])
            // The record was written again, fresh: the next request is a hit from it.
            #expect(await eventually { (edge.server.disk?.stats.writes.value ?? 0) > writesBefore })
            let hit = try edge.get("/large")
            #expect(hit.text == Self.largeBody)
            #expect(hit.header("cache-status")?.hasPrefix("edge; hit") == true, "\(hit.header("cache-status") ?? "-")")
            #expect(origin.requestCount == 2)
        }
        await origin.stop()
    }
}
