import EdgeCore
import EdgeSettings
import NIOCore
import NIOHTTP1
import NIOPosix

/// The admin listener: its own event loop, apart from traffic, so that admin work never queues
/// behind requests (and the other way round).
enum AdminServer {
    /// Binds the admin API. Throws `AdminListenerError` for a non-loopback address without a
    /// token (before binding anything) and `ListenError` when the address cannot be bound (or, unless
    /// `sharing`, another socket listens on it).
    static func bind(_ settings: AdminSettings, host: String, port: Int, sharing: Bool, api: @escaping @Sendable () -> AdminAPI,
                     group: any EventLoopGroup) async throws -> Channel {
        if settings.token.isEmpty, !LoopbackAddress.isLoopback(host) {
            throw AdminListenerError(address: HostPort(host: host, port: port).description)
        }
        do {
            if !sharing { try SharedListeningPort.checkUnclaimed(host: host, port: port) }
            return try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(SharedListeningPort.option, value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(AdminHandler(api: api))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            throw ListenError(host: host, port: port, underlying: error)
        }
    }
}
