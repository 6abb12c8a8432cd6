#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A child process started with `posix_spawn`, for the tests' tools and the `edge` binary.
///
/// Not Foundation's `Process`: on Linux its `run()` crashed twice inside
/// `findMaximumOpenFromProcSelfFD` with the whole suite running (thousands of descriptors open,
/// hundreds of threads). Here the child gets exactly the descriptors it is given: 0, 1 and 2,
/// everything above closed by `posix_spawn_file_actions_addclosefrom_np`.
final class ChildProcess: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// How the child ended.
    struct Termination: Sendable {
        var status: Int32
        /// True when a signal ended it (then `status` is the signal number).
        var bySignal: Bool
    }

    let pid: pid_t
    private let ended = Mutex<Termination?>(nil)

    /// Starts `path` with `arguments` (argv[1...]) and `environment`; `stdin`, `stdout` and
    /// `stderr` are descriptors of the parent that become the child's 0, 1 and 2.
    init(path: String, arguments: [String], environment: [String: String], stdin: Int32, stdout: Int32, stderr: Int32) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        guard Self.addCloseFrom(&actions, 3) == 0 else { throw Failure(description: "posix_spawn_file_actions_addclosefrom_np is missing") }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, nil, argv, envp)
        guard result == 0 else { throw Failure(description: "cannot start \(path): \(String(cString: strerror(result)))") }
        pid = child
    }

    /// The child's end, without waiting; nil while it runs.
    var termination: Termination? {
        ended.withLock { ended in
            if let ended { return ended }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
            ended = Self.termination(status)
            return ended
        }
    }

    var isRunning: Bool { termination == nil }

    func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    private static func termination(_ status: Int32) -> Termination {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        let signal = status & 0x7f
        return signal == 0 ? Termination(status: (status >> 8) & 0xff, bySignal: false) : Termination(status: signal, bySignal: true)
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc 2.34+ has it; Swift's Glibc module does not declare it.
    private static func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowest: Int32) -> Int32 {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return -1 }
        return unsafeBitCast(symbol, to: CloseFrom.self)(actions, lowest)
    }
}
