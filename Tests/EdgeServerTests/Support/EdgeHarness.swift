import EdgeCore
import Logging
import NIOCore
@testable import EdgeServer

/// A real edge server on a loopback port in front of real test origins, for end-to-end tests.
final class EdgeHarness: Sendable {
    let server: EdgeServer
    let port: Int

    /// Starts an edge in front of `origins` (one pool, every host). `configure` adjusts settings first.
    init(origins: [TestOrigin], configure: (inout EdgeServer.Configuration) -> Void = { _ in }) async throws {
        var configuration = EdgeServer.Configuration(
            listen: [("127.0.0.1", 0)],
            eventLoops: 2,
            sites: [EdgeServer.SiteRoute(hosts: ["*"], poolName: "default", servers: origins.map { OriginServer(host: "127.0.0.1", port: $0.port) })],
            cacheBytes: 64 << 20,
            maxObjectBytes: 8 << 20)
        configure(&configuration)
        var logger = Logger(label: "edge-test")
        logger.logLevel = .critical
        server = EdgeServer(configuration: configuration, accessLog: try AccessLog(destination: "off", format: .combined), logger: logger)
        let addresses = try await server.start()
        port = addresses.first?.port ?? 0
    }

    func connect(timeoutSeconds: Int = 10) throws -> RawHTTPConnection {
        try RawHTTPConnection(port: port, timeoutSeconds: timeoutSeconds)
    }

    /// One request on a fresh connection.
    func get(_ path: String, headers: [(String, String)] = [], method: String = "GET", host: String = "test.example") throws -> RawHTTPConnection.Response {
        let connection = try connect()
        try connection.send(Self.request(method: method, path: path, headers: headers, host: host))
        return try connection.readResponse(bodyExpected: method != "HEAD")
    }

    static func request(method: String = "GET", path: String, headers: [(String, String)] = [], host: String = "test.example", body: String? = nil) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\n"
        for (name, value) in headers {
            text += "\(name): \(value)\r\n"
        }
        if let body {
            text += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        } else {
            text += "\r\n"
        }
        return text
    }

    func stop() async {
        await server.drainAndStop()
    }
}

/// Runs `body` with an origin and an edge in front of it, and stops both whatever happens.
func withEdge(
    origin handler: @escaping TestOrigin.Handler = { _ in TestOrigin.Response(body: "hello") },
    configure: (inout EdgeServer.Configuration) -> Void = { _ in },
    _ body: (EdgeHarness, TestOrigin) async throws -> Void
) async throws {
    try await withEdge(in: try await TestOrigin(handler), configure: configure, body)
}

/// Runs `body` with an edge in front of `origin` (one started by the test: TLS, HTTP/2…), and
/// stops both whatever happens.
func withEdge(
    in origin: TestOrigin,
    configure: (inout EdgeServer.Configuration) -> Void = { _ in },
    _ body: (EdgeHarness, TestOrigin) async throws -> Void
) async throws {
    let edge: EdgeHarness
    do {
        edge = try await EdgeHarness(origins: [origin], configure: configure)
    } catch {
        await origin.stop()
        throw error
    }
    do {
        try await body(edge, origin)
    } catch {
        await edge.stop()
        await origin.stop()
        throw error
    }
    await edge.stop()
    await origin.stop()
}
