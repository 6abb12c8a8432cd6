import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `edge serve` with `[cache.disk]`, killed with SIGKILL and started again on the same directory.
@Suite("edge serve with a disk tier, killed and restarted", .serialized)
struct DiskTierProcessTests {
    static func config(_ directory: TemporaryDirectory, port: Int, admin: Int, origin: String) throws -> String {
        try directory.write("edge.conf", """
            [server]
            listen = ["127.0.0.1:\(port)"]
            [admin]
            listen = "127.0.0.1:\(admin)"
            [cache]
            memory_size = "64MiB"
            [cache.disk]
            path = "\(directory.path("cache"))"
            size = "256MiB"
            max_object_size = "8MiB"
            \(EdgeConfText.originSite(origin))
            """)
    }

    /// One request to the admin listener on `port`.
    static func admin(_ port: Int, _ path: String, method: String = "GET", body: String? = nil) throws -> RawHTTPConnection.Response {
        let connection = try RawHTTPConnection(port: port)
        try connection.send(EdgeHarness.request(method: method, path: path, headers: body == nil ? [] : [("Content-Type", "application/json")], host: "127.0.0.1", body: body))
        return try connection.readResponse()
    }

    @Test("after kill -9, stored objects are hits again and an object purged just before the kill stays gone")
    func killAndRestart() async throws {
        let directory = try TemporaryDirectory()
        try await withTestOrigin({ request in
            TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: "origin's \(request.uri)")
        }) { origin in
            // Picked again on each attempt: a port another test took meanwhile must not fail all three.
            var adminPort = 0
            let first = try await EdgeServeProcess.start { port in
                adminPort = try FreePort.pick()
                return ["serve", "--config", try Self.config(directory, port: port, admin: adminPort, origin: origin.url), "--admin", "127.0.0.1:\(adminPort)"]
            }
            for path in ["/kept", "/purged"] { #expect(try await first.get(path).status == 200) }
            #expect(await eventually { (try? Self.admin(adminPort, "/stats").text.contains("\"writes\":2")) == true })
            let purge = try Self.admin(adminPort, "/purge", method: "POST", body: #"{"urls":["http://test.example/purged"]}"#)
            #expect(purge.status == 200)
            first.process.send(SIGKILL)
            _ = try await first.process.waitForExit()

            let second = try await EdgeServeProcess.start { port in
                let admin = try FreePort.pick()
                return ["serve", "--config", try Self.config(directory, port: port, admin: admin, origin: origin.url), "--admin", "127.0.0.1:\(admin)"]
            }
            let kept = try await second.get("/kept")
            #expect(kept.text == "origin's /kept")
            #expect(kept.header("cache-status")?.hasPrefix("edge; hit") == true)
            let purged = try await second.get("/purged")
            #expect(purged.header("cache-status")?.contains("fwd=") == true, "a purged object came back after kill -9")
            #expect(origin.requestCount == 3)
            second.process.send(SIGKILL)
            _ = try await second.process.waitForExit()
        }
    }
}
