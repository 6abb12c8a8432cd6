import EdgeCore
import Logging
import Testing

@testable import EdgeServer

/// The pieces of a reload inside the server: balancers and health kept across generations, origin
/// connections to servers no longer configured closed, a generation taken by the next request.
@Suite("A reload's new generation keeps what stays and lets go of what left")
struct ReloadGenerationTests {
    let servers = (1...3).map { OriginServer(host: "127.0.0.1", port: $0) }

    func site(_ servers: [OriginServer], pool: String = "p", configure: (inout PoolResilience) -> Void = { _ in }) -> EdgeServer.SiteRoute {
        var resilience = PoolResilience()
        resilience.maxFails = 1
        configure(&resilience)
        return EdgeServer.SiteRoute(hosts: ["*"], poolName: pool, servers: servers, resilience: resilience)
    }

    @Test("a pool that did not change keeps its balancer; a changed pool's new balancer keeps the health of the servers it keeps, and a server new to it starts up")
    func balancersAndHealth() {
        let metrics = EdgeMetrics()
        let logger = Logger(label: "test")
        let first = Router.make(sites: [site(servers)], metrics: metrics, logger: logger)
        let old = first.balancers[0]
        old.observed(old.primaries[1], succeeded: false, detail: "refused", now: 100)
        let takenDown = !old.primaries[1].available.load(ordering: .relaxed)
        #expect(takenDown)

        let same = Router.make(sites: [site(servers)], previous: first, metrics: metrics, logger: logger)
        #expect(same.balancers[0] === old)

        let changed = Router.make(sites: [site([servers[1], servers[2], OriginServer(host: "127.0.0.1", port: 4)])], previous: first, metrics: metrics, logger: logger)
        let balancer = changed.balancers[0]
        #expect(balancer !== old)
        #expect(balancer.primaries.map(\.server.port) == [2, 3, 4])
        let available = balancer.primaries.map { $0.available.load(ordering: .relaxed) }
        #expect(available == [false, true, true], "server 2 was down and stays down; server 4 is new and up")
        #expect(balancer.primaries[0].health.withLock { $0.state } == .down)

        let retuned = Router.make(sites: [site(servers) { $0.retries = 3 }], previous: first, metrics: metrics, logger: logger)
        #expect(retuned.balancers[0] !== old, "changed settings make a new balancer")
        let stillDown = !retuned.balancers[0].primaries[1].available.load(ordering: .relaxed)
        #expect(stillDown)
    }

