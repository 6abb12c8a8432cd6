#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeSettings
import Foundation

/// `[server] pid_file`: written by `edge serve` once it listens, removed when it stops; read by
/// `edge reload` and `edge reopen-logs` to find the node they signal.
enum PidFile {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func write(_ path: String) throws {
        do {
            try "\(getpid())\n".write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw Failure(description: "cannot write the pid file \(path): \(error.localizedDescription)")
        }
    }

    /// Removes the file if it still names this process (a newer node may have taken it over).
    static func remove(_ path: String) {
        if (try? read(path)) == getpid() {
            unlink(path)
        }
    }

    static func read(_ path: String) throws -> pid_t {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Failure(description: "no pid file at \(path): is edge serve running with this config?")
        }
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
            throw Failure(description: "the pid file \(path) does not hold a process id")
        }
        return pid
    }

    /// Sends `signal` to the node whose pid `config`'s `pid_file` holds.
    static func signalNode(_ config: EdgeConfig, configPath: String?, _ signal: Int32) throws -> pid_t {
        guard let path = config.server.pidFile else {
            throw Failure(description: "\(configPath ?? "the configuration") has no [server] pid_file: set one so that edge can find the running node")
        }
        let pid = try read(path)
        guard kill(pid, signal) == 0 else {
            throw Failure(description: "cannot signal process \(pid) from \(path): \(String(cString: strerror(errno)))")
        }
        return pid
    }
}
