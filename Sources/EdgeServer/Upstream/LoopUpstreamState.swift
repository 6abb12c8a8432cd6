import EdgeCore
import NIOCore

/// What one event loop keeps for balancing: its own smooth-round-robin scores (so picking needs no
/// lock), a tie-break counter for least connections, and the requests waiting for a pool slot.
final class LoopUpstreamState {
    private struct RoundRobinKey: Hashable {
        var pool: String
        var backup: Bool
    }

    private final class Waiter {
        let balancer: PoolBalancer
        let deadline: NIODeadline
        var completion: ((Bool) -> Void)?

        init(balancer: PoolBalancer, deadline: NIODeadline, completion: @escaping (Bool) -> Void) {
            self.balancer = balancer
            self.deadline = deadline
            self.completion = completion
        }
    }

    private let eventLoop: EventLoop
    private var roundRobin: [RoundRobinKey: SmoothWeightedRoundRobin] = [:]
    private var tieBreak = 0
    private var waiters = CircularBuffer<Waiter>()
    private var waitingPerPool: [String: Int] = [:]
    private var pollTimer: Scheduled<Void>?
    /// Slots freed on other loops are not announced here; while requests wait, the queue is
    /// polled this often (and on every release on this loop).
    static let pollInterval: TimeAmount = .milliseconds(5)

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    func nextRoundRobin(pool: String, backup: Bool, weights: [Int], eligible: (Int) -> Bool) -> Int? {
        let key = RoundRobinKey(pool: pool, backup: backup)
        var state = roundRobin[key] ?? SmoothWeightedRoundRobin(weights: weights)
        if state.weights.count != weights.count { state = SmoothWeightedRoundRobin(weights: weights) }
        let pick = state.next(eligible: eligible)
        roundRobin[key] = state
        return pick
    }

    func nextTieBreak() -> Int {
        tieBreak &+= 1
        return tieBreak & Int.max
    }

    /// Calls `completion(true)` once a concurrency slot of `balancer`'s pool is taken for this
    /// request, or `completion(false)` when the queue is full or the wait times out.
    func admit(_ balancer: PoolBalancer, loopCount: Int, _ completion: @escaping (Bool) -> Void) {
        let resilience = balancer.resilience
        if waitingPerPool[balancer.name, default: 0] == 0, balancer.tryAdmit() {
            completion(true)
            return
        }
        // Each loop holds its share of the pool's queue.
        let share = resilience.queueSize == 0 ? 0 : max(1, resilience.queueSize / max(1, loopCount))
        guard waitingPerPool[balancer.name, default: 0] < share, resilience.queueTimeout.nanoseconds > 0 else {
            balancer.countOverloaded()
            completion(false)
            return
        }
        waitingPerPool[balancer.name, default: 0] += 1
        waiters.append(Waiter(balancer: balancer, deadline: .now() + resilience.queueTimeout, completion: completion))
        schedulePoll()
    }

    /// A slot may have come free: admit waiters in order, and expire those that waited too long.
    func serviceQueue() {
        guard !waiters.isEmpty else { return }
        let now = NIODeadline.now()
        var remaining = CircularBuffer<Waiter>()
        var blocked = Set<String>()
        while let waiter = waiters.popFirst() {
            let name = waiter.balancer.name
            if !blocked.contains(name), waiter.balancer.tryAdmit() {
                finish(waiter, admitted: true)
            } else if waiter.deadline <= now {
                waiter.balancer.countOverloaded()
                finish(waiter, admitted: false)
            } else {
                // Keep first-come order within a pool.
                blocked.insert(name)
                remaining.append(waiter)
            }
        }
        waiters = remaining
        if !waiters.isEmpty { schedulePoll() }
    }

    private func finish(_ waiter: Waiter, admitted: Bool) {
        waitingPerPool[waiter.balancer.name, default: 1] -= 1
        let completion = waiter.completion
        waiter.completion = nil
        completion?(admitted)
    }

    private func schedulePoll() {
        guard pollTimer == nil else { return }
        pollTimer = eventLoop.assumeIsolated().scheduleTask(in: Self.pollInterval) { [weak self] in
            guard let self else { return }
            self.pollTimer = nil
            self.serviceQueue()
        }
    }
}
