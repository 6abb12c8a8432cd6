import Foundation
import Testing

/// `edge purge` run as the real executable against `edge serve` run as the real executable.
@Suite("edge purge as a process", .serialized)
struct PurgeCommandTests {
    @Test("edge purge purges through the admin API, prints what it purged, and refuses a wrong token with exit 1")
    func purgesAndReports() async throws {
        try await withTestOrigin({ _ in .init(headers: [("Cache-Control", "max-age=600"), ("Surrogate-Key", "news")], body: "page") }) { origin in
            let adminPort = try FreePort.pick()
            let admin = "http://127.0.0.1:\(adminPort)"
            let edge = try await EdgeServeProcess.start(environment: ["EDGE_ADMIN_TOKEN": "s3cret"]) { port in
                ["serve", "--listen", "127.0.0.1:\(port)", "--origin", origin.url, "--admin", "127.0.0.1:\(adminPort)"]
            }
            _ = try await edge.process.waitForStdoutLine { $0 == "edge: admin API on \(admin)" }
            for path in ["/a", "/b", "/news/1"] { _ = try await edge.get(path) }

            let url = try await EdgeProcess.run(["purge", "http://test.example/a", "--admin", admin, "--token", "s3cret"])
            #expect(url.exitCode == 0, "\(url)")
            #expect(url.stdout == "\(admin): purged 1 entry\n")
            #expect(try await edge.get("/a").header("cache-status")?.hasPrefix("edge; hit") == false)
            #expect(try await edge.get("/b").header("cache-status")?.hasPrefix("edge; hit") == true)

            let tag = try await EdgeProcess.run(["purge", "--tag", "news", "--soft", "--admin", admin], environment: ["EDGE_ADMIN_TOKEN": "s3cret"])
            #expect(tag.exitCode == 0, "\(tag)")
            #expect(tag.stdout.contains("marked stale 3 entries"), "every response carries the tag: \(tag)")

            // Revalidated after the soft purge, stored fresh again.
            #expect(try await edge.get("/b").header("cache-status")?.hasPrefix("edge; fwd=stale") == true)
            let wrong = try await EdgeProcess.run(["purge", "--all", "--admin", admin, "--token", "nope"])
            #expect(wrong.exitCode == 1)
            #expect(wrong.stderr.contains("401"), "\(wrong)")
            #expect(!wrong.stderr.contains("nope"), "the token is not echoed")
            #expect(try await edge.get("/b").header("cache-status")?.hasPrefix("edge; hit") == true, "a refused purge changes nothing")

            let bad = try await EdgeProcess.run(["purge", "not-a-url", "--admin", admin, "--token", "s3cret"])
            #expect(bad.exitCode == 1)
            #expect(bad.stderr.contains("urls[0]"), "\(bad)")
            edge.process.send(SIGTERM)
            _ = try await edge.process.waitForExit()
        }
    }

    @Test("edge purge without a target, or with an unreachable admin API, exits non-zero with one line")
    func failures() async throws {
        let nothing = try await EdgeProcess.run(["purge"])
        #expect(nothing.exitCode != 0)
        #expect(nothing.stderr.contains("nothing to purge"), "\(nothing)")
        let closed = try FreePort.pick()
        let unreachable = try await EdgeProcess.run(["purge", "--all", "--admin", "http://127.0.0.1:\(closed)", "--timeout", "3"])
        #expect(unreachable.exitCode == 1)
        #expect(unreachable.stderr.contains("cannot reach the admin API"), "\(unreachable)")
    }

    @Test("edge serve refuses a non-loopback admin address without a token, with one line and exit 1")
    func refusesOpenAdmin() async throws {
        try await withTestOrigin({ _ in .init(body: "x") }) { origin in
            let port = try FreePort.pick()
            let outcome = try await EdgeProcess.run(["serve", "--listen", "127.0.0.1:\(port)", "--origin", origin.url, "--admin", "0.0.0.0:\(try FreePort.pick())"])
            #expect(outcome.exitCode == 1)
            #expect(outcome.stderr.contains("refusing to open the admin API on 0.0.0.0"), "\(outcome)")
            #expect(outcome.stderr.contains("EDGE_ADMIN_TOKEN"))
        }
    }
}
