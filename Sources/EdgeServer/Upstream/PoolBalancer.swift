import CoreMetrics
import EdgeCore
import Logging
import NIOCore
import Synchronization

/// One origin pool's shared state: which servers are healthy, requests in flight, the retry budget
/// and the concurrency cap. Shared by every event loop.
///
/// Passive checks never empty a pool. When live traffic has taken every server down, the pool panics
/// (Envoy's panic mode): it balances over every server the active health check has not taken down,
/// as if all were up, until one comes back. Only when the health check says every server is down
/// does a request get the fast 503 (or stale content). A pool of one server is never taken out by
/// passive checks at all (nginx does the same).
///
/// No lock on the hot path: picking reads per-server atomics (`available`, `inFlight`); the
/// smooth-round-robin scores live per event loop (`LoopUpstreamState`), so each loop's sequence
/// is smooth and weights hold on every loop; the hash rings are immutable. A per-server mutex
/// guards only the health state machine, taken on failures, probes and half-open trials, and for
/// a success only when the server had failures to forget.
final class PoolBalancer: Sendable {
    final class Member: Sendable {
        let server: OriginServer
        let weight: Int
        let backup: Bool
        /// Index among the primaries or among the backups.
        let index: Int
        let inFlight = Atomic<Int>(0)
        /// Mirrors `health.takesTraffic` for lock-free reads.
        let available = Atomic<Bool>(true)
        /// Mirrors `health.downCause == .healthCheck`: such a server gets nothing, even in panic mode.
        let downByHealthCheck = Atomic<Bool>(false)
        /// Set while live failures are counted, so a success takes the lock only when it must.
        let hasFailures = Atomic<Bool>(false)
        /// When (ms since the epoch) a down server may next get a half-open trial; read without the lock.
        let trialAfter = Atomic<Int64>(0)
        let health: Mutex<ServerHealth>
        let upGauge: Gauge

        init(server: OriginServer, weight: Int, backup: Bool, index: Int, settings: ServerHealth.Settings, upGauge: Gauge) {
            self.server = server
            self.weight = weight
            self.backup = backup
            self.index = index
            self.health = Mutex(ServerHealth(settings: settings))
            self.upGauge = upGauge
            upGauge.record(1)
        }
    }

    let name: String
    let resilience: PoolResilience
    let primaries: [Member]
    let backups: [Member]
    private let primaryRing: ConsistentHashRing
    private let backupRing: ConsistentHashRing
    private let logger: Logger
    let budget: RetryBudget
    private let budgetBalance: Atomic<Int>
    /// Requests holding one of the pool's concurrency slots.
    let admitted = Atomic<Int>(0)
    /// Every server is down by passive checks alone, and requests go to all of them regardless.
    let panic = Atomic<Bool>(false)
    /// Serialises the panic mode's log lines, so that entering and leaving are each logged once.
    private let panicTransitions = Mutex(false)
    private let metrics: Metrics

    struct Metrics: Sendable {
        let changesUp: Counter
        let changesDown: Counter
        let retries: Counter
        let retriesRefused: Counter
        let overloaded: Counter
        let unavailable: Counter
        let panic: Gauge
    }

    init(name: String, primaries servers: [OriginServer], resilience: PoolResilience, metrics: EdgeMetrics, logger: Logger) {
        self.name = name
        self.resilience = resilience
        self.logger = logger
        let check = resilience.healthCheck
        let backupSet = Set(resilience.backups)
        let primaryServers = servers.filter { !backupSet.contains($0) }
        let settings = ServerHealth.Settings(
            rise: check?.rise ?? 1, fall: check?.fall ?? 1,
            maxFails: primaryServers.count + resilience.backups.count > 1 ? resilience.maxFails : 0,
            failTimeout: Double(resilience.failTimeout.nanoseconds) / 1e9)
        func members(_ list: [OriginServer], backup: Bool) -> [Member] {
            list.enumerated().map { index, server in
                Member(server: server, weight: max(1, resilience.weights[server] ?? 1), backup: backup, index: index, settings: settings,
                       upGauge: metrics.gauge("edge_origin_up", ["pool": name, "server": server.description]))
            }
        }
        primaries = members(primaryServers, backup: false)
        backups = members(resilience.backups, backup: true)
        primaryRing = ConsistentHashRing(names: primaries.map(\.server.description), weights: primaries.map(\.weight))
        backupRing = ConsistentHashRing(names: backups.map(\.server.description), weights: backups.map(\.weight))
        budget = RetryBudget(ratio: resilience.retryBudget)
        budgetBalance = Atomic(budget.initialBalance)
        self.metrics = Metrics(
            changesUp: metrics.counter("edge_origin_health_changes_total", ["pool": name, "to": "up"]),
            changesDown: metrics.counter("edge_origin_health_changes_total", ["pool": name, "to": "down"]),
            retries: metrics.counter("edge_origin_retries_total", ["pool": name]),
            retriesRefused: metrics.counter("edge_origin_retries_refused_total", ["pool": name]),
            overloaded: metrics.counter("edge_pool_overload_rejections_total", ["pool": name]),
            unavailable: metrics.counter("edge_pool_unavailable_total", ["pool": name]),
            panic: metrics.gauge("edge_pool_panic", ["pool": name]))
        self.metrics.panic.record(0)
    }

