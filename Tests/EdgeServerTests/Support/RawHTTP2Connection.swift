#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hand-driven HTTP/2 client over cleartext (prior knowledge) that writes raw frames, for tests
/// that must misbehave on purpose: rapid resets, CONTINUATION floods, reading the server's SETTINGS.
final class RawHTTP2Connection {
    struct Frame: Sendable {
        var type: UInt8
        var flags: UInt8
        var stream: UInt32
        var payload: [UInt8]

        static let data: UInt8 = 0, headers: UInt8 = 1, rstStream: UInt8 = 3, settings: UInt8 = 4
        static let ping: UInt8 = 6, goAway: UInt8 = 7, windowUpdate: UInt8 = 8, continuation: UInt8 = 9

        /// A WINDOW_UPDATE frame's increment.
        var windowIncrement: Int? {
            guard type == Frame.windowUpdate, payload.count == 4 else { return nil }
            return payload.reduce(0) { $0 << 8 | Int($1) } & 0x7fff_ffff
        }

        /// SETTINGS parameters as (identifier, value) pairs.
        var settings: [(UInt16, UInt32)] {
            var pairs: [(UInt16, UInt32)] = []
            var offset = 0
            while offset + 6 <= payload.count {
                let identifier = UInt16(payload[offset]) << 8 | UInt16(payload[offset + 1])
                var value: UInt32 = 0
                for byte in payload[(offset + 2)..<(offset + 6)] { value = value << 8 | UInt32(byte) }
                pairs.append((identifier, value))
                offset += 6
            }
            return pairs
        }

        /// A GOAWAY frame's last stream identifier.
        var lastStreamID: UInt32? {
            guard type == Frame.goAway, payload.count >= 8 else { return nil }
            return payload[0..<4].reduce(0) { $0 << 8 | UInt32($1) } & 0x7fff_ffff
        }

        /// A GOAWAY frame's error code.
        var errorCode: UInt32? {
            guard type == Frame.goAway, payload.count >= 8 else { return nil }
            var code: UInt32 = 0
            for byte in payload[4..<8] { code = code << 8 | UInt32(byte) }
            return code
        }
    }

    private let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects, sends the client preface and an empty SETTINGS frame.
    init(port: Int, timeoutSeconds: Int = 10) throws {
        fd = try LoopbackSocket.connect(port: port, timeoutSeconds: timeoutSeconds)
        try LoopbackSocket.sendAll(fd, Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8))
        try send(Frame(type: Frame.settings, flags: 0, stream: 0, payload: []))
    }

    deinit {
        close(fd)
    }

    func send(_ frame: Frame) throws {
        try LoopbackSocket.sendAll(fd, Self.encode(frame))
    }

    /// Several frames in one write, as an abusive client would.
    func send(_ frames: [Frame]) throws {
        try LoopbackSocket.sendAll(fd, frames.flatMap(Self.encode))
    }

    /// Whether PINGs are acknowledged as they are read, as real clients do (graceful shutdown waits for it).
    var acknowledgesPings = true

    /// The next frame, or nil when the server closed the connection.
    func readFrame() throws -> Frame? {
        while buffer.count < 9 || buffer.count < 9 + payloadLength {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = recv(fd, &chunk, chunk.count, 0)
            if count == 0 { return nil }
            if count < 0 {
                if errno == ECONNRESET { return nil }
                throw RawHTTPConnection.Failure(description: "recv failed (errno \(errno))")
            }
            buffer += chunk[0..<count]
        }
        let length = payloadLength
        let frame = Frame(
            type: buffer[3], flags: buffer[4],
            stream: Self.streamID(buffer[5...8]),
            payload: Array(buffer[9..<(9 + length)]))
        buffer.removeFirst(9 + length)
        if acknowledgesPings, frame.type == Frame.ping, frame.flags & 1 == 0 {
            try? send(Frame(type: Frame.ping, flags: 1, stream: 0, payload: frame.payload))
        }
        return frame
    }

    /// Reads frames until one matches (returned) or the connection closes (nil).
    func readFrame(where predicate: (Frame) -> Bool) throws -> Frame? {
        while let frame = try readFrame() {
            if predicate(frame) { return frame }
        }
        return nil
    }

    /// Reads until the server closes the connection; returns every frame it sent.
    func readUntilClosed() throws -> [Frame] {
        var frames: [Frame] = []
        while let frame = try readFrame() { frames.append(frame) }
        return frames
    }

    private static func streamID(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var value: UInt32 = 0
        for byte in bytes { value = value << 8 | UInt32(byte) }
        return value & 0x7fff_ffff
    }

    private var payloadLength: Int {
        Int(buffer[0]) << 16 | Int(buffer[1]) << 8 | Int(buffer[2])
    }

    static func encode(_ frame: Frame) -> [UInt8] {
        let length = frame.payload.count
        var bytes: [UInt8] = [UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        bytes += [frame.type, frame.flags]
        let stream = frame.stream & 0x7fff_ffff
        bytes += [UInt8(truncatingIfNeeded: stream >> 24), UInt8(truncatingIfNeeded: stream >> 16), UInt8(truncatingIfNeeded: stream >> 8), UInt8(truncatingIfNeeded: stream)]
        return bytes + frame.payload
    }

    /// A GET (or POST) request's header block in HPACK without Huffman coding or indexing (RFC 7541 §6.2.2).
    static func requestHeaderBlock(path: String, authority: String = "test.example", post: Bool = false) -> [UInt8] {
        // :method GET, :method POST and :scheme http are static table entries 2, 3 and 6.
        [post ? 0x83 : 0x82, 0x86] + literal(nameIndex: 4, value: path) + literal(nameIndex: 1, value: authority)
    }

    /// A literal field with a new name (RFC 7541 §6.2.2), for padding header blocks.
    static func literalField(name: String, value: String) -> [UInt8] {
        [0x00] + string(name) + string(value)
    }

    private static func literal(nameIndex: UInt8, value: String) -> [UInt8] {
        [nameIndex] + string(value)
    }

    private static func string(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        precondition(bytes.count < 127, "test header values stay short")
        return [UInt8(bytes.count)] + bytes
    }
}
