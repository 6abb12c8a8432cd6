import EdgeCore
import Logging
import NIOEmbedded
import Testing

@testable import EdgeServer

@Suite("Pool balancer: picking, health and backups")
struct PoolBalancerTests {
    let servers = (1...3).map { OriginServer(host: "127.0.0.1", port: $0) }
    let backup = OriginServer(host: "127.0.0.1", port: 9)

    func balancer(_ configure: (inout PoolResilience) -> Void = { _ in }) -> PoolBalancer {
        var resilience = PoolResilience()
        resilience.backups = [backup]
        configure(&resilience)
        return PoolBalancer(name: "p", primaries: servers + [backup], resilience: resilience, metrics: EdgeMetrics(), logger: Logger(label: "test"))
    }

    func picks(_ balancer: PoolBalancer, _ count: Int, key: (Int) -> String = { "k\($0)" }, excluding: [OriginServer] = []) -> [Int] {
        let loop = LoopUpstreamState(eventLoop: EmbeddedEventLoop())
        return (0..<count).compactMap { balancer.pick(key: key($0), client: "192.0.2.1", excluding: excluding, loop: loop, now: 0)?.server.port }
    }

    @Test("round robin follows the weights smoothly and never uses the backup while primaries are up")
    func weightedRoundRobin() {
        let b = balancer { $0.weights = [servers[0]: 2, servers[1]: 1, servers[2]: 1] }
        let result = picks(b, 8)
        #expect(result == [1, 2, 3, 1, 1, 2, 3, 1])
        #expect(!result.contains(9))
    }

    @Test("a server that is down gets no traffic; with every primary down the backup takes it all")
    func downAndBackup() {
        let b = balancer { $0.maxFails = 1 }
        b.observed(b.primaries[1], succeeded: false, detail: "refused", now: 0)
        #expect(!picks(b, 6).contains(2))
        b.observed(b.primaries[0], succeeded: false, detail: "refused", now: 0)
        b.observed(b.primaries[2], succeeded: false, detail: "refused", now: 0)
        #expect(picks(b, 4) == [9, 9, 9, 9])
        #expect(b.snapshot().panic == false)
    }

    @Test("when live traffic takes every server down the pool panics and balances over the primaries again")
    func panicWhenTrafficEmptiesThePool() {
        let b = balancer { $0.maxFails = 1 }
        for member in b.allMembers { b.observed(member, succeeded: false, detail: "refused", now: 0) }
        #expect(b.snapshot().panic == true)
        #expect(Set(picks(b, 6)) == [1, 2, 3])
        // One good answer ends the panic; that server takes the traffic while the others stay down.
        b.observed(b.primaries[1], succeeded: true, detail: "", now: 1)
        #expect(b.snapshot().panic == false)
        #expect(picks(b, 3) == [2, 2, 2])
    }

    @Test("servers the health check took down are never picked, panic or not")
    func healthCheckDownIsFinal() {
        let b = balancer { $0.maxFails = 1 }
        for member in b.allMembers { b.probed(member, succeeded: false, detail: "probe failed", now: 0) }
        #expect(b.snapshot().panic == false)
        let loop = LoopUpstreamState(eventLoop: EmbeddedEventLoop())
        #expect(b.pick(key: "k", client: "c", excluding: [], loop: loop, now: 100) == nil)
        b.observed(b.primaries[0], succeeded: false, detail: "refused", now: 0)
        #expect(b.pick(key: "k", client: "c", excluding: [], loop: loop, now: 100) == nil)
    }

    @Test("a pool of one server is never taken down by live traffic")
    func poolOfOne() {
        let b = PoolBalancer(name: "one", primaries: [servers[0]], resilience: PoolResilience(), metrics: EdgeMetrics(), logger: Logger(label: "test"))
        for _ in 0..<10 { b.observed(b.primaries[0], succeeded: false, detail: "refused", now: 0) }
        #expect(b.snapshot().servers.first?.state == "up")
    }

