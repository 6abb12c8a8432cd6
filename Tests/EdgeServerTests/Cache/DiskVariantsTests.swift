import EdgeCore
import Foundation
import NIOCore
import Testing
@testable import EdgeServer

@Suite("Responses that vary keep a record per variant on disk", .serialized, .memoryHeavy)
struct DiskVariantsTests {
    static let origin: TestOrigin.Handler = { request in
        let language = request.headers.first(name: "accept-language") ?? "none"
        return TestOrigin.Response(headers: [("Cache-Control", "max-age=600"), ("Vary", "Accept-Language")], body: "page in \(language)")
    }

    func withEdge(_ origin: TestOrigin, _ directory: TemporaryDirectory, _ body: (EdgeHarness) async throws -> Void) async throws {
        try await EdgeHarness.running([origin], configure: { configuration in
            configuration.disk = DiskSettings(path: directory.path("cache"), capacityBytes: 64 << 20, maxObjectBytes: 8 << 20)
        }, body)
    }

    @Test("after a restart every variant stored before is a hit for the clients it was made for, and a new one is fetched")
    func variantsSurviveRestart() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.origin)
        let languages = ["en", "fr", "de"]
        try await withEdge(origin, directory) { edge in
            for language in languages { _ = try edge.get("/page", headers: [("Accept-Language", language)]) }
            // Each variant's record and the URL's record naming the field it varies on.
            #expect(await eventually { (edge.server.disk?.stats.writes.value ?? 0) >= 6 })
        }
        try await withEdge(origin, directory) { edge in
            for language in languages.reversed() {
                let response = try edge.get("/page", headers: [("Accept-Language", language)])
                #expect(response.text == "page in \(language)")
                #expect(response.header("cache-status")?.hasPrefix("edge; hit") == true, "\(language)")
            }
            #expect(origin.requestCount == 3)
            let other = try edge.get("/page", headers: [("Accept-Language", "it")])
            #expect(other.text == "page in it")
            #expect(other.header("cache-status")?.contains("fwd=") == true)
            #expect(origin.requestCount == 4)
        }
        await origin.stop()
    }
}
