import EdgeCore
import NIOCore
import NIOPosix
import Testing
@testable import EdgeServer

@Suite("Request coalescer")
struct RequestCoalescerTests {
    @Test("the first request for a key leads and later ones follow until the leader finishes")
    func leaderAndFollowers() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let coalescer = RequestCoalescer()
        let key = CacheKey(host: "a", target: "/x")
        guard case .leader(let leadership) = coalescer.join(key, on: loop) else {
            Issue.record("first join did not lead")
            return
        }
        guard case .follower(let first) = coalescer.join(key, on: loop),
              case .follower(let second) = coalescer.join(key, on: loop) else {
            Issue.record("later joins did not follow")
            return
        }
        guard case .leader = coalescer.join(CacheKey(host: "a", target: "/other"), on: loop) else {
            Issue.record("another key did not get its own leader")
            return
        }
        leadership.finish(.stored)
        #expect(try first.wait() == .stored)
        #expect(try second.wait() == .stored)
        guard case .leader = coalescer.join(key, on: loop) else {
            Issue.record("after finishing, the key did not get a new leader")
            return
        }
    }

    @Test("a leader dropped without finishing releases its followers as failed")
    func droppedLeader() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let coalescer = RequestCoalescer()
        let key = CacheKey(host: "a", target: "/x")
        var follower: EventLoopFuture<RequestCoalescer.Outcome>?
        do {
            let role = coalescer.join(key, on: loop)
            if case .follower(let future) = coalescer.join(key, on: loop) {
                follower = future
            }
            _ = role
        }
        #expect(try follower?.wait() == .failed)
    }
}

@Suite("Request coalescer: hit-for-miss")
struct RequestCoalescerHitForMissTests {
    @Test("after a not-storable outcome the key is bypassed, until a stored response clears the mark")
    func notStorableIsBypassed() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let coalescer = RequestCoalescer()
        let key = CacheKey(host: "a", target: "/private")
        guard case .leader(let leadership) = coalescer.join(key, on: loop) else {
            Issue.record("first join did not lead")
            return
        }
        leadership.finish(.notStorable)
        guard case .bypass = coalescer.join(key, on: loop) else {
            Issue.record("a key just found uncacheable was not bypassed")
            return
        }
        coalescer.markStored(key)
        guard case .leader = coalescer.join(key, on: loop) else {
            Issue.record("a stored key did not coalesce again")
            return
        }
    }

    @Test("the mark expires, and a failed fetch leaves no mark")
    func markExpiresAndFailureLeavesNone() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let coalescer = RequestCoalescer(uncacheableMemory: .zero)
        let key = CacheKey(host: "a", target: "/x")
        if case .leader(let leadership) = coalescer.join(key, on: loop) { leadership.finish(.notStorable) }
        guard case .leader(let second) = coalescer.join(key, on: loop) else {
            Issue.record("an expired mark still bypassed")
            return
        }
        second.finish(.failed)
        guard case .leader = coalescer.join(key, on: loop) else {
            Issue.record("a failed fetch left a mark")
            return
        }
    }
}
