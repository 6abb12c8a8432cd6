import EdgeCore
import NIOCore
import NIOHTTP1

/// The attempts of one origin fetch within its pool: the concurrency slot it holds, the server each
/// attempt went to (counted in flight for least connections), what live traffic says about that
/// server's health, and whether a failed attempt may be retried on another server.
///
/// Lives on the fetch's event loop. Whatever it still holds when the fetch goes away is given back
/// in `deinit`, so no path can leak a slot or an in-flight count.
final class UpstreamAttempts {
    let balancer: PoolBalancer
    private let loop: LoopUpstreamState
    private let loopCount: Int
    private let deadline: NIODeadline
    private var member: PoolBalancer.Member?
    private var holdsSlot = false
    private(set) var retries = 0

    init(balancer: PoolBalancer, loop: LoopUpstreamState, loopCount: Int, requestTimeout: TimeAmount) {
        self.balancer = balancer
        self.loop = loop
        self.loopCount = loopCount
        self.deadline = .now() + requestTimeout
    }

    deinit {
        member?.inFlight.wrappingSubtract(1, ordering: .relaxed)
        if holdsSlot { balancer.releaseAdmission() }
    }

    /// Takes a concurrency slot (waiting in the pool's short queue if need be); false when overloaded.
    func admit(_ completion: @escaping (Bool) -> Void) {
        balancer.depositRequest()
        let balancer = self.balancer
        loop.admit(balancer, loopCount: loopCount) { [weak self] admitted in
            guard let self else {
                // The fetch went away while queued: hand the slot straight back.
                if admitted { balancer.releaseAdmission() }
                return
            }
            if admitted { self.holdsSlot = true }
            completion(admitted)
        }
    }

    /// The server for the next attempt, or nil when none is up (backups included).
    func choose(key: String, client: String, excluding: [OriginServer]) -> OriginServer? {
        endAttempt(.none)
        guard let next = balancer.pick(key: key, client: client, excluding: excluding, loop: loop, now: ProxyServices.now()) else {
            return nil
        }
        next.inFlight.wrappingAdd(1, ordering: .relaxed)
        member = next
        return next.server
    }

    /// The current attempt is over; `evidence` feeds the server's passive health check.
    func endAttempt(_ evidence: PassiveEvidence) {
        guard let member else { return }
        self.member = nil
        member.inFlight.wrappingSubtract(1, ordering: .relaxed)
        switch evidence {
        case .healthy: balancer.observed(member, succeeded: true, detail: "", now: ProxyServices.now())
        case .unhealthy(let detail): balancer.observed(member, succeeded: false, detail: detail, now: ProxyServices.now())
        case .none: break
        }
    }

    /// What an attempt that ended with `outcome` says about its server, under the pool's `fail_status`.
    func evidence(_ outcome: PassiveEvidence.Outcome, body: PassiveEvidence.RequestBody, detail: String) -> PassiveEvidence {
        PassiveEvidence.of(outcome, body: body, failStatus: balancer.resilience.failStatus, detail: detail)
    }

    /// The fetch is over: the slot goes to the next request waiting on this loop.
    func finish() {
        endAttempt(.none)
        guard holdsSlot else { return }
        holdsSlot = false
        balancer.releaseAdmission()
        loop.serviceQueue()
    }

    /// Whether a failed attempt may go to another server: an idempotent method (PUT and DELETE only
    /// with `retry_on_unsafe`), no request body partly sent, retries left, time left before the
    /// request's deadline, another server to try, and the pool's retry budget able to pay.
    func mayRetry(method: HTTPMethod, bodyResendable: Bool, excluding: [OriginServer]) -> Bool {
        let resilience = balancer.resilience
        guard retries < resilience.retries, bodyResendable, NIODeadline.now() < deadline else { return false }
        switch method {
        case .GET, .HEAD, .OPTIONS: break
        case .PUT, .DELETE: guard resilience.retryOnUnsafe else { return false }
        default: return false
        }
        guard balancer.hasCandidate(excluding: excluding), balancer.withdrawRetry() else { return false }
        retries += 1
        return true
    }

    /// Statuses after which an idempotent request is tried on another server.
    static func isRetryableStatus(_ status: Int) -> Bool {
        status == 502 || status == 503 || status == 504
    }
}
