import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What an operator does to a running node: find it by its pid file, reopen its logs after logrotate.
@Suite("edge serve writes its pid file, and edge reopen-logs makes it write to a new log file", .serialized)
struct OperatorSignalTests {
    static func config(_ directory: TemporaryDirectory, port: Int, origin: String, pidFile: Bool = true) throws -> String {
        try directory.write("edge.conf", """
            [server]
            listen = ["127.0.0.1:\(port)"]
            \(pidFile ? "pid_file = \"\(directory.path("edge.pid"))\"" : "")
            [logging]
            access_log = "\(directory.path("access.log"))"
            \(EdgeConfText.originSite(origin))
            """)
    }

    @Test("after the log file is moved away, edge reopen-logs sends the next lines to a new file at the configured path; the pid file goes when the node stops")
    func reopenLogs() async throws {
        let directory = try TemporaryDirectory()
        try await withTestOrigin({ request in TestOrigin.Response(body: "origin's \(request.uri)") }) { origin in
            var configPath = ""
            let node = try await EdgeServeProcess.start { port in
                configPath = try Self.config(directory, port: port, origin: origin.url)
                return ["serve", "--config", configPath]
            }
            let pid = try String(contentsOfFile: directory.path("edge.pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(pid == String(node.process.pid))
            #expect(try await node.get("/before").status == 200)
            #expect(await eventually { ((try? String(contentsOfFile: directory.path("access.log"), encoding: .utf8)) ?? "").contains("/before") })
            // What logrotate does: move the file away, then tell the node.
            try FileManager.default.moveItem(atPath: directory.path("access.log"), toPath: directory.path("access.log.1"))
            let outcome = try await EdgeProcess.run(["reopen-logs", "--config", configPath])
            #expect(outcome.exitCode == 0, "\(outcome)")
            #expect(await eventually { FileManager.default.fileExists(atPath: directory.path("access.log")) })
            #expect(try await node.get("/after").status == 200)
            #expect(await eventually { ((try? String(contentsOfFile: directory.path("access.log"), encoding: .utf8)) ?? "").contains("/after") })
            let rotated = try String(contentsOfFile: directory.path("access.log.1"), encoding: .utf8)
            #expect(rotated.contains("/before"))
            #expect(!rotated.contains("/after"))
            node.process.send(SIGTERM)
            _ = try await node.process.waitForExit()
            #expect(!FileManager.default.fileExists(atPath: directory.path("edge.pid")))
        }
    }

    @Test("edge reload and edge reopen-logs without a pid file, or with no node running, say so and exit 1")
    func noRunningNode() async throws {
        let directory = try TemporaryDirectory()
        let withoutPidFile = try Self.config(directory, port: 8080, origin: "http://127.0.0.1:9", pidFile: false)
        let unset = try await EdgeProcess.run(["reload", "--config", withoutPidFile])
        #expect(unset.exitCode == 1)
        #expect(unset.stderr.contains("pid_file"), "\(unset)")
        let withPidFile = try Self.config(directory, port: 8080, origin: "http://127.0.0.1:9")
        let missing = try await EdgeProcess.run(["reopen-logs", "--config", withPidFile])
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.contains("no pid file at \(directory.path("edge.pid"))"), "\(missing)")
    }
}
