import EdgeCore
import Foundation
@testable import EdgeServer

/// A static folder written for one test, served by a `StaticSiteOrigin` behind a real edge.
final class StaticSiteHarness {
    let folder: TemporaryDirectory
    let site: StaticSite
    let origin: StaticSiteOrigin
    let edge: EdgeHarness

    /// `files` maps paths under the folder (`catalog/index.html`) to their content.
    init(files: [String: String], liveReload: Bool = false, configure: (inout EdgeServer.Configuration) -> Void = { _ in }) async throws {
        folder = try TemporaryDirectory()
        for (path, content) in files {
            try Self.write(content, to: folder.path(path))
        }
        site = try StaticSite(root: folder.url.path)
        let origin = try await StaticSiteOrigin(site: site, liveReload: liveReload)
        self.origin = origin
        let site = self.site
        do {
            edge = try await EdgeHarness(origins: []) { configuration in
                var route = EdgeServer.SiteRoute(hosts: ["*"], poolName: "static", servers: [origin.server])
                route.progressive = ProgressiveSettings(site: site, liveReload: liveReload)
                configuration.sites = [route]
                configure(&configuration)
            }
        } catch {
            await origin.stop()
            throw error
        }
    }

    static func write(_ content: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
    }

    func stop() async {
        await edge.stop()
        await origin.stop()
    }
}

/// Runs `body` against a static-folder edge and stops it whatever happens.
func withStaticSite(
    _ files: [String: String], liveReload: Bool = false, configure: (inout EdgeServer.Configuration) -> Void = { _ in },
    _ body: (StaticSiteHarness) async throws -> Void
) async throws {
    let harness = try await StaticSiteHarness(files: files, liveReload: liveReload, configure: configure)
    do {
        try await body(harness)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}
