@testable import EdgeServer

extension EdgeHarness {
    /// Starts an edge in front of `origins` configured by `configure`, runs `body` with it, and stops
    /// the edge whatever happens (the origins are the caller's to stop).
    static func running(
        _ origins: [TestOrigin],
        configure: (inout EdgeServer.Configuration) -> Void,
        _ body: (EdgeHarness) async throws -> Void
    ) async throws {
        let edge = try await EdgeHarness(origins: origins, configure: configure)
        do {
            try await body(edge)
        } catch {
            await edge.stop()
            throw error
        }
        await edge.stop()
    }
}
