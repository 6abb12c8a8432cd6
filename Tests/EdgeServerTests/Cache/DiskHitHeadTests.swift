import EdgeCore
import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// Small records answered from the hit head they carry, when memory would not keep them: the same
/// answer as the full path gives, under the settings of the node that answers.
@Suite("Disk hits answered from a record's hit head", .serialized)
struct DiskHitHeadTests {
    /// Memory takes nothing of 3 KiB (its largest object is 1 KiB), so every hit comes from disk and
    /// none is promoted: the shortcut answers from the record's hit head.
    func withDiskOnlyEdge(_ origin: TestOrigin, _ directory: TemporaryDirectory, via: String = "edge",
                          _ body: (EdgeHarness) async throws -> Void) async throws {
        try await EdgeHarness.running([origin], configure: { configuration in
            configuration.maxObjectBytes = 1024
            configuration.settings.viaPseudonym = via
            configuration.disk = DiskSettings(path: directory.path("cache"), capacityBytes: 64 << 20, maxObjectBytes: 8 << 20)
            configuration.admin = AdminSettings(listen: ("127.0.0.1", 0), token: "secret")
        }, body)
    }

    static let image: TestOrigin.Handler = { request in
        TestOrigin.Response(
            headers: [("Cache-Control", "max-age=600"), ("Content-Type", "image/png"), ("Surrogate-Key", "pics"), ("ETag", "\"v1\"")],
            body: "image \(request.uri) " + String(repeating: "p", count: 3000))
    }

    static func fields(_ response: RawHTTPConnection.Response) -> [String] {
        response.headers.filter { !["age", "cache-status"].contains($0.0.lowercased()) }.map { "\($0.0.lowercased()): \($0.1)" }
    }

    @Test("a small record only on disk is answered from its hit head with the fields and body the full path sends")
    func sameAnswerAsFullPath() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.image)
        try await withDiskOnlyEdge(origin, directory) { edge in
            let miss = try edge.get("/pic.png")
            #expect(await eventually { (edge.server.disk?.stats.writes.value ?? 0) >= 1 })
            let shortcut = try edge.get("/pic.png")
            #expect(edge.server.disk?.stats.headHits.value == 1, "answered from the hit head")
            // A request field the shortcut leaves to the full path; it does not change the answer.
            let full = try edge.get("/pic.png", headers: [("Pragma", "x-trace")])
            #expect(edge.server.disk?.stats.headHits.value == 1)
            #expect(shortcut.status == 200)
            #expect(shortcut.body == miss.body)
            #expect(full.body == miss.body)
            #expect(shortcut.header("cache-status")?.hasPrefix("edge; hit; ttl=") == true)
            #expect(Self.fields(shortcut) == Self.fields(full))
            #expect(shortcut.header("age") != nil)
            #expect(shortcut.header("surrogate-key") == nil, "tag fields are taken away as on the full path")
            #expect(origin.requestCount == 1)
            let head = try edge.get("/pic.png", method: "HEAD")
            #expect(head.body.isEmpty)
            #expect(head.header("content-length") == String(miss.body.count))
        }
        await origin.stop()
    }

    @Test("a record written under other settings is answered with the fields of the settings now in force")
    func otherSettingsDecodeAgain() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.image)
        try await withDiskOnlyEdge(origin, directory, via: "first-node") { edge in
            _ = try edge.get("/pic.png")
            #expect(await eventually { (edge.server.disk?.stats.writes.value ?? 0) >= 1 })
            #expect(try edge.get("/pic.png").header("via")?.contains("first-node") == true)
        }
        try await withDiskOnlyEdge(origin, directory, via: "renamed-node") { edge in
            let response = try edge.get("/pic.png")
            #expect(response.header("cache-status")?.hasPrefix("edge; hit") == true)
            #expect(response.header("via")?.contains("renamed-node") == true)
            #expect(response.header("via")?.contains("first-node") == false)
            #expect(edge.server.disk?.stats.headHits.value == 0, "the hit head of other settings is not used")
            #expect(origin.requestCount == 1)
        }
        await origin.stop()
    }

    @Test("a damaged body behind a good hit head is dropped and fetched again, never served")
    func damagedBodyIsNotServed() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.image)
        try await withDiskOnlyEdge(origin, directory) { edge in
            _ = try edge.get("/pic.png")
            #expect(await eventually { (edge.server.disk?.stats.writes.value ?? 0) >= 1 })
        }
        let file = DiskFiles(root: directory.path("cache")).path(DiskFiles.hash("test.example/pic.png"))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count - 10] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: file))
        try await withDiskOnlyEdge(origin, directory) { edge in
            let response = try edge.get("/pic.png")
            #expect(response.header("cache-status")?.contains("fwd=") == true)
            #expect(response.text.hasPrefix("image /pic.png "))
            #expect(edge.server.disk?.stats.corrupt.value == 1)
            #expect(origin.requestCount == 2)
        }
        await origin.stop()
    }

    @Test("a tag purged while a record was on disk keeps it from being answered from its hit head")
    func tagPurgeCoversHitHead() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.image)
        try await withDiskOnlyEdge(origin, directory) { edge in
            _ = try edge.get("/pic.png")
            #expect(await eventually { (edge.server.disk?.stats.writes.value ?? 0) >= 1 })
            #expect(try edge.get("/pic.png").header("cache-status")?.hasPrefix("edge; hit") == true)
            #expect(try edge.purge(#"{"tags":["pics"],"urls":[]}"#).status == 200)
            let after = try edge.get("/pic.png")
            #expect(after.header("cache-status")?.contains("fwd=") == true, "a purged record was served")
            #expect(origin.requestCount == 2)
        }
        await origin.stop()
    }

    @Test("a stale record is left to the full path, which revalidates it")
    func staleRecordRevalidates() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin { request in
            if request.headers.first(name: "if-none-match") == "\"v1\"" {
                return TestOrigin.Response(status: 304, headers: [("Cache-Control", "max-age=1"), ("ETag", "\"v1\"")], body: "")
            }
            return TestOrigin.Response(headers: [("Cache-Control", "max-age=1"), ("Content-Type", "image/png"), ("ETag", "\"v1\"")],
                                       body: String(repeating: "s", count: 3000))
        }
        try await withDiskOnlyEdge(origin, directory) { edge in
            _ = try edge.get("/stale.png")
            #expect(await eventually { (edge.server.disk?.stats.writes.value ?? 0) >= 1 })
            try await Task.sleep(nanoseconds: 2_100_000_000)
            let response = try edge.get("/stale.png")
            #expect(response.status == 200)
            #expect(response.body.count == 3000)
            #expect(response.header("cache-status")?.contains("fwd=stale") == true)
            #expect(origin.requestCount == 2)
            #expect(edge.server.disk?.stats.headHits.value == 0, "a stale record was counted as answered from its hit head")
        }
        await origin.stop()
    }
}
