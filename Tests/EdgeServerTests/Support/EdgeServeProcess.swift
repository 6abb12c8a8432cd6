import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A running `edge serve` child process and the loopback port it announced.
struct EdgeServeProcess {
    let process: EdgeProcess
    let port: Int

    /// Starts `edge` with the arguments `makeArguments(port)` builds for a free port, and waits for
    /// "edge: serving on http://127.0.0.1:PORT" on stdout. Retries on another port if the chosen one
    /// was taken in between (edge refuses port 0, so tests must pick one).
    static func start(environment: [String: String] = [:], descriptorLimit: Int? = nil,
                      _ makeArguments: (Int) throws -> [String]) async throws -> EdgeServeProcess {
        var lastFailure = ""
        for _ in 0..<3 {
            let port = try FreePort.pick()
            var arguments = try makeArguments(port)
            // `edge serve` opens the admin API too (127.0.0.1:9090 by default): tests running side by
            // side each get their own unless they chose one.
            if arguments.first == "serve", !arguments.contains("--admin") {
                arguments += ["--admin", "127.0.0.1:\(try FreePort.pick())"]
            }
            let process = try EdgeProcess(arguments, environment: environment, descriptorLimit: descriptorLimit)
            do {
                let line = try await process.waitForStdoutLine { $0.hasPrefix("edge: serving on http://") }
                guard line == "edge: serving on http://127.0.0.1:\(port)" else {
                    throw EdgeProcess.Failure(description: "unexpected announcement \"\(line)\" for port \(port)")
                }
                return EdgeServeProcess(process: process, port: port)
            } catch {
                process.send(SIGKILL)
                lastFailure = "\(error)"
                guard process.stderrText.contains("cannot listen") else { throw error }
            }
        }
        throw EdgeProcess.Failure(description: "edge could not listen on three free ports: \(lastFailure)")
    }

    /// One request on a fresh plain TCP connection, run off the cooperative pool because it blocks.
    func get(_ path: String, headers: [(String, String)] = [], host: String = "test.example", timeoutSeconds: Int = 10) async throws -> RawHTTPConnection.Response {
        try await Self.get(port: port, path, headers: headers, host: host, timeoutSeconds: timeoutSeconds)
    }

    /// `get` for tasks that must not capture the process.
    static func get(port: Int, _ path: String, headers: [(String, String)] = [], host: String = "test.example", timeoutSeconds: Int = 10) async throws -> RawHTTPConnection.Response {
        let request = EdgeHarness.request(path: path, headers: headers, host: host)
        return try await onThread {
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: timeoutSeconds)
            try connection.send(request)
            return try connection.readResponse()
        }
    }
}

/// Free loopback ports, found by letting the kernel pick one and releasing it.
enum FreePort {
    static func pick() throws -> Int {
        try unusedLoopbackPort()
    }

    /// True when a TCP connect to `port` on loopback is refused right now.
    static func refusesConnections(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result != 0 && errno == ECONNREFUSED
    }
}

