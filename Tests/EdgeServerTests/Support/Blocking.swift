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
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPConnection.Failure(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw RawHTTPConnection.Failure(description: "bind() failed")
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(fd)
    }
}
