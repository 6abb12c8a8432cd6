import EdgeCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A pool's active health check: every `interval`, a `GET path` on a fresh connection to each
/// server (backups too); a response head with an expected status within `timeout` is a success.
/// Results go to the pool's `PoolBalancer`, which logs each change of state once.
final class HealthChecker: Sendable {
    let balancer: PoolBalancer
    private let check: PoolResilience.HealthCheck
    private let eventLoop: EventLoop
    private let tasks = Mutex<[RepeatedTask]>([])

    init(balancer: PoolBalancer, check: PoolResilience.HealthCheck, eventLoop: EventLoop) {
        self.balancer = balancer
        self.check = check
        self.eventLoop = eventLoop
    }

    func start() {
        var started: [RepeatedTask] = []
        for member in balancer.allMembers where !check.exempt.contains(member.server) {
            let task = eventLoop.scheduleRepeatedAsyncTask(initialDelay: .zero, delay: check.interval) { [self] _ in
                probe(member)
            }
            started.append(task)
        }
        tasks.withLock { $0 = started }
    }

    func stop() {
        let running = tasks.withLock { tasks in
            defer { tasks.removeAll() }
            return tasks
        }
        for task in running { task.cancel() }
    }

    /// One check of one server; the future completes when the result is recorded.
    private func probe(_ member: PoolBalancer.Member) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Int.self)
        let server = member.server
        let check = self.check
        let timeout = eventLoop.scheduleTask(in: check.timeout) {
            promise.fail(ProbeError.timeout)
        }
        ClientBootstrap(group: eventLoop)
            .connectTimeout(check.timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ProbeHandler(promise: promise))
                }
            }
            .connect(host: server.host, port: server.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    var headers = HTTPHeaders()
                    headers.add(name: "host", value: server.description)
                    headers.add(name: "user-agent", value: "edge-health-check")
                    headers.add(name: "connection", value: "close")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: check.path, headers: headers)
                    channel.write(HTTPClientRequestPart.head(head), promise: nil)
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure(let error):
                    promise.fail(error)
                }
            }
        let balancer = self.balancer
        return promise.futureResult.map { status -> Void in
            timeout.cancel()
            let ok = check.expectedStatus.contains(status)
            balancer.probed(member, succeeded: ok, detail: ok ? "" : "health check got status \(status)", now: ProxyServices.now())
        }.flatMapErrorWithEventLoop { error, loop in
            timeout.cancel()
            let detail = error is ProbeError ? "health check timed out" : "health check could not connect (\(error))"
            balancer.probed(member, succeeded: false, detail: detail, now: ProxyServices.now())
            return loop.makeSucceededVoidFuture()
        }
    }

    private enum ProbeError: Error {
        case timeout
        case closed
    }

    /// Completes the probe's promise with the status of the response head.
    private final class ProbeHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        private let promise: EventLoopPromise<Int>

        init(promise: EventLoopPromise<Int>) {
            self.promise = promise
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let head) = unwrapInboundIn(data) {
                promise.succeed(Int(head.status.code))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ProbeError.closed)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
    }
}
