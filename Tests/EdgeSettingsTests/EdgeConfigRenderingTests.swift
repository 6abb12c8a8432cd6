import Testing
@testable import EdgeSettings

@Suite("EdgeConfig rendering")
struct EdgeConfigRenderingTests {
    /// A configuration where every key differs from its default.
    static var everyKeyChanged: EdgeConfig {
        var c = EdgeConfig.defaults
        c.server.listen = [HostPort(host: "0.0.0.0", port: 80), HostPort(host: "::1", port: 8443)]
        c.server.eventLoops = 3
        c.server.clientHeaderTimeout = .milliseconds(2500)
        c.server.clientIdleTimeout = .minutes(2)
        c.server.drainTimeout = .seconds(5)
        c.server.maxRequestLine = 4096
        c.server.maxHeaderBytes = 32768
        c.server.maxHeaderCount = 50
        c.server.maxBodySize = .mebibytes(10)
        c.server.via = "node-7"
        c.cache.memorySize = .gibibytes(2)
        c.cache.disk = DiskConfig(path: "/var/cache/edge", size: .gibibytes(20), maxObjectSize: .gibibytes(1), openFiles: 100)
        c.server.pidFile = "/run/edge/edge.pid"
        c.cache.maxObjectSize = ByteSize(bytes: 1_000_000)
        c.cache.eviction = .lru
        c.cache.heuristicFraction = 0.25
        c.cache.heuristicMax = .hours(6)
        c.cache.keepCDNCacheControl = false
        c.cache.grace = .minutes(10)
        c.cache.staleIfUnreachable = .hours(2)
        var web = PoolConfig(name: "web", servers: [
            OriginServerConfig(host: "10.0.0.1", port: 8080, weight: 3),
            OriginServerConfig(host: "::1", port: 9000, backup: true),
        ])
        web.balancing = .consistentHash
        web.maxConnectionsPerServer = 16
        web.connectTimeout = .milliseconds(500)
        web.firstByteTimeout = .seconds(10)
        web.idleTimeout = .seconds(20)
        web.keepaliveTimeout = .seconds(9)
        var check = HealthCheckConfig()
        check.path = "/healthz"
        check.interval = .seconds(2)
        check.timeout = .milliseconds(300)
        check.rise = 3
        check.fall = 4
        check.expectedStatus = StatusRange(lower: 200, upper: 204)
        web.healthCheck = check
        web.maxFails = 5
        web.failTimeout = .seconds(30)
        web.retries = 2
        web.retryOnUnsafe = true
        web.retryBudget = 0.1
        web.maxConcurrentRequests = 500
        web.queueSize = 10
        web.queueTimeout = .milliseconds(50)
        let api = PoolConfig(name: "api \"v2\"", servers: [OriginServerConfig(host: "api.internal", port: 80)])
        c.pools = [web, api]
        var video = SiteConfig(hosts: ["video.example"], target: .pool("web"))
        video.sliceSize = .mebibytes(1)
        c.sites = [
            video,
            SiteConfig(hosts: ["shop.example", "*.shop.example"], target: .pool("web")),
            SiteConfig(hosts: ["api.example"], target: .pool("api \"v2\"")),
            SiteConfig(hosts: ["*"], target: .staticRoot("Sites/demo")),
        ]
        c.admin.listen = HostPort(host: "127.0.0.1", port: 9999)
        c.admin.token = "s3cret"
        c.logging.accessLog = .file(path: "/var/log/edge/access.log")
        c.logging.accessLogFormat = .json
        c.logging.level = .debug
        c.degradation.inFlightThreshold = 1000
        c.degradation.loopDelayThreshold = .milliseconds(50)
        c.degradation.recoverBelow = 0.5
        c.degradation.hold = .seconds(10)
        c.degradation.sampleInterval = .milliseconds(250)
        c.degradation.maxClientConnections = 10_000
        c.degradation.maxInFlightRequests = 4000
        return c
    }

    @Test("every key round-trips through rendered() and parse")
    func roundTrip() throws {
        let config = Self.everyKeyChanged
        try config.validate()
        let text = config.rendered(showingSecrets: true)
        #expect(try EdgeConfig.parse(text, fileName: "rendered") == config)
    }

    @Test("the defaults round-trip too")
    func defaultsRoundTrip() throws {
        #expect(try EdgeConfig.parse(EdgeConfig.defaults.rendered(), fileName: "rendered") == .defaults)
    }

    @Test("rendered() writes every key of every table")
    func everyKey() {
        let text = Self.everyKeyChanged.rendered()
        let keys = Set(RenderedKeys.keys(in: text))
        let expected: [String] = ServerConfig.CodingKeys.allCases.map(\.rawValue)
            + CacheConfig.CodingKeys.allCases.map(\.rawValue).filter { $0 != "disk" }
            + DiskConfig.CodingKeys.allCases.map(\.rawValue)
            + PoolConfig.CodingKeys.allCases.map(\.rawValue)
            + ["hosts", "pool", "root"]
            + AdminConfig.CodingKeys.allCases.map(\.rawValue)
            + LoggingConfig.CodingKeys.allCases.map(\.rawValue)
            + DegradationConfig.CodingKeys.allCases.map(\.rawValue)
        for key in expected {
            #expect(keys.contains(key), "rendered() lacks \(key)")
        }
        for table in ["[server]", "[cache]", "[cache.disk]", "[[pools]]", "[[sites]]", "[admin]", "[logging]", "[degradation]"] {
            #expect(text.contains(table))
        }
        #expect(text.contains("servers = [{ url = \"http://10.0.0.1:8080\", weight = 3, backup = false }"))
    }

    @Test("the admin token is hidden unless asked for")
    func tokenHidden() {
        #expect(Self.everyKeyChanged.rendered().contains("token = \"<hidden>\""))
        #expect(!Self.everyKeyChanged.rendered().contains("s3cret"))
        #expect(Self.everyKeyChanged.rendered(showingSecrets: true).contains("token = \"s3cret\""))
    }

    @Test("the order of output is stable")
    func stable() {
        #expect(Self.everyKeyChanged.rendered() == Self.everyKeyChanged.rendered())
        let text = EdgeConfig.defaults.rendered()
        let order = ["[server]", "[cache]", "[admin]", "[logging]"].compactMap { text.range(of: $0)?.lowerBound }
        #expect(order == order.sorted() && order.count == 4)
    }
}
