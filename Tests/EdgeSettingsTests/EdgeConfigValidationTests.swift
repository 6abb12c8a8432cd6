import Testing
@testable import EdgeSettings

@Suite("EdgeConfig validation")
struct EdgeConfigValidationTests {
    static var valid: EdgeConfig {
        var c = EdgeConfig.defaults
        c.pools = [PoolConfig(name: "web", servers: [OriginServerConfig(host: "127.0.0.1", port: 9000)])]
        c.sites = [SiteConfig(hosts: ["*"], target: .pool("web"))]
        return c
    }

    func problem(_ change: (inout EdgeConfig) -> Void) -> String? {
        var config = Self.valid
        change(&config)
        do {
            try config.validate()
            return nil
        } catch {
            return error.description
        }
    }

    @Test("defaults and a config built in code are valid")
    func validConfigs() throws {
        try EdgeConfig.defaults.validate()
        try Self.valid.validate()
    }

    @Test("each cross-field rule names its key")
    func rules() {
        #expect(problem { $0.pools.append($0.pools[0]) } == "pools[1].name: pool \"web\" is already defined by pools[0]")
        #expect(problem { $0.pools[0].servers = [] }?.hasPrefix("pools[0].servers: a pool needs at least one server") == true)
        #expect(problem { $0.pools[0].servers[0].backup = true } == "pools[0].servers: a pool needs at least one server that is not a backup")
        #expect(problem { $0.pools[0].servers[0].weight = 0 } == "pools[0].servers[0].weight: must be at least 1, got 0")
        #expect(problem { $0.pools[0].servers.append($0.pools[0].servers[0]) } == "pools[0].servers[1].url: http://127.0.0.1:9000 is listed twice in this pool")
        #expect(problem { $0.pools[0].connectTimeout = .zero } == "pools[0].connect_timeout: must be more than 0, got 0s")
        #expect(problem { $0.server.clientHeaderTimeout = .zero } == "server.client_header_timeout: must be more than 0, got 0s")
        #expect(problem { $0.sites[0].target = .pool("api") } == "sites[0].pool: no pool named \"api\" (pools are \"web\")")
        #expect(problem { $0.sites.append(SiteConfig(hosts: ["*"], target: .pool("web"))) } == "sites[1].hosts[0]: host \"*\" is already routed by sites[0]")
        #expect(problem { $0.sites[0].hosts = ["bad host"] } == "sites[0].hosts[0]: expected a host name, \"*.example.com\" or \"*\", got \"bad host\"")
        #expect(problem { $0.cache.maxObjectSize = .gibibytes(1) } == "cache.max_object_size: 1GiB is larger than cache.memory_size (256MiB)")
        #expect(problem { $0.cache.heuristicFraction = 2 } == "cache.heuristic_fraction: expected a fraction from 0 to 1, got 2.0")
        #expect(problem { $0.server.listen.append($0.server.listen[0]) } == "server.listen[1]: 127.0.0.1:8080 is listed twice")
        #expect(problem { $0.server.listen = [] } == "server.listen: at least one listen address is needed")
        #expect(problem { $0.admin.listen = $0.server.listen[0] } == "admin.listen: 127.0.0.1:8080 is also traffic listener server.listen[0]")
        #expect(problem { $0.server.via = "my edge" } == "server.via: expected a name without spaces or commas, got \"my edge\"")
        #expect(problem { $0.server.maxHeaderCount = 0 } == "server.max_header_count: must be at least 1, got 0")
    }

