import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback origin speaking raw bytes on a thread of its own: after each request head it sends
/// `pieces` in order, each after its delay in milliseconds, as separate TCP segments.
final class PacedOrigin: Sendable {
    let port: Int
    private let listener: Int32

    init(pieces: [(Int, String)]) throws {
        let (fd, boundPort) = try LoopbackSocket.listenAnyPort()
        listener = fd
        port = boundPort
        let script = pieces
        Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                var one: Int32 = 1
                setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                Thread {
                    defer { close(client) }
                    var received: [UInt8] = []
                    var chunk = [UInt8](repeating: 0, count: 4096)
                    while true {
                        let n = recv(client, &chunk, chunk.count, 0)
                        if n <= 0 { return }
                        received += chunk[0..<n]
                        guard let end = Self.headEnd(received) else { continue }
                        received.removeFirst(end + 4)
                        for (delay, text) in script {
                            if delay > 0 { usleep(UInt32(delay) * 1000) }
                            let bytes = Array(text.utf8)
                            _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                        }
                    }
                }.start()
            }
        }.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}
