import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real `edge` executable run as a child process, so tests see exactly what a user sees:
/// exit codes, stdout, stderr and signal handling. Every wait is bounded.
final class EdgeProcess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// How a finished process ended and what it wrote.
    struct Outcome: CustomStringConvertible {
        var exitCode: Int32
        /// True when a signal killed it (then `exitCode` is the signal number).
        var killedBySignal: Bool
        var stdout: String
        var stderr: String

        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
        var description: String { "exit \(exitCode)\(killedBySignal ? " (signal)" : "")\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// The `edge` binary SwiftPM builds next to the test bundle.
    static func executable() throws -> URL {
        var candidates: [URL] = []
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: resolved).deletingLastPathComponent())
        }
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        // On Darwin the test binary sits inside Foo.xctest/Contents/MacOS; the products are beside Foo.xctest.
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for directory in candidates {
            let binary = directory.appendingPathComponent("edge")
            if FileManager.default.isExecutableFile(atPath: binary.path) {
                return binary
            }
        }
        throw Failure(description: "the edge executable was not found next to the test binary (looked in \(candidates.map(\.path))); build it with `swift build --build-tests`")
    }

    /// Runs `edge arguments` to completion and returns what happened.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeoutSeconds: Double = 20) async throws -> Outcome {
        let process = try EdgeProcess(arguments, environment: environment)
        return try await process.waitForExit(timeoutSeconds: timeoutSeconds)
    }

    private let process: ChildProcess
    private let stdout = OutputCollector()
    private let stderr = OutputCollector()
    let arguments: [String]

    /// Starts `edge arguments`. `EDGE_*` variables of the test environment are dropped so they cannot leak in.
    /// `descriptorLimit`: the child's limit on open descriptors, soft and hard (set by util-linux's
    /// `prlimit`, which then becomes `edge`: the pid is edge's).
    init(_ arguments: [String], environment: [String: String] = [:], descriptorLimit: Int? = nil) throws {
        self.arguments = arguments
        var inherited = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("EDGE_") }
        inherited.merge(environment) { _, new in new }
        let outPipe = try OutputCollector.makePipe()
        let errPipe = try OutputCollector.makePipe()
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            close(null)
            close(outPipe.write)
            close(errPipe.write)
        }
        do {
            var path = try Self.executable().path
            var argv = arguments
            if let descriptorLimit {
                argv = ["--nofile=\(descriptorLimit):\(descriptorLimit)", "--", path] + arguments
                path = "/usr/bin/prlimit"
            }
            process = try ChildProcess(path: path, arguments: argv, environment: inherited,
                                       stdin: null, stdout: outPipe.write, stderr: errPipe.write)
        } catch {
            close(outPipe.read)
            close(errPipe.read)
            throw error
        }
        stdout.attach(outPipe.read)
        stderr.attach(errPipe.read)
    }

    deinit {
        process.send(SIGKILL)
        // Reap it, so no zombie is left behind.
        _ = process.termination
    }

    var pid: Int32 { process.pid }
    var isRunning: Bool { process.isRunning }
    var stdoutText: String { stdout.text }
    var stderrText: String { stderr.text }

    func send(_ signal: Int32) {
        process.send(signal)
    }

    /// Waits until stdout has a line matching `predicate`, and returns it.
    func waitForStdoutLine(timeoutSeconds: Double = 10, where predicate: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if let line = stdout.text.split(separator: "\n").map(String.init).first(where: predicate) {
                return line
            }
            if !process.isRunning, stdout.isFinished {
                throw Failure(description: "edge \(arguments) exited before the expected line\n\(stdout.text)\nstderr: \(stderr.text)")
            }
            // Short: tests that signal right after the announcement depend on acting on it quickly.
            try await Task.sleep(nanoseconds: 1_000_000)
        }
        throw Failure(description: "no expected line on stdout within \(timeoutSeconds)s\nstdout: \(stdout.text)\nstderr: \(stderr.text)")
    }

    /// Waits for the process to end and for both pipes to reach end of file; kills it past the timeout.
    func waitForExit(timeoutSeconds: Double = 20) async throws -> Outcome {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning || !stdout.isFinished || !stderr.isFinished {
            if Date() >= deadline {
                let wasRunning = process.isRunning
                if wasRunning { process.send(SIGKILL) }
                throw Failure(description: "edge \(arguments) did not \(wasRunning ? "exit" : "close its output") within \(timeoutSeconds)s\nstdout: \(stdout.text)\nstderr: \(stderr.text)")
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        let termination = process.termination
        return Outcome(
            exitCode: termination?.status ?? -1,
            killedBySignal: termination?.bySignal ?? false,
            stdout: stdout.text,
            stderr: stderr.text)
    }
}

/// Collects everything a pipe delivers, read on its own thread until end of file.
///
/// Blocking reads rather than `readabilityHandler`: the handler does not reliably report end of file.
private final class OutputCollector: Sendable {
    private let state = Mutex<(bytes: [UInt8], finished: Bool)>(([], false))

    /// A pipe whose ends are closed in children (the child gets the write end as its 1 or 2).
    static func makePipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard Glibc.pipe(&ends) == 0 else { throw EdgeProcess.Failure(description: "pipe failed (errno \(errno))") }
        // Children are started with everything above 2 closed (ChildProcess); this is for anything else.
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        return (ends[0], ends[1])
    }

    /// Reads `descriptor` on a thread of its own until end of file, then closes it.
    func attach(_ descriptor: Int32) {
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(descriptor, &chunk, chunk.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                state.withLock { $0.bytes += chunk[0..<count] }
            }
            close(descriptor)
            state.withLock { $0.finished = true }
        }
        thread.start()
    }

    var text: String { state.withLock { String(decoding: $0.bytes, as: UTF8.self) } }
    var isFinished: Bool { state.withLock { $0.finished } }
}
