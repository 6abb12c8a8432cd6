import Foundation
import Synchronization

/// A few clients hammering a node until stopped, each on keep-alive connections of its own, each
/// request one of `paths` in turn. Counts answers and failures (an error, a closed connection, a
/// status other than 200), so a test can say "zero failed requests" of what happened meanwhile.
final class SteadyLoad: Sendable {
    let answered = Atomic<Int>(0)
    private let failures = Mutex<[String]>([])
    private let stopping = Atomic<Bool>(false)
    private let clients = Mutex<[Task<Void, Never>]>([])

    /// Starts `clients` loops against `port`; with `newConnections`, each request on a connection of its own.
    init(port: Int, clients count: Int = 4, host: String = "test.example", newConnections: Bool = false,
         paths: @escaping @Sendable (_ client: Int, _ round: Int) -> String) {
        let tasks = (0..<count).map { client in
            Task {
                _ = try? await onThread { [self] in
                    var connection: RawHTTPConnection?
                    var round = 0
                    while !stopping.load(ordering: .relaxed) {
                        round += 1
                        let path = paths(client, round)
                        do {
                            let open = try connection ?? RawHTTPConnection(port: port, timeoutSeconds: 30)
                            connection = open
                            try open.send(EdgeHarness.request(path: path, host: host))
                            let response = try open.readResponse()
                            if response.status == 200 {
                                answered.wrappingAdd(1, ordering: .relaxed)
                            } else {
                                failures.withLock { $0.append("\(path): status \(response.status)") }
                            }
                            if newConnections || response.header("connection")?.lowercased() == "close" { connection = nil }
                        } catch {
                            failures.withLock { $0.append("\(path): \(error)") }
                            connection = nil
                        }
                    }
                }
            }
        }
        clients.withLock { $0 = tasks }
    }

    /// Requests answered with 200 so far.
    var count: Int { answered.load(ordering: .relaxed) }

    /// Stops every client after its request at hand and returns what failed.
    func stop() async -> [String] {
        stopping.store(true, ordering: .relaxed)
        for task in clients.withLock({ $0 }) {
            await task.value
        }
        return failures.withLock { $0 }
    }
}
