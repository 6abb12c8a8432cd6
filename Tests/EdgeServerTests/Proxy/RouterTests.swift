import Logging
import Testing
@testable import EdgeServer

@Suite("Host routing")
struct RouterTests {
    private func pool(_ name: String, ports: [Int]) -> Router.Pool {
        let servers = ports.map { OriginServer(host: "127.0.0.1", port: $0) }
        let balancer = PoolBalancer(name: name, primaries: servers, resilience: PoolResilience(), metrics: EdgeMetrics(), logger: Logger(label: "test"))
        return Router.Pool(name: name, servers: servers, policy: UpstreamPolicy(), balancer: balancer)
    }

    @Test("exact hosts win in order, wildcards match subdomains, ports and case are ignored")
    func matching() {
        let router = Router(sites: [
            .init(hosts: ["shop.example"], pool: pool("shop", ports: [1])),
            .init(hosts: ["*.static.example"], pool: pool("static", ports: [2])),
            .init(hosts: ["*"], pool: pool("rest", ports: [3])),
        ])
        #expect(router.route(host: "SHOP.example:8080")?.pool.name == "shop")
        #expect(router.route(host: "img.static.example")?.pool.name == "static")
        #expect(router.route(host: "static.example")?.pool.name == "rest")
        #expect(router.route(host: nil)?.pool.name == "rest")
        #expect(router.route(host: "[::1]:8080")?.pool.name == "rest")
    }

    @Test("no site for a host gives nil, so the request is refused instead of sent anywhere")
    func noMatch() {
        let router = Router(sites: [.init(hosts: ["shop.example"], pool: pool("shop", ports: [1]))])
        #expect(router.route(host: "evil.example")?.pool.name == nil)
    }

    @Test("sites sharing a pool share one balancer")
    func sharedBalancer() {
        let p = pool("p", ports: [1, 2, 3])
        let router = Router(sites: [.init(hosts: ["a.example"], pool: p), .init(hosts: ["b.example"], pool: p)])
        #expect(router.balancers.count == 1)
    }
}
