import EdgeCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A static folder served as an origin on a loopback port, so that its files reach clients through
/// the same pipeline as any origin's: cache, revalidation, coalescing, compression, ranges,
/// progressive rewriting. Files are sent with `sendfile` (a `FileRegion`); HTML and plain assets are
/// `no-cache` (every hit revalidates, and a changed file shows at once), fingerprinted enhancement
/// assets are `immutable` for a year.
public final class StaticSiteOrigin: Sendable {
    public let site: StaticSite
    /// The loopback port the edge's pool points at.
    public let port: Int
    let liveReload: LiveReloadHub?
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel

    /// Serves `site` on 127.0.0.1 (a free port). `liveReload` adds the `/__edge/reload` event stream.
    public init(site: StaticSite, liveReload: Bool = false) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let hub = liveReload ? LiveReloadHub() : nil
        let fileIO = NonBlockingFileIO(threadPool: .singleton)
        self.site = site
        self.group = group
        self.liveReload = hub
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(StaticFileHandler(site: site, fileIO: fileIO, liveReload: hub))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        port = channel.localAddress?.port ?? 0
    }

    /// The origin as a pool server.
    public var server: OriginServer { OriginServer(host: "127.0.0.1", port: port) }

    /// Tells connected browsers to reload.
    public func announceChange() {
        liveReload?.broadcast()
    }

    public func stop() async {
        liveReload?.closeAll()
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}
