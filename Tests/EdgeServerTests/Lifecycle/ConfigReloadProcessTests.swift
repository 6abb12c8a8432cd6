import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `edge reload` (SIGHUP) on the real `edge serve` process, under traffic: the whole configuration
/// changes, no request fails, and a file that cannot be used changes nothing.
@Suite("edge reload applies a whole new configuration under load, and a broken one changes nothing", .serialized)
struct ConfigReloadProcessTests {
    /// What the pool's origins answer: `/hot` a fresh hit, `/miss/…` never stored, `/ttl/…` only
    /// heuristically fresh (Last-Modified ten days ago), anything else says who answered.
    static func origin(_ name: String) -> TestOrigin.Handler {
        { request in
            if request.uri == "/hot" {
                return TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: "hot")
            }
            if request.uri.hasPrefix("/ttl/") {
                return TestOrigin.Response(headers: [("Last-Modified", httpDate(offset: -864_000))], body: "ttl \(request.uri)")
            }
            return TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "\(name) \(request.uri)")
        }
    }

    struct Conf {
        var listen: [Int]
        var pidFile: String
        var heuristicMax = "0s"
        var servers: [String]
        var slow: String?
        var fresh: String?

        var text: String {
            var text = """
                [server]
                listen = [\(listen.map { "\"127.0.0.1:\($0)\"" }.joined(separator: ", "))]
                pid_file = "\(pidFile)"
                [cache]
                heuristic_max = "\(heuristicMax)"
                [[pools]]
                name = "default"
                servers = [\(servers.map { "{ url = \"\($0)\" }" }.joined(separator: ", "))]

                """
            if let slow {
                text += "[[pools]]\nname = \"slow\"\nservers = [{ url = \"\(slow)\" }]\n[[sites]]\nhosts = [\"slow.example\"]\npool = \"slow\"\n"
            }
            if let fresh {
                text += "[[pools]]\nname = \"fresh\"\nservers = [{ url = \"\(fresh)\" }]\n[[sites]]\nhosts = [\"new.example\"]\npool = \"fresh\"\n"
            }
            return text + "[[sites]]\nhosts = [\"*\"]\npool = \"default\"\n"
        }
    }

    static func metric(_ admin: Int, _ line: String) async throws -> Bool {
        try await EdgeServeProcess.get(port: admin, "/metrics").text.contains(line)
    }

    @Test("under steady load, a reload that adds a site, removes a pool server and changes a TTL rule fails no request, a download in flight completes with the right bytes, and later requests (on open keep-alive connections too) follow the new file")
    func reloadUnderLoad() async throws {
        let directory = try TemporaryDirectory()
        let a = try await TestOrigin(Self.origin("a"))
        let b = try await TestOrigin(Self.origin("b"))
        let fresh = try await TestOrigin(Self.origin("fresh"))
        let slow = try GatedOrigin(length: 512 * 1024)
        defer { slow.stop() }
        let admin = try FreePort.pick()
        var conf = Conf(listen: [], pidFile: directory.path("edge.pid"), servers: [a.url, b.url], slow: "http://127.0.0.1:\(slow.port)")
        var configPath = ""
        let node = try await EdgeServeProcess.start { port in
            conf.listen = [port]
            configPath = try directory.write("edge.conf", conf.text)
            // A flag over the file: a reload must apply it again.
            return ["serve", "--config", configPath, "--admin", "127.0.0.1:\(admin)"]
        }
        defer { node.process.send(SIGKILL) }
        let port = node.port

        // Before: a heuristically fresh response is not kept (heuristic_max = 0s), both servers answer.
        #expect(try await node.get("/ttl/before").status == 200)
        #expect(try await node.get("/ttl/before").header("cache-status")?.hasPrefix("edge; hit") == false)
        #expect(try await node.get("/hot").status == 200)
        let before = try await node.get("/", host: "new.example").text
        #expect(before == "a /" || before == "b /", "\(before)")

        // A download from the slow pool, half sent when the reload comes.
        let download = try StreamingHTTPClient(port: port, timeoutSeconds: 30)
        try download.send(EdgeHarness.request(path: "/big", host: "slow.example"))
        let head = try download.readHead()
        #expect(head.status == 200)
        // A keep-alive connection opened before the reload, used again after it.
        let kept = try RawHTTPConnection(port: port, timeoutSeconds: 20)
        try kept.send(EdgeHarness.request(path: "/", host: "new.example"))
        #expect(try kept.readResponse().status == 200)

        let load = SteadyLoad(port: port) { client, round in round % 2 == 0 ? "/hot" : "/miss/\(client)/\(round)" }
        #expect(await eventually(within: 20) { load.count > 40 })

        conf.servers = [a.url]
        conf.fresh = fresh.url
        conf.heuristicMax = "1h"
        _ = try directory.write("edge.conf", conf.text)
        let reload = try await EdgeProcess.run(["reload", "--config", configPath])
        #expect(reload.exitCode == 0, "\(reload)")
        #expect(await eventually(within: 20) { node.process.stderrText.contains("config reloaded") }, "\(node.process.stderrText)")
        let atReload = load.count
        #expect(await eventually(within: 20) { load.count > atReload + 40 })
        let failures = await load.stop()
        #expect(failures.isEmpty, "\(failures.prefix(5))")

        slow.open()
        let body = try download.readSmallBody(for: head)
        #expect(body == slow.body, "the download got \(body.count) of \(slow.body.count) bytes, or other bytes")

        // The new site answers, on a new connection and on the one open since before the reload.
        #expect(try await node.get("/", host: "new.example").text == "fresh /")
        try kept.send(EdgeHarness.request(path: "/", host: "new.example"))
        #expect(try kept.readResponse().text == "fresh /")
        // The removed server gets no new requests.
        let bBefore = b.requestCount
        let aBefore = a.requestCount
        for index in 0..<10 {
            #expect(try await node.get("/miss/after/\(index)").text == "a /miss/after/\(index)")
        }
        #expect(b.requestCount == bBefore)
        #expect(a.requestCount == aBefore + 10)
        // The new TTL rule: a heuristically fresh response is now kept.
        #expect(try await node.get("/ttl/after").status == 200)
        #expect(try await node.get("/ttl/after").header("cache-status")?.hasPrefix("edge; hit") == true)
        // The cache was kept: /hot, stored before the reload, is still a hit and never went back to an origin.
        #expect(try await node.get("/hot").header("cache-status")?.hasPrefix("edge; hit") == true)
        #expect(a.requests.filter { $0.uri == "/hot" }.count + b.requests.filter { $0.uri == "/hot" }.count == 1)
        #expect(try await Self.metric(admin, "edge_config_reloads_total{result=\"success\"} 1"))
        let line = node.process.stderrText.split(separator: "\n").first { $0.contains("config reloaded") } ?? ""
        #expect(line.contains("sites_added=new.example"), "\(line)")
        #expect(line.contains("servers_removed=default/127.0.0.1:\(b.port)"), "\(line)")

        node.process.send(SIGTERM)
        _ = try await node.process.waitForExit()
        for origin in [a, b, fresh] { await origin.stop() }
    }

    @Test("a reload with a broken file fails no request, keeps the old configuration, names the file and line, and counts one failure; edge reload itself refuses the file")
    func brokenFile() async throws {
        let directory = try TemporaryDirectory()
        let a = try await TestOrigin(Self.origin("a"))
        let other = try await TestOrigin(Self.origin("other"))
        let admin = try FreePort.pick()
        var conf = Conf(listen: [], pidFile: directory.path("edge.pid"), servers: [a.url])
        var configPath = ""
        let node = try await EdgeServeProcess.start { port in
            conf.listen = [port]
            configPath = try directory.write("edge.conf", conf.text)
            return ["serve", "--config", configPath, "--admin", "127.0.0.1:\(admin)"]
        }
        defer { node.process.send(SIGKILL) }
        let load = SteadyLoad(port: node.port) { client, round in round % 2 == 0 ? "/hot" : "/miss/\(client)/\(round)" }
        #expect(await eventually(within: 20) { load.count > 20 })

        // The pool would move to another origin, but line 9 is not TOML.
        conf.servers = [other.url]
        var lines = conf.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.insert("[[broken", at: 8)
        _ = try directory.write("edge.conf", lines.joined(separator: "\n"))
        node.process.send(SIGHUP)
        #expect(await eventually(within: 20) { node.process.stderrText.contains("config not reloaded") }, "\(node.process.stderrText)")
        let line = node.process.stderrText.split(separator: "\n").first { $0.contains("config not reloaded") } ?? ""
        #expect(line.contains("\(configPath):9"), "\(line)")
        let atFailure = load.count
        #expect(await eventually(within: 20) { load.count > atFailure + 20 })
        let failures = await load.stop()
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(node.process.isRunning)
        #expect(try await node.get("/miss/x").text == "a /miss/x")
        #expect(other.requestCount == 0)
        #expect(try await Self.metric(admin, "edge_config_reloads_total{result=\"failure\"} 1"))
        #expect(try await Self.metric(admin, "edge_config_reloads_total{result=\"success\"} 0"))

        // `edge reload` reads the file first (it needs the pid file from it): a broken one is not sent.
        let refused = try await EdgeProcess.run(["reload", "--config", configPath])
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.contains("\(configPath):9"), "\(refused)")
        #expect(try await Self.metric(admin, "edge_config_reloads_total{result=\"failure\"} 1"))

        node.process.send(SIGTERM)
        _ = try await node.process.waitForExit()
        for origin in [a, other] { await origin.stop() }
    }
}
