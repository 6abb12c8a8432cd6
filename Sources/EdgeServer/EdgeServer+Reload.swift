import Logging
import NIOCore

/// Applying a reloaded configuration to the running node.
extension EdgeServer {
    /// What a reload did to the listeners.
    public struct ReloadOutcome: Sendable {
        /// Traffic listeners opened and closed, as URLs.
        public var listenersOpened: [String] = []
        public var listenersClosed: [String] = []
        /// The admin listener's new address, when it moved.
        public var adminMoved: String?
    }

    /// Makes `configuration` (already validated, with the keys that need a restart kept at their
    /// running values) the one in force, under traffic:
    ///
    /// 1. everything that can fail is done first — origin TLS contexts, certificates, binding new
    ///    listeners — and on a failure what was opened is closed again and the error thrown: the node
    ///    runs on as it was;
    /// 2. a new generation of services (routes, balancers kept or taking over health, settings,
    ///    compression, purge settings, access log) is made and put on every event loop: requests in
    ///    flight finish with theirs, the next ones (on open connections too) take the new one;
    /// 3. origin connections to servers no longer configured close once idle, listeners no longer
    ///    configured stop accepting and their connections drain (closed between requests), health checks of
    ///    new pools start and those of removed ones stop.
    ///
    /// Reloads must not overlap: the caller runs one at a time.
    @discardableResult
    public func reload(to configuration: Configuration, accessLog: AccessLog) async throws -> ReloadOutcome {
        guard !drain.isDraining else { throw ReloadRefused() }
        // Checked for the listener that stays too: dropping the token must not leave it open to all.
        if let admin = configuration.admin.listen, configuration.admin.token.isEmpty, !LoopbackAddress.isLoopback(admin.host) {
            throw AdminListenerError(address: "\(admin.host):\(admin.port)")
        }
        let running = current.withLock { $0 }
        for site in configuration.sites {
            if let settings = site.upstream.tls {
                try originTLS.prepare(settings)
            }
        }
        // Certificates: loaded now, taken into use only once nothing else can fail.
        let existingTermination = tlsTermination.withLock { $0 }
        var certificates: CertificateStore?
        var newTermination: TLSTermination?
        if let settings = configuration.tls, !settings.listen.isEmpty {
            if existingTermination != nil {
                certificates = try CertificateStore(sources: settings.certificates)
            } else {
                newTermination = try TLSTermination(settings: settings)
            }
        }
        if let newTermination {
            tlsTermination.withLock { $0 = newTermination }
        }
        let wanted = ListenerKey.all(configuration)
        let before = openListeners.withLock { $0 }
        let opened: [OpenListener]
        do {
            opened = try await open(wanted.filter { key in !before.contains { $0.key == key } })
        } catch {
            if newTermination != nil { tlsTermination.withLock { $0 = nil } }
            throw error
        }
        var outcome = ReloadOutcome(listenersOpened: opened.map(\.bound.url))
        var admin: OpenAdmin?
        let oldAdmin = adminChannel.withLock { $0 }
        if let address = configuration.admin.listen, oldAdmin.map({ $0.host != address.host || $0.port != address.port }) ?? true {
            do {
                admin = try await openAdmin(configuration.admin, host: address.host, port: address.port)
            } catch {
                for listener in opened {
                    try? await listener.channel.close()
                }
                if newTermination != nil { tlsTermination.withLock { $0 = nil } }
                throw error
            }
        }

        // Nothing can fail from here on.
        if let certificates, let existingTermination {
            existingTermination.store.adopt(certificates)
        }
        let router = Router.make(sites: configuration.sites, previous: running.services.router, metrics: metrics, logger: logger)
        let services = running.services.reconfigured(
            settings: configuration.settings, router: router, accessLog: accessLog, admin: configuration.admin)
        current.withLock { $0 = Generation(configuration: configuration, services: services) }
        adminAPI.withLock { $0 = makeAdminAPI(configuration, services: services) }
        // The cluster is kept through a reload (`[cluster]` needs a restart): its peers' connections and health checks too.
        let peers = services.cluster?.pools ?? []
        let slots = router.upstreamSlots(peers: peers)
        await forEachLoop { context in
            context.services = services
            if context.accessLog.log !== accessLog {
                context.accessLog.flush()
                context.accessLog = AccessLogBuffer(log: accessLog, eventLoop: context.pool.eventLoop)
            }
            context.pool.retire(keeping: slots)
        }
        resilience.update(balancers: router.balancers + peers.map(\.balancer), degradation: configuration.degradation)

        let closing = openListeners.withLock { listeners in
            let closing = listeners.filter { !wanted.contains($0.key) }
            listeners = listeners.filter { wanted.contains($0.key) } + opened
            return closing
        }
        for listener in closing {
            try? await listener.channel.close()
            logger.info("stopped listening", metadata: ["address": "\(listener.bound.address)", "protocol": "\(listener.key.kind)"])
        }
        if !closing.isEmpty {
            // Their connections drain: closed now if between requests, else after the response at hand.
            let closed = Set(closing.map { ObjectIdentifier($0.channel) })
            await forEachLoop { $0.connections.closeIdle(acceptedBy: closed) }
        }
        outcome.listenersClosed = closing.map(\.bound.url)
        if let admin {
            adminChannel.withLock { $0 = admin }
            try? await oldAdmin?.channel.close()
            outcome.adminMoved = "\(admin.host):\(admin.port)"
        } else if configuration.admin.listen == nil, let oldAdmin {
            adminChannel.withLock { $0 = nil }
            try? await oldAdmin.channel.close()
        }
        return outcome
    }
}

/// A reload that came while the node was draining: it stops, whatever the file says.
public struct ReloadRefused: Error, CustomStringConvertible {
    public var description: String { "the node is draining" }
}
