import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command-line tool (curl, openssl) to completion with a bounded wait, its output
/// collected in files so a large body cannot block it on a full pipe.
enum ExternalTool {
    struct Outcome: CustomStringConvertible, Sendable {
        var exitCode: Int32
        var stdout: Data
        var stderr: String

        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var description: String { "exit \(exitCode)\nstdout: \(stdoutText.prefix(2000))\nstderr: \(stderr.prefix(2000))" }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `runBlocking` on a thread of its own, so that waiting does not hold a cooperative thread.
    static func run(_ tool: String, _ arguments: [String], stdin: Data? = nil, timeoutSeconds: Double = 30) async throws -> Outcome {
        try await onThread { try runBlocking(tool, arguments, stdin: stdin, timeoutSeconds: timeoutSeconds) }
    }

    /// `tool` is looked up in /usr/bin and /bin.
    static func runBlocking(_ tool: String, _ arguments: [String], stdin: Data? = nil, timeoutSeconds: Double = 30) throws -> Outcome {
        guard let path = ["/usr/bin/\(tool)", "/bin/\(tool)", "/usr/local/bin/\(tool)"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(description: "\(tool) is not installed (.ci/run installs it)")
        }
        let directory = try TemporaryDirectory()
        let outPath = directory.path("stdout")
        let errPath = directory.path("stderr")
        var inputPath = "/dev/null"
        if let stdin {
            inputPath = directory.path("stdin")
            try stdin.write(to: URL(fileURLWithPath: inputPath))
        }
        let input = open(inputPath, O_RDONLY | O_CLOEXEC)
        let output = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let errors = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer {
            for descriptor in [input, output, errors] where descriptor >= 0 { close(descriptor) }
        }
        guard input >= 0, output >= 0, errors >= 0 else { throw Failure(description: "cannot open the files for \(tool) in \(directory.url.path)") }
        let process = try ChildProcess(path: path, arguments: arguments, environment: ProcessInfo.processInfo.environment,
                                       stdin: input, stdout: output, stderr: errors)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning {
            if Date() >= deadline {
                process.send(SIGKILL)
                _ = process.termination
                throw Failure(description: "\(tool) \(arguments) did not finish within \(timeoutSeconds)s")
            }
            usleep(2_000)
        }
        return Outcome(
            exitCode: process.termination?.status ?? -1,
            stdout: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(),
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
