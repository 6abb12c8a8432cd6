import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import EdgeServer
#if canImport(Glibc)
import Glibc
#endif

/// Two sockets on one address, as the old and the new node's listeners are during an upgrade.
@Suite("Listening sockets shared by an old and a new node")
struct SharedListeningPortTests {
    final class Tally: Sendable {
        let count = Atomic<Int>(0)
        var value: Int { count.load(ordering: .relaxed) }
    }

    /// A listener with `SO_REUSEPORT` on `port` (0: any) that counts the connections it accepts.
    static func listener(_ group: EventLoopGroup, port: Int, accepted: Tally) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(SharedListeningPort.option, value: 1)
            .childChannelInitializer { channel in
                accepted.count.wrappingAdd(1, ordering: .relaxed)
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: port).get()
    }

    @Test("once the newer socket asks for it, every new connection goes to it and none to the older one; closing the older one leaves the newer one taking all")
    func newConnectionsGoToTheNewestSocket() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let oldCount = Tally()
        let newCount = Tally()
        let old = try await Self.listener(group, port: 0, accepted: oldCount)
        guard let port = old.localAddress?.port else {
            Issue.record("the first listener has no port")
            return
        }
        #expect(throws: (any Error).self, "a plain bind checks the address is free first") {
            try SharedListeningPort.checkUnclaimed(host: "127.0.0.1", port: port)
        }
        let new = try await Self.listener(group, port: port, accepted: newCount)
        #expect(await SharedListeningPort.steerToNewest(new))

        let connections = 40
        for _ in 0..<connections {
            close(try LoopbackSocket.connect(port: port, timeoutSeconds: 5))
        }
        #expect(await eventually { newCount.value == connections })
        #expect(oldCount.value == 0)

        try await old.close()
        for _ in 0..<10 {
            close(try LoopbackSocket.connect(port: port, timeoutSeconds: 5))
        }
        #expect(await eventually { newCount.value == connections + 10 })
        try await new.close()
        try await group.shutdownGracefully()
    }
}
