#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeServer
import EdgeSettings

/// The running node `edge serve --upgrade` takes over from, found by `[server] pid_file`.
struct Predecessor {
    let pid: pid_t

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The node named by `config`'s pid file; throws, saying why, when there is none to take over
    /// from (no `pid_file`, no file, a process that ended, or one that is not `edge serve`).
    static func find(_ config: EdgeConfig, configPath: String?) throws -> Predecessor {
        guard let path = config.server.pidFile else {
            throw Failure(description: "--upgrade needs [server] pid_file in \(configPath ?? "the configuration"): it is how the new node finds the running one")
        }
        let pid: pid_t
        do {
            pid = try PidFile.read(path)
        } catch {
            throw Failure(description: "--upgrade found no node to take over from: \(error) To start one, run edge serve without --upgrade.")
        }
        guard pid != getpid(), RunningProcess.isRunning(pid) else {
            throw Failure(description: "--upgrade found no node to take over from: process \(pid) named by \(path) is not running. To start one, run edge serve without --upgrade.")
        }
        // A pid file left by a node that died may name a process that reused the number.
        if let arguments = RunningProcess.arguments(pid), !arguments.contains("serve") {
            throw Failure(description: "--upgrade: process \(pid) named by \(path) is not edge serve (\(arguments.first ?? "?"))")
        }
        return Predecessor(pid: pid)
    }

    /// Tells the old node that this one serves (`SIGQUIT`): it stops accepting after a short
    /// overlap and drains. Nil when told, else why not (gone already, or not this user's).
    func handOver() -> String? {
        kill(pid, SIGQUIT) == 0 ? nil : String(cString: strerror(errno))
    }

    /// Returns once the old node has exited.
    func exited() async {
        while RunningProcess.isRunning(pid) {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
