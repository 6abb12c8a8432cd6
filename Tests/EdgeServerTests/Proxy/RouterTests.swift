import Testing
@testable import EdgeServer

@Suite("Host routing")
struct RouterTests {
    private func pool(_ name: String, ports: [Int]) -> Router.Pool {
        Router.Pool(name: name, servers: ports.map { OriginServer(host: "127.0.0.1", port: $0) }, policy: UpstreamPolicy())
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
        #expect(router.route(host: "evil.example") == nil)
    }

    @Test("servers of a pool take turns, and a failed server is skipped while others remain")
    func roundRobin() {
        let p = pool("p", ports: [1, 2, 3])
        let router = Router(sites: [.init(hosts: ["*"], pool: p)])
        let picks = (0..<6).compactMap { _ in router.pickServer(site: 0, pool: p)?.port }
        #expect(picks == [1, 2, 3, 1, 2, 3])
        let excluded = OriginServer(host: "127.0.0.1", port: 2)
        for _ in 0..<6 {
            #expect(router.pickServer(site: 0, pool: p, excluding: [excluded])?.port != 2)
        }
    }
}