    @Test("after a reload that moves the pool to another origin, the next request (on the same keep-alive connection) goes there and idle connections to the old origin are closed")
    func originConnectionsOfRemovedServers() async throws {
        let first = try await TestOrigin { request in TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "first \(request.uri)") }
        let second = try await TestOrigin { request in TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "second \(request.uri)") }
        try await EdgeHarness.running([first], configure: { $0.eventLoops = 1 }) { edge in
            let connection = try edge.connect()
            try connection.send(EdgeHarness.request(path: "/a"))
            #expect(try connection.readResponse().text == "first /a")
            // Back in the pool once the origin's response has ended.
            for _ in 0..<500 where await edge.server.idleOriginConnections() == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(await edge.server.idleOriginConnections() == 1)

            var configuration = edge.server.configuration
            configuration.sites = [EdgeServer.SiteRoute(hosts: ["*"], poolName: "default", servers: [OriginServer(host: "127.0.0.1", port: second.port)])]
            try await edge.server.reload(to: configuration, accessLog: edge.server.services.accessLog)
            #expect(await edge.server.idleOriginConnections() == 0)

            try connection.send(EdgeHarness.request(path: "/b"))
            #expect(try connection.readResponse().text == "second /b")
            #expect(first.requestCount == 1)
        }
        await first.stop()
        await second.stop()
    }

    @Test("a request waiting for a connection when a reload changes its pool's settings is answered under the new ones, and no connection is left behind")
    func waiterCrossesReload() async throws {
        let origin = try await TestOrigin { request in
            TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "body \(request.uri)",
                                delay: request.uri == "/slow" ? .milliseconds(600) : .zero)
        }
        try await EdgeHarness.running([origin], configure: { configuration in
            configuration.eventLoops = 1
            configuration.sites[0].upstream.maxConnectionsPerServer = 1
        }) { edge in
            let slow = try edge.connect()
            try slow.send(EdgeHarness.request(path: "/slow"))
            try await Task.sleep(for: .milliseconds(100))
            // The pool's one connection is busy: this request waits for it.
            let waiting = try edge.connect()
            try waiting.send(EdgeHarness.request(path: "/waiting"))
            try await Task.sleep(for: .milliseconds(100))

            var configuration = edge.server.configuration
            configuration.sites[0].upstream.firstByteTimeout = .seconds(20)
            try await edge.server.reload(to: configuration, accessLog: edge.server.services.accessLog)

            #expect(try slow.readResponse().text == "body /slow")
            #expect(try waiting.readResponse().text == "body /waiting")
            var open = -1
            var idle = -2
            for _ in 0..<250 {
                open = await edge.server.openOriginConnections()
                idle = await edge.server.idleOriginConnections()
                if open == idle { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(open == idle, "\(open) origin connections open, \(idle) of them idle: the rest were left behind")
            #expect(try edge.get("/after").text == "body /after")
        }
        await origin.stop()
    }

    @Test("responses stored before a reload are answered with the fields the reloaded settings give (Via, tag fields), on the shortcut and the full path")
    func storedResponsesFollowReloadedSettings() async throws {
        let origin = try await TestOrigin { request in
            TestOrigin.Response(headers: [("Cache-Control", "max-age=600"), ("Surrogate-Key", "shelf")], body: "body \(request.uri)")
        }
        try await EdgeHarness.running([origin], configure: { $0.eventLoops = 1 }) { edge in
            _ = try edge.get("/a")
            let before = try edge.get("/a")
            #expect(before.header("cache-status")?.hasPrefix("edge; hit") == true)
            #expect(before.header("via")?.contains("edge") == true)
            #expect(before.header("surrogate-key") == nil)

            var configuration = edge.server.configuration
            configuration.settings.viaPseudonym = "renamed"
            configuration.settings.keepTagHeaders = true
            try await edge.server.reload(to: configuration, accessLog: edge.server.services.accessLog)

            let shortcut = try edge.get("/a")
            let full = try edge.get("/a", headers: [("Pragma", "x-trace")])
            for response in [shortcut, full] {
                #expect(response.header("cache-status")?.hasPrefix("edge; hit") == true)
                #expect(response.header("via")?.contains("renamed") == true, "\(response.headers)")
                #expect(response.header("surrogate-key") == "shelf")
            }
            #expect(origin.requestCount == 1)
        }
        await origin.stop()
    }

    @Test("a reload that would leave the admin API on a non-loopback address without a token is refused, and the sites stay as they were")
    func adminWithoutToken() async throws {
        let origin = try await TestOrigin { request in TestOrigin.Response(body: "origin \(request.uri)") }
        try await EdgeHarness.running([origin], configure: { _ in }) { edge in
            var configuration = edge.server.configuration
            configuration.admin = AdminSettings(listen: ("192.0.2.1", 9090), token: "")
            configuration.sites = []
            await #expect(throws: AdminListenerError.self) {
                try await edge.server.reload(to: configuration, accessLog: edge.server.services.accessLog)
            }
            #expect(edge.server.configuration.sites.count == 1)
            let answer = try edge.get("/a")
            #expect(answer.text == "origin /a")
        }
        await origin.stop()
    }

    @Test("on connections open since before a reload, HTTP/1.1 and HTTP/2, the next request takes the new generation: a new site answers, and a host whose site was removed is no longer answered from the cache by the stored-hit shortcuts")
    func openConnectionsTakeTheNewGeneration() async throws {
        let first = try await TestOrigin { request in TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: "first \(request.uri)") }
        let second = try await TestOrigin { request in TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "second \(request.uri)") }
        let pool = [OriginServer(host: "127.0.0.1", port: first.port)]
        try await EdgeHarness.running([first], configure: { configuration in
            configuration.h2cListen = [("127.0.0.1", 0)]
            configuration.sites = ["gone.example", "test.example"].map { EdgeServer.SiteRoute(hosts: [$0], poolName: "default", servers: pool) }
        }) { edge in
            let http1 = try edge.connect()
            let http2 = try await HTTP2TestClient.connect(port: edge.port(.h2c))
            for _ in 0..<2 {
                try http1.send(EdgeHarness.request(path: "/hot", host: "gone.example"))
                #expect(try http1.readResponse().text == "first /hot")
            }
            #expect(try await http2.request("/hot", authority: "gone.example").field("cache-status")?.hasPrefix("edge; hit") == true)
            let hitsBefore = edge.server.counters["shortcut_hits"] ?? 0
            #expect(hitsBefore >= 1)

            var configuration = edge.server.configuration
            configuration.sites = [
                EdgeServer.SiteRoute(hosts: ["test.example"], poolName: "default", servers: pool),
                EdgeServer.SiteRoute(hosts: ["new.example"], poolName: "fresh", servers: [OriginServer(host: "127.0.0.1", port: second.port)]),
            ]
            try await edge.server.reload(to: configuration, accessLog: edge.server.services.accessLog)

            try http1.send(EdgeHarness.request(path: "/hot", host: "gone.example"))
            #expect(try http1.readResponse().status == 421)
            #expect(try await http2.request("/hot", authority: "gone.example").status == 421)
            try http1.send(EdgeHarness.request(path: "/page", host: "new.example"))
            #expect(try http1.readResponse().text == "second /page")
            #expect(try await http2.request("/page", authority: "new.example").text == "second /page")
            #expect(edge.server.counters["shortcut_hits"] == hitsBefore)
            await http2.close()
        }
        await first.stop()
        await second.stop()
    }
}
