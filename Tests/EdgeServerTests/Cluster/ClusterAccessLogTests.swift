import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The access log names this cache as its responses do.
@Suite("A fleet node's access log")
struct ClusterAccessLogTests {
    @Test("a fleet node's access log names the cache in Cache-Status as the response does (edge-ADDRESS)")
    func accessLogNamesTheNode() async throws {
        try await withTestOrigin({ request in .init(headers: [("Cache-Control", "max-age=60")], body: "fleet \(request.uri)") }) { origin in
            let directory = try TemporaryDirectory()
            let logPath = directory.path("access.log")
            let edge = try await EdgeServeProcess.start { port in
                let config = try directory.write("edge.conf", """
                    [server]
                    listen = ["127.0.0.1:\(port)"]
                    [cluster]
                    self = "http://127.0.0.1:\(port)"
                    nodes = ["http://127.0.0.1:\(port)"]
                    [[pools]]
                    name = "default"
                    servers = [{ url = "\(origin.url)" }]
                    [logging]
                    access_log = "\(logPath)"
                    access_log_format = "json"
                    level = "warning"
                    """)
                return ["serve", "--config", config]
            }
            let miss = try await edge.get("/a")
            let hit = try await edge.get("/a")
            #expect(miss.header("cache-status")?.hasPrefix("edge-127.0.0.1; fwd=") == true, "\(miss.headers)")
            #expect(hit.header("cache-status")?.hasPrefix("edge-127.0.0.1; hit") == true, "\(hit.headers)")
            var statuses: [String] = []
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, statuses.count < 2 {
                let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                statuses = text.split(separator: "\n").compactMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["cache_status"] as? String
                }
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            #expect(statuses.count == 2, "\(statuses)")
            #expect(statuses.allSatisfy { $0.hasPrefix("edge-127.0.0.1; ") }, "\(statuses)")
            edge.process.send(SIGTERM)
            _ = try await edge.process.waitForExit()
        }
    }
}
