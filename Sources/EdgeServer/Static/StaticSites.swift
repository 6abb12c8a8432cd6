import EdgeCore
import EdgeSettings
import Foundation

extension EdgeServer.Configuration {
    /// The server's view of `config` with every site in it: proxied sites as `init(_:)` maps them
    /// (with their progressive manifests), and each static-folder site served by a loopback
    /// `StaticSiteOrigin` started here. The caller stops the origins after the server.
    public static func serving(_ config: EdgeConfig, liveReload: Bool = false) async throws -> (EdgeServer.Configuration, [StaticSiteOrigin]) {
        let (configuration, origins, _) = try await serving(config, liveReload: liveReload, reusing: [])
        return (configuration, origins)
    }

    /// `serving(_:)` for a reload: a folder that `reusing` already serves (the same root) keeps its
    /// origin, so its pool, connections and cached responses carry over; others get a new one. Returns
    /// every origin the configuration uses and, apart, those started here (the caller stops them if the
    /// reload fails; on an error here they are already stopped).
    public static func serving(_ config: EdgeConfig, liveReload: Bool = false, reusing: [StaticSiteOrigin]) async throws
        -> (EdgeServer.Configuration, [StaticSiteOrigin], started: [StaticSiteOrigin])
    {
        var configuration = EdgeServer.Configuration(config)
        var proxied = configuration.sites.makeIterator()
        var sites: [EdgeServer.SiteRoute] = []
        var origins: [StaticSiteOrigin] = []
        var started: [StaticSiteOrigin] = []
        do {
            for site in config.effectiveSites {
                switch site.target {
                case .pool:
                    guard var route = proxied.next() else { continue }
                    if let manifestPath = site.progressive {
                        route.progressive = ProgressiveSettings(manifest: try Self.manifest(at: manifestPath))
                    }
                    sites.append(route)
                case .staticRoot(let root):
                    let origin: StaticSiteOrigin
                    let real = StaticSite.realPath(root)
                    if let kept = (reusing + origins).first(where: { $0.site.root == real }) {
                        origin = kept
                    } else {
                        origin = try await StaticSiteOrigin(site: try StaticSite(root: root), liveReload: liveReload)
                        started.append(origin)
                    }
                    let folder = origin.site
                    if !origins.contains(where: { $0 === origin }) { origins.append(origin) }
                    var upstream = UpstreamPolicy()
                    upstream.connectTimeout = .seconds(1)
                    var route = EdgeServer.SiteRoute(hosts: site.hosts, poolName: "static:\(root)", servers: [origin.server], upstream: upstream)
                    route.progressive = ProgressiveSettings(site: folder, liveReload: liveReload)
                    route.compression = site.compression != false
                    sites.append(route)
                }
            }
        } catch {
            for origin in started { await origin.stop() }
            throw error
        }
        configuration.sites = sites
        return (configuration, origins, started)
    }

    private static func manifest(at path: String) throws(StaticSiteError) -> ProgressiveManifest {
        guard let data = FileManager.default.contents(atPath: path) else { throw StaticSiteError(path: path, message: "cannot read the file") }
        do {
            return try ProgressiveManifest.parse(data)
        } catch {
            throw StaticSiteError(path: path, message: error.description)
        }
    }
}