    @Test("after fail_timeout a down server gets one half-open trial; success brings it back")
    func halfOpenTrial() {
        let b = balancer {
            $0.maxFails = 1
            $0.failTimeout = .seconds(10)
        }
        b.observed(b.primaries[0], succeeded: false, detail: "refused", now: 0)
        let loop = LoopUpstreamState(eventLoop: EmbeddedEventLoop())
        for _ in 0..<6 { #expect(b.pick(key: "k", client: "c", excluding: [], loop: loop, now: 5)?.server != servers[0]) }
        let trial = b.pick(key: "k", client: "c", excluding: [], loop: loop, now: 10)
        #expect(trial?.server == servers[0])
        #expect(b.pick(key: "k", client: "c", excluding: [], loop: loop, now: 10)?.server != servers[0])
        if let trial {
            b.observed(trial, succeeded: true, detail: "", now: 11)
            #expect(b.snapshot().servers.first { $0.server == trial.server.description }?.state == "up")
        }
    }

    @Test("least connections prefers the server with fewest requests in flight")
    func leastConnections() {
        let b = balancer { $0.balancing = .leastConnections }
        b.primaries[0].inFlight.store(5, ordering: .relaxed)
        b.primaries[2].inFlight.store(5, ordering: .relaxed)
        #expect(picks(b, 3) == [2, 2, 2])
    }

    @Test("consistent hashing sends a cache key to the same server every time, and elsewhere only when it is down")
    func consistentHash() {
        let b = balancer {
            $0.balancing = .consistentHash
            $0.maxFails = 1
        }
        let first = picks(b, 50, key: { "/object/\($0 % 5)" })
        #expect(first == picks(b, 50, key: { "/object/\($0 % 5)" }))
        #expect(Set(first).count > 1)
        let down = b.primaries.first { $0.server.port == first[0] }!
        b.observed(down, succeeded: false, detail: "refused", now: 0)
        let after = picks(b, 50, key: { "/object/\($0 % 5)" })
        for (before, now) in zip(first, after) where before != down.server.port {
            #expect(before == now)
        }
        #expect(!after.contains(down.server.port))
    }

    @Test("ip hash keeps a client on one server")
    func ipHash() {
        let b = balancer { $0.balancing = .ipHash }
        #expect(Set(picks(b, 20)).count == 1)
    }

    @Test("excluded servers (already tried) are skipped")
    func excluding() {
        let b = balancer()
        #expect(!picks(b, 6, excluding: [servers[0]]).contains(1))
    }

    @Test("the concurrency cap admits at most max_concurrent_requests at once")
    func cap() {
        let b = balancer { $0.maxConcurrentRequests = 2 }
        #expect(b.tryAdmit())
        #expect(b.tryAdmit())
        #expect(!b.tryAdmit())
        b.releaseAdmission()
        #expect(b.tryAdmit())
    }

    @Test("the retry budget refuses retries once spent")
    func retryBudget() {
        let b = balancer { $0.retryBudget = 0 }
        var granted = 0
        for _ in 0..<20 where b.withdrawRetry() { granted += 1 }
        #expect(granted == b.budget.reserve)
    }
}

@Suite("Health changes are logged once")
struct PoolBalancerLoggingTests {
    @Test("a server going down and coming back logs one line each, however many failures and probes")
    func loggedOnce() {
        let store = CapturingLogHandler.Store()
        var resilience = PoolResilience()
        resilience.maxFails = 2
        resilience.healthCheck = PoolResilience.HealthCheck()
        let server = OriginServer(host: "127.0.0.1", port: 1)
        let balancer = PoolBalancer(name: "p", primaries: [server], resilience: resilience, metrics: EdgeMetrics(),
                                    logger: CapturingLogHandler.logger(store))
        let member = balancer.primaries[0]
        for step in 0..<10 { balancer.observed(member, succeeded: false, detail: "refused", now: Double(step)) }
        for step in 0..<10 { balancer.probed(member, succeeded: false, detail: "timeout", now: Double(10 + step)) }
        #expect(store.count("origin server is down") == 1)
        for step in 0..<10 { balancer.probed(member, succeeded: true, detail: "", now: Double(20 + step)) }
        #expect(store.count("origin server is up") == 1)
        #expect(member.available.load(ordering: .relaxed) == true)
    }
}

@Suite("Half-open trials while other servers are up")
struct PoolBalancerTrialTests {
    @Test("a server taken down by live failures gets one trial after fail_timeout though others are up, and rejoins on success")
    func trialWhileOthersUp() {
        let servers = (1...2).map { OriginServer(host: "127.0.0.1", port: $0) }
        var resilience = PoolResilience()
        resilience.maxFails = 1
        resilience.failTimeout = .seconds(10)
        let balancer = PoolBalancer(name: "p", primaries: servers, resilience: resilience, metrics: EdgeMetrics(), logger: Logger(label: "t"))
        let loop = LoopUpstreamState(eventLoop: EmbeddedEventLoop())
        let down = balancer.primaries[0]
        balancer.observed(down, succeeded: false, detail: "refused", now: 100)
        let before = (0..<4).compactMap { _ in balancer.pick(key: "k", client: "c", excluding: [], loop: loop, now: 105)?.server.port }
        #expect(before == [2, 2, 2, 2])
        let trial = balancer.pick(key: "k", client: "c", excluding: [], loop: loop, now: 111)
        #expect(trial === down)
        // Only one trial at a time.
        #expect(balancer.pick(key: "k", client: "c", excluding: [], loop: loop, now: 111) !== down)
        balancer.observed(down, succeeded: true, detail: "", now: 112)
        let after = (0..<4).compactMap { _ in balancer.pick(key: "k", client: "c", excluding: [], loop: loop, now: 113)?.server.port }
        #expect(after.contains(1))
    }
}
