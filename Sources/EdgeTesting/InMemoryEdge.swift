import EdgeCore
import EdgeServer
import Logging
import NIOCore
import NIOEmbedded

/// An Edge node driven in memory: each client connection is an `EmbeddedChannel` set up with the
/// node's real HTTP/1.1 pipeline (shortcut, parser, request guard, `ProxyHandler` and its phases),
/// so the phases up to the upstream run without a socket or a thread. Responses are whatever the
/// pipeline wrote, as bytes. The cache is filled with `store`; requests that must reach an origin
/// need the socket-based harness instead.
public final class InMemoryEdge {
    public let server: EdgeServer

    /// A node with `configuration`'s sites and settings; nothing is bound.
    public init(configuration: EdgeServer.Configuration, accessLog: AccessLog? = nil) throws {
        let log = try accessLog ?? AccessLog(destination: "off", format: .combined)
        server = EdgeServer(configuration: configuration, accessLog: log, logger: .init(label: "edge-in-memory"))
    }

    /// Puts `response` in the cache under `url` (`http://host/path`), ready for hits as a fill leaves it.
    @discardableResult
    public func store(_ response: CachedResponse, url: String) -> Bool {
        server.store(response, url: url)
    }

    /// Stops the node's event loops.
    public func stop() async {
        await server.drainAndStop()
    }

    /// Runs `body` with a new client connection, which is closed and let go before this returns.
    ///
    /// The connection lives on an `EmbeddedEventLoop`, which may only be used (and freed) on the
    /// thread that made it; a connection held across an `await` would be freed on another thread.
    /// Scoping it to this synchronous call keeps all of it on the caller's thread.
    public func withConnection<Result>(_ body: (Connection) throws -> Result) throws -> Result {
        let connection = try Connection(server: server)
        defer { connection.close() }
        return try body(connection)
    }

    /// One client connection: bytes in, bytes out.
    public final class Connection {
        public let channel: EmbeddedChannel

        init(server: EdgeServer) throws {
            channel = EmbeddedChannel()
            try server.configureInMemoryConnection(channel)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).wait()
        }

        /// Sends `raw` as the client's bytes and returns everything the node wrote back by the time
        /// the event loop ran out of work.
        public func send(_ raw: String) throws -> String {
            try channel.writeInbound(channel.allocator.buffer(string: raw))
            channel.embeddedEventLoop.run()
            var out = ""
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
                out += String(buffer: buffer)
            }
            return out
        }

        /// Whether the node closed the connection.
        public var isClosed: Bool { !channel.isActive }

        /// Closes the client's side and runs what that leaves for the event loop.
        func close() {
            if channel.isActive {
                _ = channel.close()
            }
            channel.embeddedEventLoop.run()
        }
    }
}
