import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward HTTP proxy on loopback that adds `Save-Data: on` to every request, because a browser
/// cannot be told to send a request header from its command line. It forwards only to loopback
/// (anything else gets 403, so a browser's background traffic never leaves the machine), one request
/// per connection (`Connection: close` upstream), and records every request it forwarded.
final class SaveDataProxy: Sendable {
    let port: Int
    private let listener: Int32
    private let state = Mutex(State())

    private struct State {
        var requests: [String] = []
        var connections: Set<Int32> = []
        var stopped = false
    }

    init() throws {
        let (fd, boundPort) = try LoopbackSocket.listenAnyPort(backlog: 64)
        listener = fd
        port = boundPort
        Thread { [self] in acceptLoop() }.start()
    }

    deinit {
        stop()
    }

    /// Request lines ("GET /path") forwarded so far, in order.
    var requests: [String] { state.withLock { $0.requests } }

    /// Stops accepting and cuts every open connection; their threads then end on their own.
    func stop() {
        // shutdown, not close, wakes a thread blocked on the socket; under the lock, because the
        // threads close their sockets under it too, so no number is shut down after its reuse.
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            for fd in state.connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                break
            }
            let admitted = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.connections.insert(client)
                return true
            }
            guard admitted else {
                close(client)
                break
            }
            Thread { [self] in
                serve(client)
                closeTracked(client)
            }.start()
        }
        state.withLock { state in
            state.stopped = true
            close(listener)
        }
    }

    private func closeTracked(_ fd: Int32) {
        state.withLock { state in
            state.connections.remove(fd)
            close(fd)
        }
    }

    /// One request: read its head, rewrite it for the origin with `Save-Data: on`, relay the answer.
    private func serve(_ client: Int32) {
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let (head, rest) = readHead(client),
              let forward = Self.rewrite(head) else {
            try? LoopbackSocket.sendAll(client, Array("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
            return
        }
        let upstream: Int32
        do {
            upstream = try LoopbackSocket.connect(port: forward.port, timeoutSeconds: 30)
        } catch {
            try? LoopbackSocket.sendAll(client, Array("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
            return
        }
        let tracked = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.requests.append(forward.requestLine)
            state.connections.insert(upstream)
            return true
        }
        defer { closeTracked(upstream) }
        guard tracked else { return }
        do {
            // Test pages are fetched with GET; a body already read with the head is passed on as is.
            try LoopbackSocket.sendAll(upstream, Array(forward.head.utf8) + rest)
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = recv(upstream, &buffer, buffer.count, 0)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                try LoopbackSocket.sendAll(client, Array(buffer[0..<count]))
            }
        } catch {
            // The browser went away (it exits once the page has loaded): nothing left to relay.
        }
    }

    /// The request head up to the blank line, and any bytes read past it.
    private func readHead(_ fd: Int32) -> (String, [UInt8])? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while bytes.count < 65536 {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            bytes += buffer[0..<count]
            if let range = bytes.firstRange(of: end) {
                return (String(decoding: bytes[..<range.upperBound], as: UTF8.self), Array(bytes[range.upperBound...]))
            }
        }
        return nil
    }

    struct Forward {
        var port: Int
        var head: String
        var requestLine: String
    }

    /// The proxy request `head` ("GET http://127.0.0.1:PORT/path HTTP/1.1" …) as an origin-form
    /// request for that loopback port with `Save-Data: on`; nil for anything not aimed at loopback.
    static func rewrite(_ head: String) -> Forward? {
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard !lines.isEmpty else { return nil }
        let parts = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3,
              let url = URLComponents(string: String(parts[1])),
              url.scheme == "http",
              url.host == "127.0.0.1" || url.host == "localhost",
              let port = url.port else { return nil }
        let target = url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath
        let query = url.percentEncodedQuery.map { "?\($0)" } ?? ""
        let dropped: Set<String> = ["proxy-connection", "connection", "keep-alive", "save-data"]
        let headers = lines.filter { line in
            guard let colon = line.firstIndex(of: ":") else { return false }
            return !dropped.contains(line[..<colon].trimmingCharacters(in: .whitespaces).lowercased())
        }
        let head = (["\(parts[0]) \(target)\(query) \(parts[2])"] + headers + ["Save-Data: on", "Connection: close", "", ""])
            .joined(separator: "\r\n")
        return Forward(port: port, head: head, requestLine: "\(parts[0]) \(target)\(query)")
    }
}
