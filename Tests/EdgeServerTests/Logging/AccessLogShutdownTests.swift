import Foundation
import NIOCore
import Logging
import Testing
@testable import EdgeServer
#if canImport(Glibc)
import Glibc
#endif

/// Access-log lines are buffered; `drainAndStop` writes them all, including those of requests it
/// cut at the drain timeout.
@Suite("Access-log lines are all written by the end of drainAndStop", .serialized)
struct AccessLogShutdownTests {
    @Test("a finished request and one cut at the drain timeout are both in the access log after drainAndStop")
    func accessLogLinesSurviveShutdown() async throws {
        let directory = try TemporaryDirectory()
        let logPath = directory.path("access.log")
        let origin = try await ScriptedOrigin(.silent)
        let other = try await TestOrigin { _ in .init(body: "ok") }
        var configuration = EdgeServer.Configuration(
            listen: [("127.0.0.1", 0)], eventLoops: 2,
            sites: [
                EdgeServer.SiteRoute(hosts: ["silent.example"], poolName: "silent", servers: [OriginServer(host: "127.0.0.1", port: origin.port)]),
                EdgeServer.SiteRoute(hosts: ["*"], poolName: "ok", servers: [OriginServer(host: "127.0.0.1", port: other.port)]),
            ])
        configuration.settings.timeouts.drain = .milliseconds(300)
        var logger = Logger(label: "edge-test")
        logger.logLevel = .critical
        let server = EdgeServer(configuration: configuration, accessLog: try AccessLog(destination: logPath, format: .combined), logger: logger)
        let port = try await server.start().first?.port ?? 0
        let stuck = try RawHTTPConnection(port: port, timeoutSeconds: 5)
        try stuck.send(EdgeHarness.request(path: "/stuck", host: "silent.example"))
        let done = try await onThread { () -> Int in
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 5)
            try connection.send(EdgeHarness.request(path: "/done"))
            return try connection.readResponse().status
        }
        #expect(done == 200)
        try await Task.sleep(nanoseconds: 100_000_000)
        await server.drainAndStop()
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        #expect(log.contains("/done HTTP/1.1\" 200"), "log: \(log)")
        #expect(log.contains("/stuck HTTP/1.1\" 499"), "log: \(log)")
        withExtendedLifetime(stuck) {}
        await origin.stop()
        await other.stop()
    }
}
