import EdgeCore
import Logging
import NIOCore
import NIOHTTP1

/// The admin endpoints: `POST /purge`, `GET /healthz`, `GET /stats`, `GET /metrics`, `GET /flags`,
/// `PUT /flags/NAME`. Every request needs the Bearer token when one is configured.
final class AdminAPI: Sendable {
    let settings: AdminSettings
    let logger: Logger
    private let services: ProxyServices
    private let sites: [EdgeServer.SiteRoute]

    /// Whether degraded mode is on, for `/stats`.
    private let isDegraded: @Sendable () -> Bool

    init(settings: AdminSettings, services: ProxyServices, sites: [EdgeServer.SiteRoute], isDegraded: @escaping @Sendable () -> Bool = { false }) {
        self.settings = settings
        self.services = services
        self.sites = sites
        self.isDegraded = isDegraded
        self.logger = services.logger
    }

    func respond(to head: HTTPRequestHead, body: [UInt8], remote: String, on eventLoop: any EventLoop) -> EventLoopFuture<AdminResponse> {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard authorized(head.headers) else {
            // The presented token is never logged.
            logger.warning("admin request refused: \(head.headers.contains(name: "authorization") ? "wrong" : "missing") token", metadata: [
                "client": "\(remote)", "method": "\(head.method.rawValue)", "path": "\(path)",
            ])
            return eventLoop.makeSucceededFuture(.error(.unauthorized, "a valid Authorization: Bearer token is required"))
        }
        switch (head.method, path) {
        case (.POST, "/purge"):
            return purge(head: head, body: body, remote: remote, on: eventLoop)
        case (.GET, "/healthz"):
            return eventLoop.makeSucceededFuture(.text("ok\n"))
        case (.GET, "/stats"):
            return eventLoop.makeSucceededFuture(.json(stats()))
        case (.GET, "/metrics"):
            return eventLoop.makeSucceededFuture(.text(services.metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8"))
        case (.GET, "/flags"):
            return eventLoop.makeSucceededFuture(.json(flags()))
        case (.PUT, _) where path.hasPrefix("/flags/"):
            return eventLoop.makeSucceededFuture(setFlag(String(path.dropFirst("/flags/".count)), body: body, remote: remote))
        case (_, "/purge"), (_, "/healthz"), (_, "/stats"), (_, "/metrics"), (_, "/flags"):
            return eventLoop.makeSucceededFuture(.error(.methodNotAllowed, "\(head.method.rawValue) is not allowed on \(path)"))
        default:
            return eventLoop.makeSucceededFuture(.error(.notFound, "no admin endpoint \(path)"))
        }
    }

    private func authorized(_ headers: HTTPHeaders) -> Bool {
        guard !settings.token.isEmpty else { return true }
        guard let value = headers.first(name: "authorization") else { return false }
        let prefix = "bearer "
        guard value.count > prefix.count, value.prefix(prefix.count).lowercased() == prefix else { return false }
        let presented = value.dropFirst(prefix.count).drop { $0 == " " }
        return ConstantTime.equals(Array(presented.utf8), Array(settings.token.utf8))
    }

    private func purge(head: HTTPRequestHead, body: [UInt8], remote: String, on eventLoop: any EventLoop) -> EventLoopFuture<AdminResponse> {
        let request: PurgeRequest
        let selection: PurgeSelection
        do {
            request = try PurgeRequest.parse(body)
            let router = services.router
            selection = try request.selection { router.route(host: $0) != nil }
        } catch {
            logger.info("purge refused", metadata: ["by": "\(remote)", "reason": "\(error)"])
            return eventLoop.makeSucceededFuture(.error(.badRequest, error.description, field: error.field))
        }
        let forwarded = head.headers.contains(name: PurgeCoordinator.forwardedMarker)
        let who = forwarded ? "peer \(remote)" : remote
        return services.purge.purge(request, selection: selection, who: who, forward: !forwarded, on: eventLoop).map { .json($0.json) }
    }

    private func stats() -> JSONText {
        let store = services.cache.store.stats
        let s = services.stats
        return .object([
            ("entries", .int(store.entries)),
            ("bytes", .int(store.bytes)),
            ("capacity_bytes", .int(store.capacityBytes)),
            ("requests", .int(s.requests.load(ordering: .relaxed))),
            ("hits", .int(s.hits.load(ordering: .relaxed))),
            ("shortcut_hits", .int(s.shortcutHits.load(ordering: .relaxed))),
            ("http2_shortcut_hits", .int(s.http2ShortcutHits.load(ordering: .relaxed))),
            ("misses", .int(s.misses.load(ordering: .relaxed))),
            ("stale_serves", .int(s.staleServed.load(ordering: .relaxed))),
            ("revalidations", .int(s.revalidations.load(ordering: .relaxed))),
            ("origin_requests", .int(s.originRequests.load(ordering: .relaxed))),
            ("coalesced", .int(s.coalesced.load(ordering: .relaxed))),
            ("slice_fetches", .int(s.sliceFetches.load(ordering: .relaxed))),
            ("slice_hits", .int(s.sliceHits.load(ordering: .relaxed))),
            ("evictions", .int(store.evictions)),
            ("purges", .int(services.purge.purgeCount.load(ordering: .relaxed))),
            ("purged_entries", .int(services.purge.purgedEntries.load(ordering: .relaxed))),
            ("flags", flags()),
            ("degraded", .bool(isDegraded())),
            ("origins", .array(services.router.balancers.map { Self.origins($0.snapshot()) })),
            ("disk", services.disk.map(Self.disk) ?? .null),
            ("cluster", services.cluster.map { Self.cluster($0) } ?? .null),
            ("allocator", Self.allocator()),
        ])
    }

    /// The memory allocator and what it holds: `resident` is what the process's memory use is made of.
    private static func allocator() -> JSONText {
        let figures = Allocator.figures
        return .object([
            ("name", Allocator.version.map { .string("jemalloc " + $0) } ?? .null),
            ("allocated_bytes", figures.map { .int($0.allocated) } ?? .null),
            ("resident_bytes", figures.map { .int($0.resident) } ?? .null),
        ])
    }

    /// The fleet's tallies, and the peers' health as the ring sees it.
    private static func cluster(_ cluster: Cluster) -> JSONText {
        .object([
            ("self", .string(cluster.identity)),
            ("tallies", cluster.stats.json),
            ("nodes", origins(cluster.ring.balancer.snapshot())),
        ])
    }

    /// The disk tier's size and tallies.
    private static func disk(_ disk: DiskStore) -> JSONText {
        let stats = disk.stats
        return .object([
            ("path", .string(disk.settings.path)),
            ("bytes", .int(disk.bytes)),
            ("capacity_bytes", .int(disk.settings.capacityBytes)),
            ("objects", .int(disk.objects)),
            ("loading", .bool(disk.isLoading)),
            ("shared_with_old_node", .bool(disk.sharing.load(ordering: .relaxed))),
            ("hits", .int(stats.hits.value)),
            ("reads", .int(stats.reads.value)),
            ("reads_without_waiting", .int(stats.cachedReads.value)),
            ("hit_head_hits", .int(stats.headHits.value)),
            ("streamed_hits", .int(stats.streamedHits.value)),
            ("sendfile_bytes", .int(stats.sentFromFile.value)),
            ("writes", .int(stats.writes.value)),
            ("errors", .int(stats.errors.value)),
            ("corrupt_records", .int(stats.corrupt.value)),
            ("purged_records", .int(stats.purged.value)),
            ("rejected_writes", .int(stats.rejected.value)),
            ("shed_writes", .int(stats.shed.value)),
            ("open_files", .int(disk.files.openRecords.count)),
            ("open_files_allowed", .int(disk.files.openRecords.allowance)),
        ])
    }

    /// One pool's servers: health state, requests in flight, and why a server is down.
    private static func origins(_ pool: PoolHealthSnapshot) -> JSONText {
        .object([
            ("pool", .string(pool.pool)),
            ("balancing", .string(pool.balancing)),
            ("in_flight", .int(pool.inFlight)),
            ("panic", .bool(pool.panic)),
            ("max_concurrent_requests", .int(pool.maxConcurrentRequests)),
            ("retry_budget_remaining", .int(Int(pool.retryBudgetRemaining.rounded(.down)))),
            ("servers", .array(pool.servers.map { server in
                .object([
                    ("address", .string(server.server)),
                    ("weight", .int(server.weight)),
                    ("backup", .bool(server.backup)),
                    ("state", .string(server.state)),
                    ("in_flight", .int(server.inFlight)),
                    ("reason", server.reason.map(JSONText.string) ?? .null),
                ])
            })),
        ])
    }

    private func flags() -> JSONText {
        .object(services.flags.states().map { state in
            (state.flag.rawValue, .object([("enabled", .bool(state.enabled)), ("manual", .bool(state.manual)), ("shed", .bool(state.shed))]))
        })
    }

    private func setFlag(_ name: String, body: [UInt8], remote: String) -> AdminResponse {
        guard let flag = FeatureFlag(rawValue: name) else {
            let known = FeatureFlag.allCases.map(\.rawValue).joined(separator: ", ")
            return .error(.notFound, "no flag \"\(name)\" (flags: \(known))")
        }
        let value = String(String(decoding: body, as: UTF8.self).filter { !$0.isWhitespace }).lowercased()
        let on: Bool
        switch value {
        case "on", "true", "\"on\"", "1": on = true
        case "off", "false", "\"off\"", "0": on = false
        default: return .error(.badRequest, "expected the body \"on\" or \"off\", got \"\(value.prefix(40))\"", field: "body")
        }
        services.flags.setManual(flag, on: on)
        logger.notice("flag set", metadata: ["by": "\(remote)", "flag": "\(name)", "on": "\(on)"])
        return .json(flags())
    }
}
