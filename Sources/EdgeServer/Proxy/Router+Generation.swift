import EdgeCore
import Logging

extension Router {
    /// The routes of `sites`, each pool with one balancer shared by its sites. With `previous` (a
    /// reload), a pool whose servers and settings did not change keeps its balancer whole; a changed
    /// pool gets a new one that takes over the health of the servers it keeps.
    static func make(sites: [EdgeServer.SiteRoute], previous: Router? = nil, metrics: EdgeMetrics, logger: Logger) -> Router {
        var old: [String: PoolBalancer] = [:]
        for balancer in previous?.balancers ?? [] {
            old[balancer.name] = balancer
        }
        var balancers: [String: PoolBalancer] = [:]
        return Router(sites: sites.map { site in
            let balancer = balancers[site.poolName] ?? {
                if let kept = old[site.poolName], kept.isSame(servers: site.servers, resilience: site.resilience) {
                    return kept
                }
                let made = PoolBalancer(name: site.poolName, primaries: site.servers, resilience: site.resilience, metrics: metrics, logger: logger)
                if let replaced = old[site.poolName] {
                    made.takeOverHealth(from: replaced)
                }
                return made
            }()
            balancers[site.poolName] = balancer
            return Site(hosts: site.hosts, pool: Router.Pool(name: site.poolName, servers: site.servers, policy: site.upstream, balancer: balancer),
                        progressive: site.progressive, compression: site.compression, slices: SliceRange(size: site.sliceSize))
        })
    }

    /// Every (pool, server) the routes, and the fleet's `peers` pools, may send a request to, with
    /// the connection policy of its pool.
    func upstreamSlots(peers: [Pool] = []) -> [OriginConnectionPool.SlotKey: UpstreamPolicy] {
        var slots: [OriginConnectionPool.SlotKey: UpstreamPolicy] = [:]
        for pool in sites.map(\.pool) + peers {
            for member in pool.balancer.allMembers {
                slots[OriginConnectionPool.SlotKey(pool: pool.name, server: member.server)] = pool.policy
            }
        }
        return slots
    }
}
