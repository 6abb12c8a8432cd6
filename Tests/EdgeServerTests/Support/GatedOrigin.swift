import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A loopback origin on a thread of its own for downloads that must outlast something: each request
/// gets a `200` head with the Content-Length of `body` and the first half of it at once, and the rest
/// only after `open()`. `body(length:)` is what it sends.
final class GatedOrigin: Sendable {
    let port: Int
    private let listener: Int32
    private let gate = Gate()
    let body: [UInt8]

    init(length: Int) throws {
        let (fd, boundPort) = try LoopbackSocket.listenAnyPort()
        listener = fd
        port = boundPort
        let body = Self.body(length: length)
        self.body = body
        let gate = self.gate
        Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                Thread {
                    defer { close(client) }
                    var received: [UInt8] = []
                    var chunk = [UInt8](repeating: 0, count: 4096)
                    while !received.containsHeadEnd {
                        let n = recv(client, &chunk, chunk.count, 0)
                        if n <= 0 { return }
                        received += chunk[0..<n]
                    }
                    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nCache-Control: no-store\r\n"
                        + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                    let half = body.count / 2
                    try? LoopbackSocket.sendAll(client, Array(head.utf8) + body[0..<half])
                    gate.wait()
                    try? LoopbackSocket.sendAll(client, Array(body[half...]))
                }.start()
            }
        }.start()
    }

    /// Lets every waiting response, and every later one, send the rest of its body.
    func open() {
        gate.open()
    }

    func stop() {
        open()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Bytes that show where they are: a lost or repeated piece changes what the client reads.
    static func body(length: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 251) }
    }
}

/// Closed until opened once; then open for good.
private final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let opened = Mutex(false)

    func wait() {
        guard !opened.withLock({ $0 }) else { return }
        semaphore.wait()
        semaphore.signal()
    }

    func open() {
        let first = opened.withLock { opened in
            defer { opened = true }
            return !opened
        }
        if first { semaphore.signal() }
    }
}

private extension Array where Element == UInt8 {
    var containsHeadEnd: Bool {
        guard count >= 4 else { return false }
        return (0...(count - 4)).contains { self[$0] == 13 && self[$0 + 1] == 10 && self[$0 + 2] == 13 && self[$0 + 3] == 10 }
    }
}
