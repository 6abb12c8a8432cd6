import EdgeCore
import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// The disk tier behind the memory store, with real origins, a real directory and restarts.
@Suite("The disk tier survives restarts and never serves what it should not", .serialized, .memoryHeavy)
struct DiskTierEndToEndTests {
    /// Starts an edge in front of `origin` with its disk tier in `directory`, runs `body`, and stops the edge.
    func withDiskEdge(_ origin: TestOrigin, _ directory: TemporaryDirectory, memoryBytes: Int = 64 << 20,
                      _ body: (EdgeHarness) async throws -> Void) async throws {
        try await EdgeHarness.running([origin], configure: { configuration in
            configuration.cacheBytes = memoryBytes
            configuration.maxObjectBytes = min(configuration.maxObjectBytes, memoryBytes / 4)
            configuration.disk = DiskSettings(path: directory.path("cache"), capacityBytes: 256 << 20, maxObjectBytes: 8 << 20)
            configuration.admin = AdminSettings(listen: ("127.0.0.1", 0), token: "secret")
        }, body)
    }

    static let cacheable: TestOrigin.Handler = { request in
        TestOrigin.Response(headers: [("Cache-Control", "max-age=600"), ("Surrogate-Key", "shelf")], body: "body of \(request.uri) " + String(repeating: "x", count: 3000))
    }

    /// Waits until the disk tier has written `count` records.
    func waitForWrites(_ edge: EdgeHarness, _ count: Int) async -> Bool {
        await eventually { (edge.server.disk?.stats.writes.value ?? 0) >= count }
    }

    @Test("objects stored before a restart come back as hits, byte for byte, without asking the origin")
    func warmRestart() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.cacheable)
        var first: [String: [UInt8]] = [:]
        try await withDiskEdge(origin, directory) { edge in
            for path in ["/a", "/b", "/c"] { first[path] = try edge.get(path).body }
            #expect(await waitForWrites(edge, 3))
        }
        try await withDiskEdge(origin, directory) { edge in
            for path in ["/a", "/b", "/c"] {
                let response = try edge.get(path)
                #expect(response.status == 200)
                #expect(response.body == first[path])
                #expect(response.header("cache-status")?.hasPrefix("edge; hit") == true)
            }
            #expect(origin.requestCount == 3)
            #expect(edge.server.disk?.stats.hits.value == 3)
            // Promoted into memory: the next hit does not read the disk again.
            _ = try edge.get("/a")
            #expect(edge.server.disk?.stats.reads.value == 3)
        }
        await origin.stop()
    }

    @Test("a record damaged while the node is stopped is a miss, dropped and counted, never served")
    func damagedRecord() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.cacheable)
        try await withDiskEdge(origin, directory) { edge in
            _ = try edge.get("/damaged")
            _ = try edge.get("/truncated")
            #expect(await waitForWrites(edge, 2))
        }
        let files = DiskFiles(root: directory.path("cache"))
        let damaged = files.path(DiskFiles.hash("test.example/damaged"))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: damaged))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: damaged))
        let truncated = files.path(DiskFiles.hash("test.example/truncated"))
        let whole = try Data(contentsOf: URL(fileURLWithPath: truncated))
        try whole.prefix(whole.count - 100).write(to: URL(fileURLWithPath: truncated))
        try await withDiskEdge(origin, directory) { edge in
            for path in ["/damaged", "/truncated"] {
                let response = try edge.get(path)
                #expect(response.status == 200)
                #expect(response.header("cache-status")?.contains("fwd=") == true, "fetched again, not served from the damaged record")
                #expect(response.text.hasPrefix("body of \(path) "))
            }
            #expect(edge.server.disk?.stats.corrupt.value == 2)
            #expect(origin.requestCount == 4)
        }
        await origin.stop()
    }

    @Test("URL, prefix and tag purges made before a restart hold after it")
    func purgesSurviveRestarts() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.cacheable)
        try await withDiskEdge(origin, directory) { edge in
            for path in ["/url", "/dir/one", "/tagged", "/also-tagged"] { _ = try edge.get(path) }
            #expect(await waitForWrites(edge, 4))
            #expect(try edge.purge(#"{"urls":["http://test.example/url"]}"#).status == 200)
            #expect(try edge.purge(#"{"prefixes":["http://test.example/dir/"]}"#).status == 200)
        }
        try await withDiskEdge(origin, directory) { edge in
            // The tag purge reaches records that are only on disk (memory is empty after the restart).
            let answer = try edge.purge(#"{"tags":["shelf"],"urls":[]}"#)
            #expect(answer.status == 200)
        }
        let before = origin.requestCount
        try await withDiskEdge(origin, directory) { edge in
            for path in ["/url", "/dir/one", "/tagged", "/also-tagged"] {
                let response = try edge.get(path)
                #expect(response.header("cache-status")?.contains("fwd=") == true, "\(path) came back after its purge")
            }
            #expect(origin.requestCount == before + 4)
        }
        await origin.stop()
    }

    @Test("with a small memory tier, objects memory let go of are served from disk")
    func diskHoldsMoreThanMemory() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin { request in
            TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: String(repeating: "y", count: 200_000))
        }
        try await withDiskEdge(origin, directory, memoryBytes: 2 << 20) { edge in
            for index in 0..<40 { _ = try edge.get("/big/\(index)") }
            #expect(await waitForWrites(edge, 40))
            for index in 0..<40 {
                let response = try edge.get("/big/\(index)")
                #expect(response.body.count == 200_000)
                #expect(response.header("cache-status")?.hasPrefix("edge; hit") == true)
            }
            #expect(origin.requestCount == 40)
            #expect((edge.server.disk?.stats.hits.value ?? 0) > 0)
        }
        await origin.stop()
    }

    @Test("a disk directory that cannot be created stops the node at start with the path named")
    func unusableDirectory() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("not-a-directory", "x")
        let origin = try await TestOrigin(Self.cacheable)
        do {
            _ = try await EdgeHarness(origins: [origin]) { configuration in
                configuration.disk = DiskSettings(path: file + "/cache", capacityBytes: 1 << 30, maxObjectBytes: 1 << 20)
            }
            Issue.record("started with an unusable disk directory")
        } catch {
            #expect("\(error)".contains(file))
        }
        await origin.stop()
    }

    @Test("at start a journal of mostly repeated purges is compacted, keeping its numbering, and writes a crash cut off are cleared")
    func journalCompaction() async throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("cache"), withIntermediateDirectories: true)
        let repeated = (1...5_000).map { "\($0)\ttag\tsale\n" }.joined() + "5001\turl\ttest.example\t/gone\n"
        _ = try directory.write("cache/purges.log", repeated)
        // A write a crash cut off: it is cleared at start.
        try FileManager.default.createDirectory(atPath: directory.path("cache/tmp"), withIntermediateDirectories: true)
        _ = try directory.write("cache/tmp/0123456789abcdef.42", "EDGEREC1 half a record")
        let origin = try await TestOrigin(Self.cacheable)
        try await withDiskEdge(origin, directory) { edge in
            let journal = try String(contentsOfFile: directory.path("cache/purges.log"), encoding: .utf8)
            #expect(journal.split(separator: "\n").count == 3, "the tag, the URL and the numbering mark: \(journal.prefix(200))")
            #expect(edge.server.disk?.epoch == 5_001)
            #expect(!FileManager.default.fileExists(atPath: directory.path("cache/tmp/0123456789abcdef.42")))
        }
        await origin.stop()
    }
}
