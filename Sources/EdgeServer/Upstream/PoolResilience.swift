import EdgeCore
import EdgeSettings
import NIOCore

/// How one origin pool balances, checks and retries, in the server's units (from `[[pools]]`).
public struct PoolResilience: Sendable, Equatable {
    /// An active health check: `GET path` on every server each `interval`.
    public struct HealthCheck: Sendable, Equatable {
        public var path = "/"
        public var interval: TimeAmount = .seconds(5)
        public var timeout: TimeAmount = .seconds(1)
        public var rise = 2
        public var fall = 3
        public var expectedStatus = StatusRange(lower: 200, upper: 399)
        /// Servers not probed (a cluster node does not check itself).
        public var exempt: Set<OriginServer> = []
        public init() {}
    }

    public var balancing: BalancingAlgorithm = .roundRobin
    /// Relative shares; servers not listed weigh 1.
    public var weights: [OriginServer: Int] = [:]
    /// Used only when every other server is down.
    public var backups: [OriginServer] = []
    public var healthCheck: HealthCheck?
    public var maxFails = 3
    /// Statuses that count against a server for `maxFails` (`fail_status`); none by default.
    public var failStatus: Set<Int> = []
    public var failTimeout: TimeAmount = .seconds(10)
    public var retries = 1
    public var retryOnUnsafe = false
    public var retryBudget = 0.2
    /// 0 = unlimited.
    public var maxConcurrentRequests = 0
    public var queueSize = 64
    public var queueTimeout: TimeAmount = .milliseconds(200)

    public init() {}

    /// The settings of a validated `[[pools]]` entry.
    public init(_ pool: PoolConfig) {
        balancing = pool.balancing
        for server in pool.servers {
            let origin = OriginServer(host: server.host, port: server.port)
            weights[origin] = server.weight
            if server.backup { backups.append(origin) }
        }
        if let config = pool.healthCheck {
            var check = HealthCheck()
            check.path = config.path
            check.interval = config.interval.timeAmount
            check.timeout = config.timeout.timeAmount
            check.rise = config.rise
            check.fall = config.fall
            check.expectedStatus = config.expectedStatus
            healthCheck = check
        }
        maxFails = pool.maxFails
        failStatus = Set(pool.failStatus)
        failTimeout = pool.failTimeout.timeAmount
        retries = pool.retries
        retryOnUnsafe = pool.retryOnUnsafe
        retryBudget = pool.retryBudget
        maxConcurrentRequests = pool.maxConcurrentRequests
        queueSize = pool.queueSize
        queueTimeout = pool.queueTimeout.timeAmount
    }
}
