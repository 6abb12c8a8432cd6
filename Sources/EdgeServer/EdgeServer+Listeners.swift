import NIOCore
import NIOPosix

/// Opening and closing listeners, at start and when a reload adds or removes addresses.
extension EdgeServer {
    /// A traffic listener as configured: what it speaks and the address it was asked to bind. A reload
    /// keeps a listener whose key it still has, and never touches its connections.
    struct ListenerKey: Hashable, Sendable {
        var kind: ListenerKind
        var host: String
        var port: Int

        /// Plain HTTP/1.x, then h2c, then TLS: the order `start()` opens them in.
        static func all(_ configuration: Configuration) -> [ListenerKey] {
            configuration.listen.map { ListenerKey(kind: .http1, host: $0.host, port: $0.port) }
                + configuration.h2cListen.map { ListenerKey(kind: .h2c, host: $0.host, port: $0.port) }
                + (configuration.tls?.listen ?? []).map { ListenerKey(kind: .tls, host: $0.host, port: $0.port) }
        }
    }

    struct OpenListener: Sendable {
        var key: ListenerKey
        var channel: Channel
        var bound: BoundListener
    }

    struct OpenAdmin: Sendable {
        var host: String
        var port: Int
        var channel: Channel
    }

    /// Binds `keys` in order. When one cannot be bound, those bound here are closed again and the error
    /// (a `ListenError`) is thrown: a failed reload leaves the listeners as they were. Unless
    /// `sharing` (an upgrade joining the old node's addresses), an address another socket listens on
    /// is refused as taken.
    func open(_ keys: [ListenerKey], sharing: Bool = false) async throws -> [OpenListener] {
        let admission = resilience.admission
        let pipeline = TrafficPipeline(drain: drain, http2: configuration.http2, tls: tlsTermination.withLock { $0 },
                                       admission: admission.isNeeded ? admission : nil)
        var opened: [OpenListener] = []
        for key in keys {
            let channel: Channel
            do {
                if !sharing { try SharedListeningPort.checkUnclaimed(host: key.host, port: key.port) }
                channel = try await makeBootstrap(pipeline, kind: key.kind).bind(host: key.host, port: key.port).get()
            } catch {
                for listener in opened {
                    try? await listener.channel.close()
                }
                throw ListenError(host: key.host, port: key.port, underlying: error)
            }
            guard let local = channel.localAddress else { continue }
            await steer(channel, address: local)
            opened.append(OpenListener(key: key, channel: channel, bound: BoundListener(address: local, kind: key.kind)))
            logger.info("listening", metadata: ["address": "\(local)", "protocol": "\(key.kind)"])
        }
        return opened
    }

    /// Binds the admin API, which answers with the admin API of the generation in force.
    func openAdmin(_ settings: AdminSettings, host: String, port: Int, sharing: Bool = false) async throws -> OpenAdmin {
        let fallback = makeAdminAPI(configuration, services: services)
        let channel = try await AdminServer.bind(
            settings, host: host, port: port, sharing: sharing, api: { [weak self] in self?.adminAPI.withLock { $0 } ?? fallback }, group: adminGroup)
        logger.info("admin API listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        if let local = channel.localAddress { await steer(channel, address: local) }
        return OpenAdmin(host: host, port: port, channel: channel)
    }

    /// New connections to `address` go to this socket while an older node still listens there too
    /// (`SharedListeningPort`).
    private func steer(_ channel: Channel, address: SocketAddress) async {
        if await !SharedListeningPort.steerToNewest(channel) {
            logger.debug("new connections are spread over the sockets of the address", metadata: ["address": "\(address)"])
        }
    }

    func makeAdminAPI(_ configuration: Configuration, services: ProxyServices) -> AdminAPI {
        let resilience = self.resilience
        return AdminAPI(settings: configuration.admin, services: services, sites: configuration.sites,
                        isDegraded: { resilience.degradation.isDegraded })
    }

    private func makeBootstrap(_ pipeline: TrafficPipeline, kind: ListenerKind) -> ServerBootstrap {
        let contexts = self.loopContexts
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(SharedListeningPort.option, value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let bound = contexts[ObjectIdentifier(channel.eventLoop)] else {
                        throw ChannelError.ioOnClosedChannel
                    }
                    try pipeline.configure(channel, kind: kind, loop: bound)
                }
            }
    }
}
