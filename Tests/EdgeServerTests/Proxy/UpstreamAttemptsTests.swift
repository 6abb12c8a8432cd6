import EdgeCore
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import EdgeServer

@Suite("Retry rules of an origin fetch's attempts")
struct UpstreamAttemptsTests {
    let servers = (1...3).map { OriginServer(host: "127.0.0.1", port: $0) }

    func attempts(timeout: TimeAmount = .seconds(30), _ configure: (inout PoolResilience) -> Void = { _ in }) -> UpstreamAttempts {
        var resilience = PoolResilience()
        resilience.retries = 2
        configure(&resilience)
        let balancer = PoolBalancer(name: "p", primaries: servers, resilience: resilience, metrics: EdgeMetrics(), logger: Logger(label: "test"))
        return UpstreamAttempts(balancer: balancer, loop: LoopUpstreamState(eventLoop: EmbeddedEventLoop()), loopCount: 1, requestTimeout: timeout)
    }

    @Test("GET, HEAD and OPTIONS are retried; PUT and DELETE only with retry_on_unsafe; POST never")
    func methods() {
        for method in [HTTPMethod.GET, .HEAD, .OPTIONS] {
            #expect(attempts().mayRetry(method: method, bodyResendable: true, excluding: [servers[0]]))
        }
        for method in [HTTPMethod.PUT, .DELETE, .POST, .PATCH] {
            #expect(!attempts().mayRetry(method: method, bodyResendable: true, excluding: [servers[0]]))
        }
        for method in [HTTPMethod.PUT, .DELETE] {
            #expect(attempts { $0.retryOnUnsafe = true }.mayRetry(method: method, bodyResendable: true, excluding: [servers[0]]))
        }
        #expect(!attempts { $0.retryOnUnsafe = true }.mayRetry(method: .POST, bodyResendable: true, excluding: [servers[0]]))
    }

    @Test("a request whose body has partly gone out is never retried")
    func partlySentBody() {
        #expect(!attempts { $0.retryOnUnsafe = true }.mayRetry(method: .PUT, bodyResendable: false, excluding: [servers[0]]))
    }

    @Test("at most `retries` retries, and none once every server was tried")
    func limits() {
        let a = attempts()
        #expect(a.mayRetry(method: .GET, bodyResendable: true, excluding: [servers[0]]))
        #expect(a.mayRetry(method: .GET, bodyResendable: true, excluding: [servers[0], servers[1]]))
        #expect(!a.mayRetry(method: .GET, bodyResendable: true, excluding: [servers[0], servers[1]]))
        #expect(!attempts().mayRetry(method: .GET, bodyResendable: true, excluding: servers))
    }

    @Test("no retry after the request's deadline")
    func deadline() {
        #expect(!attempts(timeout: .zero).mayRetry(method: .GET, bodyResendable: true, excluding: [servers[0]]))
    }

    @Test("no retry once the pool's retry budget is spent")
    func budget() {
        let a = attempts { $0.retryBudget = 0 }
        for _ in 0..<a.balancer.budget.reserve { _ = a.balancer.withdrawRetry() }
        #expect(!a.mayRetry(method: .GET, bodyResendable: true, excluding: [servers[0]]))
    }

    @Test("a chosen server counts in flight until its attempt ends, and a failure there is passive evidence")
    func inFlightAndPassive() {
        let a = attempts { $0.maxFails = 1 }
        let server = a.choose(key: "k", client: "c", excluding: [])
        let member = a.balancer.primaries.first { $0.server == server }
        #expect(member?.inFlight.load(ordering: .relaxed) == 1)
        a.endAttempt(.unhealthy("refused"))
        #expect(member?.inFlight.load(ordering: .relaxed) == 0)
        #expect(member?.available.load(ordering: .relaxed) == false)
    }
}