    var allMembers: [Member] { primaries + backups }

    private var failTimeoutSeconds: Double { Double(resilience.failTimeout.nanoseconds) / 1e9 }

    // MARK: Picking

    /// The server for the next attempt, or nil when every server (backups too) is down by the health
    /// check, or excluded. `key` is the cache key (consistent hashing), `client` the client address (IP hash).
    func pick(key: String, client: String, excluding: [OriginServer], loop: LoopUpstreamState, now: EpochSeconds) -> Member? {
        if let member = pick(from: primaries, ring: primaryRing, key: key, client: client, excluding: excluding, loop: loop, now: now) {
            return member
        }
        if let member = pick(from: backups, ring: backupRing, key: key, client: client, excluding: excluding, loop: loop, now: now) {
            return member
        }
        if panic.load(ordering: .relaxed) {
            for (members, ring) in [(primaries, primaryRing), (backups, backupRing)] {
                if let member = pick(from: members, ring: ring, key: key, client: client, excluding: excluding, loop: loop, now: now, panicking: true) {
                    return member
                }
            }
        }
        metrics.unavailable.increment()
        return nil
    }

    /// Whether a retry could find a server other than those in `excluding`.
    func hasCandidate(excluding: [OriginServer]) -> Bool {
        let panicking = panic.load(ordering: .relaxed)
        return allMembers.contains { member in
            !excluding.contains(member.server)
                && (member.available.load(ordering: .relaxed) || panicking && !member.downByHealthCheck.load(ordering: .relaxed))
        }
    }

    private func pick(from members: [Member], ring: ConsistentHashRing, key: String, client: String, excluding: [OriginServer],
                      loop: LoopUpstreamState, now: EpochSeconds, panicking: Bool = false) -> Member? {
        guard !members.isEmpty else { return nil }
        let eligible: (Int) -> Bool = { index in
            let member = members[index]
            guard !excluding.contains(member.server) else { return false }
            if panicking { return !member.downByHealthCheck.load(ordering: .relaxed) }
            return member.available.load(ordering: .relaxed)
        }
        // A server out for `fail_timeout` gets one trial request (half-open) even while others are up,
        // so a pool without active checks heals too. Only down servers past their time take the lock.
        let nowMs = Int64(now * 1000)
        for member in members where !panicking && !member.available.load(ordering: .relaxed) && nowMs >= member.trialAfter.load(ordering: .relaxed) {
            guard !excluding.contains(member.server) else { continue }
            if member.health.withLock({ $0.beginTrial(now: now) }) {
                member.trialAfter.store(nowMs + Int64(failTimeoutSeconds * 1000), ordering: .relaxed)
                return member
            }
        }
        let chosen: Int?
        switch resilience.balancing {
        case .roundRobin:
            chosen = loop.nextRoundRobin(pool: name, backup: members[0].backup, weights: members.map(\.weight), eligible: eligible)
        case .leastConnections:
            chosen = LeastConnections.pick(
                inFlight: members.map { $0.inFlight.load(ordering: .relaxed) }, weights: members.map(\.weight),
                start: loop.nextTieBreak(), eligible: eligible)
        case .ipHash:
            chosen = ring.server(for: client, eligible: eligible)
        case .consistentHash:
            chosen = ring.server(for: key, eligible: eligible)
        }
        return chosen.map { members[$0] }
    }

    // MARK: Health

    /// A live request's outcome on `member` (passive check).
    func observed(_ member: Member, succeeded: Bool, detail: String, now: EpochSeconds) {
        if succeeded, !member.hasFailures.load(ordering: .relaxed), member.available.load(ordering: .relaxed) { return }
        let change = member.health.withLock { health -> ServerHealth.State? in
            let change = health.observed(succeeded: succeeded, now: now, detail: detail)
            member.hasFailures.store(health.liveFailures > 0, ordering: .relaxed)
            return change
        }
        if let change { report(member, change, detail: detail, source: "traffic", now: now) }
    }

    /// An active health check's result.
    func probed(_ member: Member, succeeded: Bool, detail: String, now: EpochSeconds) {
        let (change, byHealthCheck) = member.health.withLock { health in
            (health.probe(succeeded: succeeded, now: now, detail: detail), health.downCause == .healthCheck)
        }
        if let change {
            report(member, change, detail: detail, source: "health_check", now: now)
        } else if byHealthCheck != member.downByHealthCheck.load(ordering: .relaxed) {
            // Probes now confirm what live traffic found: the server stays out even in panic mode.
            member.downByHealthCheck.store(byHealthCheck, ordering: .relaxed)
            updatePanic()
        }
    }

