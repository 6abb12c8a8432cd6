import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `edge serve --upgrade` on the real processes: a new node binds beside the running one, tells it
/// (SIGQUIT) once it serves, and the old one drains and exits; no connection is refused meanwhile.
@Suite("edge serve --upgrade takes over from the running node without a refused connection", .serialized)
struct UpgradeProcessTests {
    /// `/hot` and `/obj/…` are stored for ten minutes; anything else is never stored and says its path.
    static let origin: TestOrigin.Handler = { request in
        if request.uri == "/hot" || request.uri.hasPrefix("/obj/") {
            return TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: "stored \(request.uri)")
        }
        return TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "fresh \(request.uri)")
    }

    static func conf(port: Int, admin: Int, directory: TemporaryDirectory, origin: String, slow: Int? = nil, disk: Bool = false) -> String {
        var text = """
            [server]
            listen = ["127.0.0.1:\(port)"]
            pid_file = "\(directory.path("edge.pid"))"
            [admin]
            listen = "127.0.0.1:\(admin)"

            """
        if disk {
            text += "[cache.disk]\npath = \"\(directory.path("cache"))\"\nsize = \"64MiB\"\n"
        }
        text += "[[pools]]\nname = \"default\"\nservers = [{ url = \"\(origin)\" }]\n"
        if let slow {
            text += "[[pools]]\nname = \"slow\"\nservers = [{ url = \"http://127.0.0.1:\(slow)\" }]\n[[sites]]\nhosts = [\"slow.example\"]\npool = \"slow\"\n"
        }
        return text + "[[sites]]\nhosts = [\"*\"]\npool = \"default\"\n"
    }

    /// Starts the old node on a free port with the file `conf(port, admin)` builds; returns it, its
    /// admin port and the config file's path.
    static func startOld(_ directory: TemporaryDirectory, _ conf: @escaping (Int, Int) -> String) async throws -> (EdgeServeProcess, Int, String) {
        var admin = 0
        var path = ""
        let node = try await EdgeServeProcess.start { port in
            admin = try FreePort.pick()
            path = try directory.write("edge.conf", conf(port, admin))
            return ["serve", "--config", path, "--admin", "127.0.0.1:\(admin)"]
        }
        return (node, admin, path)
    }

    static func pidFile(_ directory: TemporaryDirectory) -> Int32? {
        (try? String(contentsOfFile: directory.path("edge.pid"), encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// `GET /stats` on the admin listener (blocking: also for `eventually`).
    static func stats(_ admin: Int) throws -> String {
        let connection = try RawHTTPConnection(port: admin)
        try connection.send(EdgeHarness.request(path: "/stats", host: "127.0.0.1"))
        return try connection.readResponse().text
    }

    @Test("under steady load on keep-alive and new connections, an upgrade refuses no connection and fails no request, a download in flight completes with the right bytes, the old node exits 0, and the pid file names the new node, which answers from then on")
    func upgradeUnderLoad() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.origin)
        let slow = try GatedOrigin(length: 512 * 1024)
        defer { slow.stop() }
        let (old, admin, configPath) = try await Self.startOld(directory) { port, admin in
            Self.conf(port: port, admin: admin, directory: directory, origin: origin.url, slow: slow.port)
        }
        defer { old.process.send(SIGKILL) }
        let port = old.port
        #expect(Self.pidFile(directory) == old.process.pid)

        // A download from the slow pool, half sent when the new node takes over.
        let download = try StreamingHTTPClient(port: port, timeoutSeconds: 60)
        try download.send(EdgeHarness.request(path: "/big", host: "slow.example"))
        let head = try download.readHead()
        #expect(head.status == 200)

        let kept = SteadyLoad(port: port) { client, round in round % 2 == 0 ? "/hot" : "/miss/\(client)/\(round)" }
        let fresh = SteadyLoad(port: port, clients: 6, newConnections: true) { client, round in round % 2 == 0 ? "/obj/hot" : "/new/\(client)/\(round)" }
        #expect(await eventually(within: 20) { kept.count > 40 && fresh.count > 20 })

        let new = try EdgeProcess(["serve", "--config", configPath, "--upgrade"])
        defer { new.send(SIGKILL) }
        _ = try await new.waitForStdoutLine(timeoutSeconds: 20) { $0.hasPrefix("edge: took over from process \(old.process.pid)") }
        #expect(Self.pidFile(directory) == new.pid)
        let atSwitch = (kept.count, fresh.count)
        #expect(await eventually(within: 20) { kept.count > atSwitch.0 + 40 && fresh.count > atSwitch.1 + 20 })

        // The old node waits for the download before it exits.
        #expect(old.process.isRunning)
        slow.open()
        let body = try download.readSmallBody(for: head)
        #expect(body == slow.body, "the download got \(body.count) of \(slow.body.count) bytes, or other bytes")
        let ended = try await old.process.waitForExit(timeoutSeconds: 30)
        #expect(ended.exitCode == 0 && !ended.killedBySignal, "\(ended)")
        #expect(ended.stderr.contains("signal=SIGQUIT"), "\(ended.stderr)")

        let afterExit = (kept.count, fresh.count)
        #expect(await eventually(within: 20) { kept.count > afterExit.0 + 20 && fresh.count > afterExit.1 + 10 })
        let failures = await kept.stop() + fresh.stop()
        #expect(failures.isEmpty, "\(failures.count) failed: \(failures.prefix(5))")

        // Only the new node is left to answer, on the traffic and the admin address alike.
        #expect(await eventually(within: 20) { new.stderrText.contains("the old node has exited") })
        let requestsBefore = try Self.stats(admin)
        #expect(try await old.get("/after").text == "fresh /after")
        #expect(try Self.stats(admin) != requestsBefore)
        #expect(new.isRunning)
        #expect(Self.pidFile(directory) == new.pid)

        new.send(SIGTERM)
        let stopped = try await new.waitForExit()
        #expect(stopped.exitCode == 0, "\(stopped)")
        #expect(Self.pidFile(directory) == nil, "the new node removes its own pid file when it stops")
        await origin.stop()
    }

    @Test("a node that came by an upgrade is upgraded in turn, under load, without a failed request")
    func upgradeTwice() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.origin)
        let (first, _, configPath) = try await Self.startOld(directory) { port, admin in
            Self.conf(port: port, admin: admin, directory: directory, origin: origin.url)
        }
        defer { first.process.send(SIGKILL) }
        let kept = SteadyLoad(port: first.port) { client, round in round % 2 == 0 ? "/hot" : "/miss/\(client)/\(round)" }
        let fresh = SteadyLoad(port: first.port, clients: 4, newConnections: true) { client, round in "/new/\(client)/\(round)" }
        #expect(await eventually(within: 20) { kept.count > 40 && fresh.count > 20 })

        var previous = first.process
        var nodes: [EdgeProcess] = []
        defer { for node in nodes { node.send(SIGKILL) } }
        for _ in 0..<2 {
            let next = try EdgeProcess(["serve", "--config", configPath, "--upgrade"])
            nodes.append(next)
            _ = try await next.waitForStdoutLine(timeoutSeconds: 20) { $0.hasPrefix("edge: took over from process \(previous.pid)") }
            let ended = try await previous.waitForExit(timeoutSeconds: 30)
            #expect(ended.exitCode == 0, "\(ended)")
            #expect(await eventually(within: 20) { next.stderrText.contains("the old node has exited") })
            #expect(Self.pidFile(directory) == next.pid)
            let after = (kept.count, fresh.count)
            #expect(await eventually(within: 20) { kept.count > after.0 + 40 && fresh.count > after.1 + 20 })
            previous = next
        }
        let failures = await kept.stop() + fresh.stop()
        #expect(failures.isEmpty, "\(failures.count) failed: \(failures.prefix(5))")

        previous.send(SIGTERM)
        #expect(try await previous.waitForExit().exitCode == 0)
        await origin.stop()
    }

    @Test("with a disk tier, the objects the old node stored are hits on the new node as they were before the switch, and no record is found damaged")
    func diskTierCarriesOver() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.origin)
        let (old, admin, configPath) = try await Self.startOld(directory) { port, admin in
            Self.conf(port: port, admin: admin, directory: directory, origin: origin.url, disk: true)
        }
        defer { old.process.send(SIGKILL) }
        let objects = 40
        for index in 0..<objects {
            #expect(try await old.get("/obj/\(index)").status == 200)
        }
        #expect(await eventually(within: 20) { (try? Self.stats(admin).contains("\"writes\":\(objects)")) == true })
        func hits() async throws -> Int {
            var hits = 0
            for index in 0..<objects {
                let response = try await old.get("/obj/\(index)")
                #expect(response.text == "stored /obj/\(index)")
                if response.header("cache-status")?.hasPrefix("edge; hit") == true { hits += 1 }
            }
            return hits
        }
        let hitsBefore = try await hits()
        #expect(hitsBefore == objects)

        let load = SteadyLoad(port: old.port) { client, round in "/obj/\((client * 7 + round) % objects)" }
        #expect(await eventually(within: 20) { load.count > 40 })
        let new = try EdgeProcess(["serve", "--config", configPath, "--upgrade"])
        defer { new.send(SIGKILL) }
        _ = try await new.waitForStdoutLine(timeoutSeconds: 20) { $0.hasPrefix("edge: took over from process") }
        let ended = try await old.process.waitForExit(timeoutSeconds: 30)
        #expect(ended.exitCode == 0, "\(ended)")
        let atExit = load.count
        #expect(await eventually(within: 20) { load.count > atExit + 40 })
        let failures = await load.stop()
        #expect(failures.isEmpty, "\(failures.count) failed: \(failures.prefix(5))")

        // The new node's memory started empty: its hits come from the old node's records on disk.
        let hitsAfter = try await hits()
        #expect(hitsAfter >= hitsBefore * 95 / 100, "\(hitsAfter) hits of \(objects) after the switch, \(hitsBefore) before")
        #expect(origin.requestCount == objects, "the new node went to the origin for objects on disk")
        #expect(await eventually(within: 20) { (try? Self.stats(admin).contains("\"shared_with_old_node\":false")) == true })
        let stats = try Self.stats(admin)
        #expect(stats.contains("\"corrupt_records\":0"), "\(stats)")
        #expect(stats.contains("\"errors\":0"), "\(stats)")
        #expect(!ended.stderr.contains("disk cache write failed"), "\(ended.stderr)")

        new.send(SIGTERM)
        _ = try await new.waitForExit()
        await origin.stop()
    }

    @Test("an upgrade with a broken config exits 1 naming the line, one with an address another program holds exits 1 naming it, and the old node serves on untouched, still named by the pid file")
    func brokenConfig() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.origin)
        var text = ""
        let (old, _, configPath) = try await Self.startOld(directory) { port, admin in
            text = Self.conf(port: port, admin: admin, directory: directory, origin: origin.url)
            return text
        }
        defer { old.process.send(SIGKILL) }
        let load = SteadyLoad(port: old.port) { client, round in round % 2 == 0 ? "/hot" : "/miss/\(client)/\(round)" }
        #expect(await eventually(within: 20) { load.count > 20 })

        // Line 6 is not TOML.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.insert("[[broken", at: 5)
        _ = try directory.write("edge.conf", lines.joined(separator: "\n"))
        let refused = try await EdgeProcess.run(["serve", "--config", configPath, "--upgrade"])
        #expect(refused.exitCode == 1, "\(refused)")
        #expect(refused.stderr.contains("\(configPath):6"), "\(refused)")

        // A second address, held by a program that does not share it (the origin): the shared one
        // binds, this one does not, and what was bound is let go.
        let taken = text.replacingOccurrences(of: "listen = [\"127.0.0.1:\(old.port)\"]", with: "listen = [\"127.0.0.1:\(old.port)\", \"127.0.0.1:\(origin.port)\"]")
        #expect(taken != text)
        _ = try directory.write("edge.conf", taken)
        let unbound = try await EdgeProcess.run(["serve", "--config", configPath, "--upgrade"])
        #expect(unbound.exitCode == 1, "\(unbound)")
        #expect(unbound.stderr.contains("cannot listen on 127.0.0.1:\(origin.port): Address already in use"), "\(unbound)")

        let atRefusal = load.count
        #expect(await eventually(within: 20) { load.count > atRefusal + 20 })
        let failures = await load.stop()
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(old.process.isRunning)
        #expect(Self.pidFile(directory) == old.process.pid)
        #expect(try await old.get("/miss/x").text == "fresh /miss/x")

        old.process.send(SIGTERM)
        let ended = try await old.process.waitForExit()
        #expect(ended.exitCode == 0)
        await origin.stop()
    }

    @Test("--upgrade without pid_file, or with no node running, exits 1 and says why; a second node without --upgrade is refused the taken address")
    func refusals() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin(Self.origin)
        let port = try FreePort.pick()
        let admin = try FreePort.pick()
        let path = try directory.write("edge.conf", Self.conf(port: port, admin: admin, directory: directory, origin: origin.url))

        let noNode = try await EdgeProcess.run(["serve", "--config", path, "--upgrade"])
        #expect(noNode.exitCode == 1)
        #expect(noNode.stderr.contains("--upgrade found no node to take over from"), "\(noNode)")
        #expect(FreePort.refusesConnections(port), "a refused upgrade listens on nothing")

        _ = try directory.write("stale.pid", "999999999\n")
        let stale = try directory.write("stale.conf", Self.conf(port: port, admin: admin, directory: directory, origin: origin.url)
            .replacingOccurrences(of: "edge.pid", with: "stale.pid"))
        let staleNode = try await EdgeProcess.run(["serve", "--config", stale, "--upgrade"])
        #expect(staleNode.exitCode == 1)
        #expect(staleNode.stderr.contains("is not running"), "\(staleNode)")

        let noPidFile = try await EdgeProcess.run(["serve", "--origin", origin.url, "--listen", "127.0.0.1:\(port)", "--admin", "127.0.0.1:\(admin)", "--upgrade"])
        #expect(noPidFile.exitCode == 1)
        #expect(noPidFile.stderr.contains("--upgrade needs [server] pid_file"), "\(noPidFile)")

        let (old, oldAdmin, configPath) = try await Self.startOld(directory) { port, admin in
            Self.conf(port: port, admin: admin, directory: directory, origin: origin.url)
        }
        defer { old.process.send(SIGKILL) }
        let second = try await EdgeProcess.run(["serve", "--origin", origin.url, "--listen", "127.0.0.1:\(old.port)", "--admin", "127.0.0.1:\(try FreePort.pick())"])
        #expect(second.exitCode == 1)
        #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(old.port): Address already in use"), "\(second)")
        let secondAdmin = try await EdgeProcess.run(["serve", "--config", configPath, "--listen", "127.0.0.1:\(try FreePort.pick())", "--admin", "127.0.0.1:\(oldAdmin)"])
        #expect(secondAdmin.exitCode == 1)
        #expect(secondAdmin.stderr.contains("127.0.0.1:\(oldAdmin): Address already in use"), "\(secondAdmin)")
        #expect(old.process.isRunning)
        #expect(Self.pidFile(directory) == old.process.pid)

        old.process.send(SIGTERM)
        _ = try await old.process.waitForExit()
        await origin.stop()
    }
}
