import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `edge check` and bare `edge`, run as the real executable.
@Suite("edge check and edge with no arguments, as a process")
struct CheckCommandTests {
    /// edge.conf.sample at the top of the repository.
    static let sampleConfig = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("edge.conf.sample").path

    @Test("edge check on the sample config exits 0 and prints every section")
    func sampleConfigChecks() async throws {
        let outcome = try await EdgeProcess.run(["check", "--config", Self.sampleConfig])
        #expect(outcome.exitCode == 0, "\(outcome)")
        #expect(!outcome.killedBySignal)
        for section in ["[server]", "[cache]", "[[pools]]", "[[sites]]", "[admin]", "[logging]"] {
            #expect(outcome.stdout.contains(section), "missing \(section) in:\n\(outcome.stdout)")
        }
        #expect(outcome.stdout.contains("http://127.0.0.1:9000"))
        #expect(outcome.stderr.isEmpty, "\(outcome.stderr)")
    }

    @Test("a misspelt key is one line on stderr naming file, line and key, and exit 1")
    func misspeltKeyIsOneLine() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("bad.conf", """
            [server]
            via = "edge"

            [cache]
            memory_sise = "1MiB"
            """)
        let outcome = try await EdgeProcess.run(["check", "--config", file])
        #expect(outcome.exitCode == 1, "\(outcome)")
        #expect(!outcome.killedBySignal)
        #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
        let line = outcome.stderrLines.first ?? ""
        #expect(line.hasPrefix("edge: \(file):5: cache.memory_sise: "), "\(line)")
        #expect(line.contains("memory_size"), "the suggestion names the right key: \(line)")
        #expect(outcome.stdout.isEmpty, "nothing is printed as the effective config: \(outcome.stdout)")
        Self.expectNoCrashOutput(outcome)
    }

    @Test("edge check creates the disk tier's directory and prints [cache.disk]; a directory it cannot create is one line naming the key, exit 1")
    func diskDirectory() async throws {
        let directory = try TemporaryDirectory()
        let good = try directory.write("good.conf", "[cache.disk]\npath = \"\(directory.path("cache"))\"\nsize = \"64MiB\"\nmax_object_size = \"1MiB\"\n")
        let outcome = try await EdgeProcess.run(["check", "--config", good])
        #expect(outcome.exitCode == 0, "\(outcome)")
        #expect(outcome.stdout.contains("[cache.disk]"))
        #expect(FileManager.default.fileExists(atPath: directory.path("cache/tmp")))

        let blocker = try directory.write("blocker", "a file, not a directory")
        let bad = try directory.write("bad.conf", "[cache.disk]\npath = \"\(blocker)/cache\"\nsize = \"64MiB\"\nmax_object_size = \"1MiB\"\n")
        let refused = try await EdgeProcess.run(["check", "--config", bad])
        #expect(refused.exitCode == 1, "\(refused)")
        #expect(refused.stderrLines.count == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("cache.disk.path"), "\(refused.stderr)")
        #expect(refused.stderr.contains(blocker), "\(refused.stderr)")
        Self.expectNoCrashOutput(refused)
    }

    @Test("a missing config file exits 1 with a line naming the file")
    func missingFileIsNamed() async throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("nowhere.conf")
        let outcome = try await EdgeProcess.run(["check", "--config", file])
        #expect(outcome.exitCode == 1, "\(outcome)")
        #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("edge: "), "\(outcome.stderr)")
        #expect(outcome.stderr.contains(file), "\(outcome.stderr)")
        Self.expectNoCrashOutput(outcome)
    }

    @Test("a bad --listen value exits 1 with one line naming the flag and the value", arguments: ["localhost", "127.0.0.1:99999", "127.0.0.1:http"])
    func badListenFlag(value: String) async throws {
        let outcome = try await EdgeProcess.run(["check", "--listen", value])
        #expect(outcome.exitCode == 1, "\(outcome)")
        #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("edge: --listen: "), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("\"\(value)\""), "\(outcome.stderr)")
        Self.expectNoCrashOutput(outcome)
    }

    @Test("a bad --origin value exits 1 with one line naming the flag", arguments: ["ftp://127.0.0.1:21", "not a url", "https://127.0.0.1:99999"])
    func badOriginFlag(value: String) async throws {
        let outcome = try await EdgeProcess.run(["check", "--origin", value])
        #expect(outcome.exitCode == 1, "\(outcome)")
        #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("edge: --origin: "), "\(outcome.stderr)")
        Self.expectNoCrashOutput(outcome)
    }

    @Test("edge with no arguments previews the bundled demo site on 127.0.0.1:8080 and stops cleanly on SIGTERM")
    func noArgumentsPreviewsDemo() async throws {
        let process = try EdgeProcess([])
        let line = try await process.waitForStdoutLine { $0.hasPrefix("edge: serving on") }
        #expect(line == "edge: serving on http://127.0.0.1:8080")
        let home = try await EdgeServeProcess.get(port: 8080, "/")
        #expect(home.status == 200)
        #expect(home.text.contains("<nav"), "the demo's home page: \(home.text.prefix(300))")
        process.send(SIGTERM)
        let outcome = try await process.waitForExit()
        #expect(outcome.exitCode == 0, "\(outcome)")
        #expect(!outcome.killedBySignal)
    }

    /// A crash prints a backtrace or a fatal error; a clean error exit prints neither.
    static func expectNoCrashOutput(_ outcome: EdgeProcess.Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!outcome.killedBySignal, sourceLocation: sourceLocation)
        for marker in ["Fatal error", "Stack dump", "Backtrace", "Current stack trace", "💣", "Thread 0"] {
            #expect(!outcome.stderr.contains(marker), "crash output: \(outcome.stderr)", sourceLocation: sourceLocation)
        }
    }
}
