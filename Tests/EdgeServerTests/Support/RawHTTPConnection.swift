#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain blocking TCP connection speaking HTTP/1.1 byte for byte, so tests control every octet
/// (pipelining, smuggling attempts, slow senders) and see exactly what the edge sends back.
final class RawHTTPConnection {
    struct Response: CustomStringConvertible {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        /// Informational (1xx) responses that came before this one, such as 103 Early Hints.
        var interim: [Response] = []

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        func headers(_ name: String) -> [String] {
            headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
        }

        var text: String { String(decoding: body, as: UTF8.self) }
        var description: String { "\(status) \(headers) \(text.prefix(200))" }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    fileprivate let fd: Int32
    private var buffer: [UInt8] = []

    init(host: String = "127.0.0.1", port: Int, timeoutSeconds: Int = 10) throws {
        fd = try LoopbackSocket.connect(host: host, port: port, timeoutSeconds: timeoutSeconds)
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

    /// Reads one response. `bodyExpected: false` for responses to HEAD.
    func readResponse(bodyExpected: Bool = true) throws -> Response {
        var interim: [Response] = []
        var head = try readStatusAndHeaders()
        // Informational (1xx) responses such as 100 Continue and 103 Early Hints come first.
        while (100..<200).contains(head.status) {
            interim.append(head)
            head = try readStatusAndHeaders()
        }
        var response = head
        response.interim = interim
        let status = response.status
        guard bodyExpected, status != 204, status != 304 else { return response }
        if let length = response.header("content-length").flatMap(Int.init) {
            response.body = try readExactly(length)
        } else if response.header("transfer-encoding")?.lowercased() == "chunked" {
            response.body = try readChunked()
        } else {
            response.body = try readToEnd()
        }
        return response
    }

    /// One response head (status line and fields), without its body: an interim response, say.
    func readStatusAndHeaders() throws -> Response {
        let headText = try readHead()
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let code = Int(parts[1]) else { throw Failure(description: "bad status line \(statusLine)") }
        let headers = lines.filter { !$0.isEmpty }.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: " \t"))
        }
        return Response(status: code, headers: headers, body: [])
    }

    /// True when the peer has closed the connection (reads return end of file) within the timeout.
    func isClosedByPeer() -> Bool {
        if !buffer.isEmpty { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        if n == 0 { return true }
        if n > 0 { buffer.append(byte) }
        return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK
    }

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n < 0 { throw Failure(description: "read timed out or failed (errno \(errno))") }
        if n == 0 { return false }
        buffer += chunk[0..<n]
        return true
    }

    private func readHead() throws -> String {
        while true {
            if let end = findHeadEnd() {
                let head = String(decoding: buffer[0..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                return head
            }
            guard try fill() else { throw Failure(description: "connection closed before a response head") }
        }
    }

    private func findHeadEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw Failure(description: "connection closed after \(buffer.count) of \(count) body bytes") }
        }
        let bytes = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return bytes
    }

    private func readLine() throws -> String {
        while true {
            if let index = buffer.firstIndex(of: 10), index > 0, buffer[index - 1] == 13 {
                let line = String(decoding: buffer[0..<(index - 1)], as: UTF8.self)
                buffer.removeFirst(index + 1)
                return line
            }
            guard try fill() else { throw Failure(description: "connection closed inside chunked framing") }
        }
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try readLine()
            guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else { throw Failure(description: "bad chunk size \(sizeLine)") }
            if size == 0 {
                while try !readLine().isEmpty {}
                return body
            }
            body += try readExactly(size)
            _ = try readLine()
        }
    }

    private func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { buffer.removeAll() }
        return buffer
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        return String(String(drop { characters.contains($0) }.reversed()).drop { characters.contains($0) }.reversed())
    }
}

extension RawHTTPConnection {
    /// The port this end of the connection is bound to.
    var localPort: Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return status == 0 ? Int(UInt16(bigEndian: address.sin_port)) : 0
    }
}
