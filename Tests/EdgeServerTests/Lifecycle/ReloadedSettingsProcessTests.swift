import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What else a reload changes on the running process: static folders, the access log, the admin
/// token, and what it leaves until a restart.
@Suite("edge reload starts and stops static folders, moves the access log, changes the admin token", .serialized)
struct ReloadedSettingsProcessTests {
    static func conf(port: Int, directory: TemporaryDirectory, origin: String, log: String, folder: String? = nil, token: String? = nil,
                     memory: String = "64MiB") -> String {
        var text = """
            [server]
            listen = ["127.0.0.1:\(port)"]
            pid_file = "\(directory.path("edge.pid"))"
            [cache]
            memory_size = "\(memory)"
            [logging]
            access_log = "\(directory.path(log))"

            """
        if let token { text += "[admin]\ntoken = \"\(token)\"\n" }
        text += "[[pools]]\nname = \"default\"\nservers = [{ url = \"\(origin)\" }]\n"
        if let folder { text += "[[sites]]\nhosts = [\"static.example\"]\nroot = \"\(folder)\"\n" }
        return text + "[[sites]]\nhosts = [\"*\"]\npool = \"default\"\n"
    }

    static func log(_ directory: TemporaryDirectory, _ name: String) -> String {
        (try? String(contentsOfFile: directory.path(name), encoding: .utf8)) ?? ""
    }

    @Test("a static folder site added by a reload serves its files and is gone after the next; the access log moves to the new file; a new admin token is required at once; memory_size is named as needing a restart, by edge check beside the node and by the reload")
    func settingsChange() async throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("site"), withIntermediateDirectories: true)
        _ = try directory.write("site/index.html", "<p>folder</p>")
        try await withTestOrigin({ request in TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "origin \(request.uri)") }) { origin in
            let admin = try FreePort.pick()
            var configPath = ""
            var port = 0
            let node = try await EdgeServeProcess.start { chosen in
                port = chosen
                configPath = try directory.write("edge.conf", Self.conf(port: chosen, directory: directory, origin: origin.url, log: "first.log"))
                return ["serve", "--config", configPath, "--admin", "127.0.0.1:\(admin)"]
            }
            defer { node.process.send(SIGKILL) }
            #expect(try await node.get("/", host: "static.example").text == "origin /")
            #expect(try await EdgeServeProcess.get(port: admin, "/metrics").status == 200)

            _ = try directory.write("edge.conf", Self.conf(
                port: port, directory: directory, origin: origin.url, log: "second.log", folder: directory.path("site"), token: "s3cret", memory: "32MiB"))
            let check = try await EdgeProcess.run(["check", "--config", configPath])
            #expect(check.exitCode == 0)
            #expect(check.stderr.contains("needs a restart: cache.memory_size"), "\(check)")
            #expect(try await EdgeProcess.run(["reload", "--config", configPath]).exitCode == 0)
            #expect(await eventually(within: 20) { Self.occurrences(node.process.stderrText, "config reloaded") == 1 }, "\(node.process.stderrText)")
            let line = node.process.stderrText.split(separator: "\n").first { $0.contains("config reloaded") } ?? ""
            #expect(line.contains("needs_restart=cache.memory_size"), "\(line)")

            #expect(try await node.get("/index.html", host: "static.example").text == "<p>folder</p>")
            #expect(try await node.get("/after").text == "origin /after")
            #expect(await eventually(within: 20) { Self.log(directory, "second.log").contains("/after") })
            #expect(!Self.log(directory, "first.log").contains("/after"))
            #expect(try await EdgeServeProcess.get(port: admin, "/metrics").status == 401)
            #expect(try await EdgeServeProcess.get(port: admin, "/metrics", headers: [("Authorization", "Bearer s3cret")]).status == 200)

            _ = try directory.write("edge.conf", Self.conf(port: port, directory: directory, origin: origin.url, log: "second.log"))
            #expect(try await EdgeProcess.run(["reload", "--config", configPath]).exitCode == 0)
            #expect(await eventually(within: 20) { Self.occurrences(node.process.stderrText, "config reloaded") == 2 }, "\(node.process.stderrText)")
            #expect(try await node.get("/index.html", host: "static.example").text == "origin /index.html")
            #expect(try await EdgeServeProcess.get(port: admin, "/metrics").status == 200)
            let unchanged = try await EdgeProcess.run(["check", "--config", configPath])
            #expect(unchanged.exitCode == 0 && !unchanged.stderr.contains("needs a restart"), "\(unchanged)")
            node.process.send(SIGTERM)
            _ = try await node.process.waitForExit()
            #expect(!FileManager.default.fileExists(atPath: directory.path("edge.pid.running.toml")), "the running configuration outlived its node")
        }
    }

    @Test("a node started with --origin over a file keeps that origin through a reload: the flags are applied again over the new file")
    func flagsApplyAgain() async throws {
        let directory = try TemporaryDirectory()
        let flagged = try await TestOrigin { request in TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "flag \(request.uri)") }
        let filed = try await TestOrigin { request in TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "file \(request.uri)") }
        var configPath = ""
        var port = 0
        let node = try await EdgeServeProcess.start { chosen in
            port = chosen
            configPath = try directory.write("edge.conf", Self.conf(port: chosen, directory: directory, origin: filed.url, log: "access.log"))
            return ["serve", "--config", configPath, "--origin", flagged.url]
        }
        defer { node.process.send(SIGKILL) }
        #expect(try await node.get("/a").text == "flag /a")
        _ = try directory.write("edge.conf", Self.conf(port: port, directory: directory, origin: filed.url, log: "other.log"))
        node.process.send(SIGHUP)
        #expect(await eventually(within: 20) { node.process.stderrText.contains("config reloaded") }, "\(node.process.stderrText)")
        #expect(try await node.get("/b").text == "flag /b")
        #expect(await eventually(within: 20) { Self.log(directory, "other.log").contains("/b") })
        #expect(filed.requestCount == 0)
        node.process.send(SIGTERM)
        _ = try await node.process.waitForExit()
        await flagged.stop()
        await filed.stop()
    }

    static func occurrences(_ text: String, _ needle: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }
}
