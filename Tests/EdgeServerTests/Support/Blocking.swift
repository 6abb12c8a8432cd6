import Foundation

/// Runs blocking socket work on a thread of its own, so long reads and writes by test clients never
/// hold one of the few threads of Swift's cooperative pool that the rest of the tests share.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.start()
    }
}

/// A loopback port that was free a moment ago: bound once to get a number, then closed. For a server
/// that must bind it itself; another bind may take it meanwhile, so callers retry.
func unusedLoopbackPort() throws -> Int {
    let reserved = try RefusingPort()
    return reserved.port
}

/// A loopback port held bound but not listening while this value lives: connections to it are
/// refused, and no other socket in the process can be given the same port meanwhile (the socket does
/// not set SO_REUSEADDR, so no later bind can share it).
final class RefusingPort: Sendable {
    let port: Int
    private let fd: Int32

    init() throws {
        (fd, port) = try LoopbackSocket.bindAnyPort()
    }

    deinit {
        close(fd)
    }
}
