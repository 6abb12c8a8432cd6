import Testing
@testable import EdgeServer

/// On a site with slices, an object that cannot be sliced (its origin gives no validator) takes the
/// ordinary path, and is then answered from what that path stored.
@Suite("Objects a sliced site cannot slice", .serialized)
struct UnsliceableObjectTests {
    @Test("an object without a validator is stored whole once and later requests on the sliced site are hits", arguments: [false, true])
    func storedWholeIsAnswered(disk: Bool) async throws {
        let body = String(repeating: "u", count: 300_000)
        let origin = try await TestOrigin { _ in TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: body) }
        let directory = try TemporaryDirectory()
        try await EdgeHarness.running([origin], configure: { configuration in
            configuration.sites[0].sliceSize = 256 * 1024
            if disk {
                configuration.disk = DiskSettings(path: directory.path("cache"), capacityBytes: 64 << 20, maxObjectBytes: 8 << 20)
            }
        }) { edge in
            let first = try await onThread { try edge.get("/plain", headers: [("Range", "bytes=0-99")]) }
            #expect(first.body == Array(body.utf8.prefix(100)))
            // The client's 100 bytes can go out before the ordinary path has the whole body stored.
            if disk {
                #expect(await eventually { (edge.server.disk?.stats.writes.value ?? 0) >= 1 })
            } else {
                #expect(await eventually { edge.server.cache.store.stats.entries >= 1 })
            }
            let asked = origin.requestCount
            let again = try await onThread { try edge.get("/plain", headers: [("Range", "bytes=100-199")]) }
            #expect(again.status == 206)
            #expect(again.body == Array(body.utf8.dropFirst(100).prefix(100)))
            #expect(again.cacheStatus.isHit, "\(again.cacheStatus)")
            let whole = try await onThread { try edge.get("/plain") }
            #expect(whole.text == body)
            #expect(whole.cacheStatus.isHit, "\(whole.cacheStatus)")
            #expect(origin.requestCount == asked)
        }
        await origin.stop()
    }
}
