import EdgeCore

extension PoolBalancer {
    /// Whether a reloaded pool of `servers` and `resilience` is this one unchanged, so that it can keep
    /// this balancer whole (health, requests in flight, retry budget, concurrency slots).
    func isSame(servers: [OriginServer], resilience: PoolResilience) -> Bool {
        let backupSet = Set(resilience.backups)
        return self.resilience == resilience && primaries.map(\.server) == servers.filter { !backupSet.contains($0) }
    }

    /// Takes over the health of every server `previous` also had: a reload that changes a pool neither
    /// brings its down servers back nor forgets their failures. Servers new to the pool start up.
    func takeOverHealth(from previous: PoolBalancer) {
        var before: [OriginServer: Member] = [:]
        for member in previous.allMembers {
            before[member.server] = member
        }
        for member in allMembers {
            guard let old = before[member.server] else { continue }
            let health = old.health.withLock { $0 }
            let carried = health.carried(to: member.health.withLock { $0.settings })
            member.health.withLock { $0 = carried }
            member.available.store(carried.takesTraffic, ordering: .relaxed)
            member.downByHealthCheck.store(carried.downCause == .healthCheck, ordering: .relaxed)
            member.hasFailures.store(carried.liveFailures > 0, ordering: .relaxed)
            member.trialAfter.store(old.trialAfter.load(ordering: .relaxed), ordering: .relaxed)
            member.upGauge.record(carried.takesTraffic ? 1 : 0)
        }
    }
}