    @Test("open_files defaults to the descriptor limit (at most 65536, of which the disk tier takes what connections leave), 0 keeps none, and more than half the limit is refused")
    func openFiles() throws {
        let config = try EdgeConfig.parse("[cache.disk]\npath = \"/tmp/c\"\nsize = \"1GiB\"\n", fileName: "edge.conf")
        let disk = try #require(config.cache.disk)
        #expect(disk.openFiles == nil)
        #expect(disk.effectiveOpenFiles == min(65_536, DescriptorLimit.current))
        #expect(config.rendered().contains("open_files unset: up to \(disk.effectiveOpenFiles), the descriptors connections leave"))
        let set = try EdgeConfig.parse("[cache.disk]\npath = \"/tmp/c\"\nopen_files = 0\n", fileName: "edge.conf")
        #expect(set.cache.disk?.effectiveOpenFiles == 0)
        #expect(problem { $0.cache.disk = DiskConfig(path: "/tmp/c", openFiles: -1) } == "cache.disk.open_files: must be 0 (none kept open) or more, got -1")
        let tooMany = DescriptorLimit.current / 2 + 1
        #expect(problem { $0.cache.disk = DiskConfig(path: "/tmp/c", openFiles: tooMany) }?.hasPrefix("cache.disk.open_files: \(tooMany) would leave too few") == true)
    }

    @Test("slice_size is parsed like the other sizes, 0 is off, and a slice larger than the cache stores is refused")
    func sliceSize() throws {
        let config = try EdgeConfig.parse("""
            [[pools]]
            name = "web"
            servers = [{ url = "http://127.0.0.1:9000" }]
            [[sites]]
            hosts = ["*"]
            pool = "web"
            slice_size = "1MiB"
            """, fileName: "edge.conf")
        #expect(config.sites[0].sliceSize == .mebibytes(1))
        #expect(config.rendered().contains("slice_size = \"1MiB\""))
        #expect(problem { $0.sites[0].sliceSize = ByteSize(bytes: 0) } == nil)
        #expect(problem { $0.sites[0].sliceSize = .gibibytes(1) }?.contains("sites[0].slice_size") == true)
        #expect(problem {
            $0.cache.disk = DiskConfig(path: "/tmp/edge-cache", size: .gibibytes(4), maxObjectSize: .gibibytes(2))
            $0.sites[0].sliceSize = .mebibytes(8)
        } == nil)
        // Never stored whole by the disk writer, and held a few at a time per client: refused.
        #expect(problem {
            $0.cache.disk = DiskConfig(path: "/tmp/edge-cache", size: .gibibytes(4), maxObjectSize: .gibibytes(2))
            $0.sites[0].sliceSize = .mebibytes(16)
        }?.contains("larger than a slice may be") == true)
        #expect(problem { $0.sites = [SiteConfig(hosts: ["*"], target: .staticRoot("Sites/demo"))]; $0.sites[0].sliceSize = .mebibytes(1) }?
            .contains("slices are for proxied sites") == true)
    }

    @Test("a site may serve a static folder without any pool")
    func staticSite() throws {
        var config = EdgeConfig.defaults
        config.sites = [SiteConfig(hosts: ["preview.local"], target: .staticRoot("Sites/demo"))]
        try config.validate()
    }

    @Test("with no sites every host goes to the first pool")
    func effectiveSites() {
        var config = Self.valid
        config.sites = []
        #expect(config.effectiveSites == [SiteConfig(hosts: ["*"], target: .pool("web"))])
        #expect(EdgeConfig.defaults.effectiveSites.isEmpty)
    }

    @Test("a site with both pool and root is refused when parsed")
    func poolAndRoot() {
        let text = "[[sites]]\npool = \"a\"\nroot = \"b\"\n"
        #expect(throws: ConfigError(file: "edge.conf", line: 3, key: "sites[0].root", message: "a site has either pool or root, not both")) {
            try EdgeConfig.parse(text, fileName: "edge.conf")
        }
    }

    @Test("origin URLs for --origin parse, with port 80 for http and 443 for https by default")
    func originURL() throws {
        #expect(try OriginServerConfig(url: "http://example.com") == OriginServerConfig(host: "example.com", port: 80))
        #expect(try OriginServerConfig(url: "http://[::1]:9000/").url == "http://[::1]:9000")
        #expect(try OriginServerConfig(url: "HTTPS://a") == OriginServerConfig(scheme: .https, host: "a", port: 443))
        #expect(try OriginServerConfig(url: "https://a:8443").url == "https://a:8443")
        #expect(throws: ConfigError.self) { try OriginServerConfig(url: "http://a/path") }
        #expect(throws: ConfigError.self) { try OriginServerConfig(url: "ftp://a") }
    }
}
