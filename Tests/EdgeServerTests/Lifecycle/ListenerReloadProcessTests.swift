import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Listener changes in a reload: new addresses are opened, removed ones stop accepting, and nothing
/// on an address that stays is touched. A new address that cannot be bound fails the whole reload.
@Suite("edge reload opens and closes listeners without touching the others", .serialized)
struct ListenerReloadProcessTests {
    static func conf(listen: [Int], pidFile: String, origin: String, extraSite: String? = nil) -> String {
        var text = """
            [server]
            listen = [\(listen.map { "\"127.0.0.1:\($0)\"" }.joined(separator: ", "))]
            pid_file = "\(pidFile)"
            [[pools]]
            name = "default"
            servers = [{ url = "\(origin)" }]

            """
        if let extraSite {
            text += "[[sites]]\nhosts = [\"\(extraSite)\"]\npool = \"default\"\n"
        }
        return text + "[[sites]]\nhosts = [\"test.example\"]\npool = \"default\"\n"
    }

    @Test("a listener added by a reload accepts; a removed one stops accepting and its idle connection is closed, while a connection open on an unchanged listener keeps working")
    func listenersChange() async throws {
        let directory = try TemporaryDirectory()
        try await withTestOrigin({ request in TestOrigin.Response(body: "origin \(request.uri)") }) { origin in
            let removed = try FreePort.pick()
            var configPath = ""
            let node = try await EdgeServeProcess.start { port in
                configPath = try directory.write("edge.conf", Self.conf(listen: [port, removed], pidFile: directory.path("edge.pid"), origin: origin.url))
                return ["serve", "--config", configPath]
            }
            defer { node.process.send(SIGKILL) }
            #expect(try await EdgeServeProcess.get(port: removed, "/a").status == 200)
            // A keep-alive connection on the listener the reload removes, idle when it comes.
            let draining = try StreamingHTTPClient(port: removed, timeoutSeconds: 20)
            try draining.send(EdgeHarness.request(path: "/idle"))
            let idleHead = try draining.readHead()
            #expect(try draining.readSmallBody(for: idleHead) == Array("origin /idle".utf8))
            let kept = try RawHTTPConnection(port: node.port, timeoutSeconds: 20)
            try kept.send(EdgeHarness.request(path: "/one"))
            #expect(try kept.readResponse().text == "origin /one")

            let added = try FreePort.pick()
            _ = try directory.write("edge.conf", Self.conf(listen: [node.port, added], pidFile: directory.path("edge.pid"), origin: origin.url))
            let reload = try await EdgeProcess.run(["reload", "--config", configPath])
            #expect(reload.exitCode == 0, "\(reload)")
            #expect(await eventually(within: 20) { node.process.stderrText.contains("config reloaded") }, "\(node.process.stderrText)")

            #expect(try await EdgeServeProcess.get(port: added, "/b").text == "origin /b")
            #expect(await eventually(within: 20) { FreePort.refusesConnections(removed) })
            #expect(draining.waitForClose(), "a connection of a removed listener drains: closed between requests")
            try kept.send(EdgeHarness.request(path: "/two"))
            #expect(try kept.readResponse().text == "origin /two")
            let line = node.process.stderrText.split(separator: "\n").first { $0.contains("config reloaded") } ?? ""
            #expect(line.contains("listeners_opened=http://127.0.0.1:\(added)"), "\(line)")
            #expect(line.contains("listeners_closed=http://127.0.0.1:\(removed)"), "\(line)")
            node.process.send(SIGTERM)
            _ = try await node.process.waitForExit()
        }
    }

    @Test("when a new listen address cannot be bound the reload fails as a whole: the site it also adds does not answer, and the failure names the address")
    func bindFailureChangesNothing() async throws {
        let directory = try TemporaryDirectory()
        try await withTestOrigin({ request in TestOrigin.Response(body: "origin \(request.uri)") }) { origin in
            var configPath = ""
            let node = try await EdgeServeProcess.start { port in
                configPath = try directory.write("edge.conf", Self.conf(listen: [port], pidFile: directory.path("edge.pid"), origin: origin.url))
                return ["serve", "--config", configPath]
            }
            defer { node.process.send(SIGKILL) }
            #expect(try await node.get("/", host: "extra.example").status == 421)
            // Held bound by this process, so edge cannot bind it.
            let taken = try RefusingPort()
            _ = try directory.write("edge.conf", Self.conf(
                listen: [node.port, taken.port], pidFile: directory.path("edge.pid"), origin: origin.url, extraSite: "extra.example"))
            node.process.send(SIGHUP)
            #expect(await eventually(within: 20) { node.process.stderrText.contains("config not reloaded") }, "\(node.process.stderrText)")
            let line = node.process.stderrText.split(separator: "\n").first { $0.contains("config not reloaded") } ?? ""
            #expect(line.contains("cannot listen on 127.0.0.1:\(taken.port)"), "\(line)")
            #expect(try await node.get("/", host: "extra.example").status == 421)
            #expect(try await node.get("/x").text == "origin /x")
            withExtendedLifetime(taken) {}
            node.process.send(SIGTERM)
            _ = try await node.process.waitForExit()
        }
    }
}
