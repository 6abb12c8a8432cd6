import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `edge preview DIR` run as the real executable on a free loopback port, its access log written to
/// a file of its own so tests can see which URLs a browser asked for.
struct EdgePreviewProcess {
    let server: EdgeServeProcess
    let accessLogPath: String
    private let directory: TemporaryDirectory

    var port: Int { server.port }

    /// http://127.0.0.1:PORT followed by `path`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Runs `body` against `edge preview site`, then stops the process with SIGTERM, also when `body` throws.
    static func with<T>(site: String, _ body: (EdgePreviewProcess) async throws -> T) async throws -> T {
        let preview = try await start(site: site)
        do {
            let result = try await body(preview)
            try await preview.stop()
            return result
        } catch {
            try? await preview.stop()
            throw error
        }
    }

    static func start(site: String) async throws -> EdgePreviewProcess {
        let directory = try TemporaryDirectory()
        let logPath = directory.path("access.log")
        let server = try await EdgeServeProcess.start { port in
            ["preview", site, "--listen", "127.0.0.1:\(port)", "--access-log", logPath]
        }
        return EdgePreviewProcess(server: server, accessLogPath: logPath, directory: directory)
    }

    /// The access log so far, one line per request.
    func accessLogLines() -> [String] {
        let text = (try? String(contentsOfFile: accessLogPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// Access-log lines of GET requests for exactly `target` (path and query).
    func accessLogLines(for target: String) -> [String] {
        accessLogLines().filter { $0.contains("\"GET \(target) HTTP/") }
    }

    /// Waits until the access log has a line for each of `targets`; true when it does.
    func waitForAccessLog(_ targets: [String], within seconds: Double = 10) async -> Bool {
        await eventually(within: seconds) {
            targets.allSatisfy { !accessLogLines(for: $0).isEmpty }
        }
    }

    func stop() async throws {
        server.process.send(SIGTERM)
        let outcome = try await server.process.waitForExit()
        withExtendedLifetime(directory) {}
        guard outcome.exitCode == 0, !outcome.killedBySignal else {
            throw EdgeProcess.Failure(description: "edge preview did not stop cleanly on SIGTERM: \(outcome)")
        }
    }
}
