import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback HTTP/1.x client that reads a response head on its own and counts body bytes
/// without keeping them, for 100-continue exchanges, truncated responses and bodies of hundreds of MiB.
final class StreamingHTTPClient {
    struct Head: CustomStringConvertible {
        var version: String
        var status: Int
        var headers: [(String, String)]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        func headers(_ name: String) -> [String] {
            headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
        }

        var description: String { "\(version) \(status) \(headers)" }
    }

    /// What arrived of a body: how many bytes, and whether its framing said it was complete.
    struct BodyCount {
        var bytes: Int
        var complete: Bool
        /// The body ended because the connection closed (no length, no chunked framing).
        var closeDelimited: Bool
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var chunk = [UInt8](repeating: 0, count: 256 * 1024)

    init(port: Int, timeoutSeconds: Int = 10) throws {
        fd = try LoopbackSocket.connect(port: port, timeoutSeconds: timeoutSeconds)
    }

    deinit {
        close(fd)
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        try LoopbackSocket.sendAll(fd, bytes)
    }

    /// Sends `count` bytes of filler from one reused block: an upload whose size costs the client nothing.
    func sendFiller(count: Int) throws {
        let block = [UInt8](repeating: UInt8(ascii: "u"), count: 64 * 1024)
        var left = count
        while left > 0 {
            let size = min(left, block.count)
            try send(Array(block[0..<size]))
            left -= size
        }
    }

    /// Reads the next response head, informational ones (100 Continue) included.
    func readHead() throws -> Head {
        while true {
            if let end = headEnd() {
                let text = String(decoding: buffer[start..<end], as: UTF8.self)
                start = end + 4
                var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
                let statusLine = lines.removeFirst()
                let parts = statusLine.split(separator: " ")
                guard parts.count >= 2, let status = Int(parts[1]) else {
                    throw RawHTTPConnection.Failure(description: "bad status line \(statusLine)")
                }
                let headers = lines.compactMap { line -> (String, String)? in
                    guard let colon = line.firstIndex(of: ":") else { return nil }
                    return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: " \t"))
                }
                return Head(version: String(parts[0]), status: status, headers: headers)
            }
            guard try fill() else { throw RawHTTPConnection.Failure(description: "connection closed before a response head") }
        }
    }

    /// Reads a body as its head frames it, counting bytes; a connection closed early gives `complete: false`.
    func countBody(for head: Head, requestMethod: String = "GET") throws -> BodyCount {
        if requestMethod == "HEAD" || head.status == 204 || head.status == 304 || (100..<200).contains(head.status) {
            return BodyCount(bytes: 0, complete: true, closeDelimited: false)
        }
        if head.header("transfer-encoding")?.lowercased().hasSuffix("chunked") == true {
            return try countChunked()
        }
        if let length = head.header("content-length").flatMap(Int.init) {
            var count = 0
            while count < length {
                if available == 0, try !fill() {
                    return BodyCount(bytes: count, complete: false, closeDelimited: false)
                }
                let take = min(available, length - count)
                start += take
                count += take
                compact()
            }
            compact()
            return BodyCount(bytes: length, complete: true, closeDelimited: false)
        }
        var count = available
        start = buffer.count
        compact()
        while try fill() {
            count += available
            start = buffer.count
            compact()
        }
        return BodyCount(bytes: count, complete: true, closeDelimited: true)
    }

    /// Reads a short Content-Length body whole.
    func readSmallBody(for head: Head) throws -> [UInt8] {
        let length = head.header("content-length").flatMap(Int.init) ?? 0
        while available < length {
            guard try fill() else { throw RawHTTPConnection.Failure(description: "connection closed inside a body") }
        }
        let body = Array(buffer[start..<(start + length)])
        start += length
        compact()
        return body
    }

    /// Reads body bytes (of a stream that never ends, such as Server-Sent Events) until `marker`
    /// has arrived; returns what arrived. Throws when the connection ends or the read timeout passes first.
    func readUntil(_ marker: String) throws -> String {
        while true {
            let text = String(decoding: buffer[start...], as: UTF8.self)
            if text.contains(marker) { return text }
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { throw LoopbackFailure(description: "the stream ended before \"\(marker)\": \(text)") }
            buffer += chunk[0..<n]
        }
    }

    struct LoopbackFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Waits for the peer to close, discarding anything it sends. False when the read timeout passes first.
    func waitForClose() -> Bool {
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    private var available: Int { buffer.count - start }

    private func compact() {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 1 << 20 {
            buffer.removeFirst(start)
            start = 0
        }
    }

    private func fill() throws -> Bool {
        let n = recv(fd, &chunk, chunk.count, 0)
        if n < 0 {
            if errno == ECONNRESET { return false }
            throw RawHTTPConnection.Failure(description: "read timed out or failed (errno \(errno))")
        }
        if n == 0 { return false }
        buffer += chunk[0..<n]
        return true
    }

    private func headEnd() -> Int? {
        guard available >= 4 else { return nil }
        for i in start...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }

    private func readLine() throws -> String? {
        while true {
            if let index = buffer[start...].firstIndex(of: 10), index > start, buffer[index - 1] == 13 {
                let line = String(decoding: buffer[start..<(index - 1)], as: UTF8.self)
                start = index + 1
                return line
            }
            guard try fill() else { return nil }
        }
    }

    private func countChunked() throws -> BodyCount {
        var count = 0
        while true {
            guard let sizeLine = try readLine() else { return BodyCount(bytes: count, complete: false, closeDelimited: false) }
            guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                throw RawHTTPConnection.Failure(description: "bad chunk size \(sizeLine)")
            }
            if size == 0 {
                while true {
                    guard let trailer = try readLine() else { return BodyCount(bytes: count, complete: false, closeDelimited: false) }
                    if trailer.isEmpty { break }
                }
                compact()
                return BodyCount(bytes: count, complete: true, closeDelimited: false)
            }
            var left = size
            while left > 0 {
                if available == 0, try !fill() {
                    return BodyCount(bytes: count, complete: false, closeDelimited: false)
                }
                let take = min(available, left)
                start += take
                left -= take
                count += take
                compact()
            }
            compact()
            guard try readLine() != nil else { return BodyCount(bytes: count, complete: false, closeDelimited: false) }
        }
    }
}
