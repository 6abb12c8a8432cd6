#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeSettings
import Foundation

/// The configuration a running node applies (as `edge check` renders it, secrets hidden), kept beside
/// its pid file (`PID_FILE.running.toml`) from start and after every reload, so that `edge check` can
/// say which changes of a file the running node would keep waiting for a restart.
enum RunningConfigFile {
    static func path(pidFile: String) -> String {
        pidFile + ".running.toml"
    }

    /// Best effort: a node that cannot write it serves all the same (`edge check` then cannot compare).
    static func write(_ config: EdgeConfig, pidFile: String) -> String? {
        do {
            try config.rendered().write(toFile: path(pidFile: pidFile), atomically: true, encoding: .utf8)
            return nil
        } catch {
            return "cannot write \(path(pidFile: pidFile)): \(error.localizedDescription)"
        }
    }

    /// Removes it while the pid file still names this process (a newer node may have taken both over).
    static func remove(pidFile: String) {
        if (try? PidFile.read(pidFile)) == getpid() {
            unlink(path(pidFile: pidFile))
        }
    }

    /// The configuration the node named by `pidFile` runs; nil when no node runs or it left no file.
    static func read(pidFile: String) -> EdgeConfig? {
        guard let pid = try? PidFile.read(pidFile), kill(pid, 0) == 0,
              let text = try? String(contentsOfFile: path(pidFile: pidFile), encoding: .utf8) else { return nil }
        return try? EdgeConfig.parse(text, fileName: path(pidFile: pidFile))
    }
}
