#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Another process on this machine, by its id: is it still running, and what was it started as.
/// For the upgrade's hand-over (the old node, found by its pid file) and the disk tier's `tmp`
/// files (named by the process writing them).
public enum RunningProcess {
    /// True when process `pid` exists and has not ended (a zombie, not yet reaped, has ended).
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        // `/proc/PID/stat` reads `PID (COMMAND) STATE ...`; the command may hold spaces and parentheses.
        guard let stat = read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state != "Z" && state != "X"
    }

    /// The arguments `pid` was started with (`/proc/PID/cmdline`), argv[0] first; nil when unknown.
    public static func arguments(_ pid: pid_t) -> [String]? {
        read("/proc/\(pid)/cmdline").map { $0.split(separator: "\0").map(String.init) }
    }

    /// A small file of `/proc`, whole.
    private static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
