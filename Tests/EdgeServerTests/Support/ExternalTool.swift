import Foundation

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
        guard FileManager.default.createFile(atPath: outPath, contents: nil), FileManager.default.createFile(atPath: errPath, contents: nil) else {
            throw Failure(description: "cannot create output files in \(directory.url.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        if let stdin {
            let input = try directory.write("stdin", "")
            try stdin.write(to: URL(fileURLWithPath: input))
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try ProcessLaunch.run(process)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning {
            if Date() >= deadline {
                process.terminate()
                throw Failure(description: "\(tool) \(arguments) did not finish within \(timeoutSeconds)s")
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return Outcome(
            exitCode: process.terminationStatus,
            stdout: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(),
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