    private func report(_ member: Member, _ state: ServerHealth.State, detail: String, source: String, now: EpochSeconds) {
        let up = state == .up
        if !up {
            member.trialAfter.store(Int64((now + failTimeoutSeconds) * 1000), ordering: .relaxed)
        }
        member.available.store(up, ordering: .relaxed)
        member.downByHealthCheck.store(member.health.withLock { $0.downCause == .healthCheck }, ordering: .relaxed)
        member.upGauge.record(up ? 1 : 0)
        (up ? metrics.changesUp : metrics.changesDown).increment()
        var metadata: Logger.Metadata = ["pool": "\(name)", "server": "\(member.server)", "state": "\(state.rawValue)", "by": "\(source)"]
        if !up, !detail.isEmpty { metadata["reason"] = "\(detail)" }
        if up {
            logger.notice("origin server is up", metadata: metadata)
        } else {
            logger.warning("origin server is down", metadata: metadata)
        }
        updatePanic()
    }

    /// Panic mode holds while no server is up and some server is down by live traffic alone.
    private func updatePanic() {
        panicTransitions.withLock { logged in
            let noneUp = !allMembers.contains { $0.available.load(ordering: .relaxed) }
            let usable = allMembers.contains { !$0.downByHealthCheck.load(ordering: .relaxed) }
            let panicking = noneUp && usable
            guard panicking != logged else { return }
            logged = panicking
            panic.store(panicking, ordering: .relaxed)
            metrics.panic.record(panicking ? 1 : 0)
            if panicking {
                logger.error("origin pool is in panic mode: live traffic took every server down, so requests go to all of them",
                             metadata: ["pool": "\(name)"])
            } else {
                logger.notice("origin pool left panic mode", metadata: ["pool": "\(name)"])
            }
        }
    }

    // MARK: Retries and admission

    /// Every first attempt earns part of a retry.
    func depositRequest() {
        var balance = budgetBalance.load(ordering: .relaxed)
        while true {
            let next = budget.afterRequest(balance)
            if next == balance { return }
            let (exchanged, current) = budgetBalance.compareExchange(expected: balance, desired: next, ordering: .relaxed)
            if exchanged { return }
            balance = current
        }
    }

    /// Takes one retry from the budget; false (and counted) when it is spent.
    func withdrawRetry() -> Bool {
        var balance = budgetBalance.load(ordering: .relaxed)
        while true {
            guard let next = budget.afterRetry(balance) else {
                metrics.retriesRefused.increment()
                return false
            }
            let (exchanged, current) = budgetBalance.compareExchange(expected: balance, desired: next, ordering: .relaxed)
            if exchanged {
                metrics.retries.increment()
                return true
            }
            balance = current
        }
    }

    /// Takes a concurrency slot if the cap allows one.
    func tryAdmit() -> Bool {
        let cap = resilience.maxConcurrentRequests
        guard cap > 0 else { return true }
        var current = admitted.load(ordering: .relaxed)
        while current < cap {
            let (exchanged, actual) = admitted.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = actual
        }
        return false
    }

    func releaseAdmission() {
        guard resilience.maxConcurrentRequests > 0 else { return }
        admitted.wrappingSubtract(1, ordering: .relaxed)
    }

    func countOverloaded() {
        metrics.overloaded.increment()
    }

    // MARK: Snapshot

    func snapshot() -> PoolHealthSnapshot {
        PoolHealthSnapshot(
            pool: name, balancing: resilience.balancing.rawValue,
            servers: allMembers.map { member in
                let health = member.health.withLock { $0 }
                return PoolHealthSnapshot.Server(
                    server: member.server.description, weight: member.weight, backup: member.backup,
                    state: health.state.rawValue, inFlight: member.inFlight.load(ordering: .relaxed),
                    reason: health.state == .up ? nil : health.reason)
            },
            inFlight: allMembers.reduce(0) { $0 + $1.inFlight.load(ordering: .relaxed) },
            panic: panic.load(ordering: .relaxed),
            maxConcurrentRequests: resilience.maxConcurrentRequests,
            retryBudgetRemaining: Double(budgetBalance.load(ordering: .relaxed)) / Double(RetryBudget.unit))
    }
}

/// One pool's health for `/stats`.
public struct PoolHealthSnapshot: Sendable, Codable, Equatable {
    public struct Server: Sendable, Codable, Equatable {
        public var server: String
        public var weight: Int
        public var backup: Bool
        /// `up`, `down` or `half_open`.
        public var state: String
        public var inFlight: Int
        /// Why it is down.
        public var reason: String?
    }

    public var pool: String
    public var balancing: String
    public var servers: [Server]
    public var inFlight: Int
    /// Every server is down by passive checks alone, and requests go to all of them (panic mode).
    public var panic: Bool
    public var maxConcurrentRequests: Int
    /// Retries the budget can still pay for.
    public var retryBudgetRemaining: Double
}
