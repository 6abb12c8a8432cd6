import Foundation
import NIOCore
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the `edge serve` process ends on SIGTERM and SIGINT.
@Suite("edge serve shutdown on signals", .serialized)
struct ServeShutdownTests {
    @Test("a termination signal during a slow request: new connections are refused, the response completes, exit 0", arguments: [SIGTERM, SIGINT])
    func drainsInFlightRequest(signal: Int32) async throws {
        try await withTestOrigin({ _ in .init(body: "slow body", delay: .milliseconds(1500)) }) { origin in
            let edge = try await EdgeServeProcess.start { port in
                ["serve", "--listen", "127.0.0.1:\(port)", "--origin", origin.url]
            }
            let finished = Flag()
            let port = edge.port
            let slow = Task {
                defer { finished.set() }
                return try await EdgeServeProcess.get(port: port, "/slow")
            }
            try await Self.waitUntil("the origin received the slow request") { origin.requestCount == 1 }
            edge.process.send(signal)

            // The listener closes at once; the slow response is still on its way (the origin answers at 1.5 s).
            try await Self.waitUntil("connections are refused after the signal", timeoutSeconds: 1) { FreePort.refusesConnections(edge.port) }
            #expect(!finished.isSet, "the refusal was observed while the request was in flight")
            #expect(edge.process.isRunning, "the process waits for the request in flight")

            let response = try await slow.value
            #expect(response.status == 200)
            #expect(response.text == "slow body")
            #expect(response.header("connection")?.lowercased() == "close", "a draining server ends the connection: \(response)")

            let outcome = try await edge.process.waitForExit(timeoutSeconds: 10)
            #expect(outcome.exitCode == 0, "\(outcome)")
            #expect(!outcome.killedBySignal, "\(outcome)")
            CheckCommandTests.expectNoCrashOutput(outcome)
            #expect(outcome.stdout.contains("\"GET /slow HTTP/1.1\" 200 "), "the drained request is in the access log: \(outcome.stdout)")
        }
    }

    @Test("a request longer than drain_timeout is cut off at the timeout and edge still exits 0")
    func drainTimeoutCutsOff() async throws {
        try await withTestOrigin({ _ in .init(body: "too slow", delay: .seconds(8)) }) { origin in
            let directory = try TemporaryDirectory()
            let edge = try await EdgeServeProcess.start { port in
                let config = try directory.write("edge.conf", """
                    [server]
                    listen = ["127.0.0.1:\(port)"]
                    drain_timeout = "1s"

                    [[pools]]
                    name = "default"
                    servers = [{ url = "\(origin.url)" }]
                    """)
                return ["serve", "--config", config]
            }
            let port = edge.port
            let slow = Task { try await EdgeServeProcess.get(port: port, "/slow", timeoutSeconds: 15) }
            try await Self.waitUntil("the origin received the slow request") { origin.requestCount == 1 }
            let signalled = Date()
            edge.process.send(SIGTERM)
            let outcome = try await edge.process.waitForExit(timeoutSeconds: 10)
            let took = Date().timeIntervalSince(signalled)
            #expect(outcome.exitCode == 0, "\(outcome)")
            #expect(!outcome.killedBySignal)
            #expect(took >= 0.9 && took < 4, "exit follows the 1 s drain timeout, took \(took) s")
            let result = await slow.result
            if case .success(let response) = result {
                Issue.record("the cut-off request should not complete: \(response)")
            }
        }
    }

    @Test("a signal right after the serving announcement still drains and exits 0", arguments: [SIGTERM, SIGINT])
    func signalRightAfterAnnouncement(signal: Int32) async throws {
        try await withTestOrigin { origin in
            // Repeated because handlers installed after the announcement lose the race only sometimes
            // (seen: about one start in four was killed by the signal or never noticed it).
            for _ in 0..<12 {
                let edge = try await EdgeServeProcess.start { port in
                    ["serve", "--listen", "127.0.0.1:\(port)", "--origin", origin.url]
                }
                edge.process.send(signal)
                let outcome = try await edge.process.waitForExit(timeoutSeconds: 5)
                #expect(outcome.exitCode == 0, "\(outcome)")
                #expect(!outcome.killedBySignal, "the default signal action killed edge: \(outcome)")
            }
        }
    }

    @Test("SIGINT with an idle keep-alive client connection exits 0 promptly and closes the connection")
    func sigintWithIdleConnectionExits() async throws {
        try await withTestOrigin { origin in
            let edge = try await EdgeServeProcess.start { port in
                ["serve", "--listen", "127.0.0.1:\(port)", "--origin", origin.url]
            }
            // A loopback answer from a live origin is quick, so blocking here briefly is harmless.
            let connection = try RawHTTPConnection(port: edge.port, timeoutSeconds: 5)
            try connection.send(EdgeHarness.request(path: "/"))
            let response = try connection.readResponse()
            #expect(response.status == 200)
            let started = Date()
            edge.process.send(SIGINT)
            let outcome = try await edge.process.waitForExit(timeoutSeconds: 10)
            #expect(outcome.exitCode == 0, "\(outcome)")
            #expect(!outcome.killedBySignal)
            #expect(Date().timeIntervalSince(started) < 5, "an idle keep-alive connection does not hold up exit")
            #expect(connection.isClosedByPeer(), "the idle connection was closed")
        }
    }

    static func waitUntil(_ what: String, timeoutSeconds: Double = 5, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while !condition() {
            guard Date() < deadline else {
                throw EdgeProcess.Failure(description: "timed out after \(timeoutSeconds)s waiting until \(what)")
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }
}

/// Set once from another task; read by the test.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
