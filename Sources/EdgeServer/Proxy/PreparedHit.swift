import EdgeCore
import NIOCore
import NIOHPACK
import NIOHTTP1

/// What a whole hit (no conditionals, no range) on a stored response sends when everything it needs
/// was prepared at store time: the client's fields but the per-hit ones, and the body in the chosen
/// coding. The full path (`StoredResponseServer`) and the stored-hit shortcut both answer such hits
/// from `choose`: the full path through the response filter chain, the shortcuts with `writeHead` and
/// `http2Fields`.
struct PreparedHit {
    var status: Int
    /// The fields as `FieldLines` (a stored response's `preparedLines`, or a disk record's hit head).
    var fieldLines: ByteBuffer
    var body: ByteBuffer

    /// The fields decoded, for the full path's response filter chain.
    var fields: HTTPHeaders { FieldLines.fields(of: fieldLines) }

    /// nil when the hit needs the full response path: its coding is not worked out yet, must be
    /// made, is refused (406), or goes out without prepared fields.
    /// `accept` is the request's Accept-Encoding, nil when it has none.
    static func choose(_ stored: CachedResponse, accept: () -> AcceptEncoding?, site: Site?, compression: CompressionService) -> PreparedHit? {
        guard let prepared = stored.preparedLines else { return nil }
        let identity = PreparedHit(status: stored.status, fieldLines: prepared, body: stored.body)
        let storedCoding: ContentCoding
        switch stored.encodings.negotiation {
        case .none: return identity
        case .unknown: return nil
        case .from(let coding): storedCoding = coding
        }
        guard let accept = accept() else {
            return storedCoding == .identity ? identity : nil
        }
        let available = compression.codingsOnOffer(stored, storedCoding: storedCoding, site: site, mayMake: true)
        guard let chosen = accept.negotiate(available) else { return nil }
        if chosen == storedCoding {
            return storedCoding == .identity ? identity : nil
        }
        guard let encoded = stored.encodings.body(for: chosen), let lines = encoded.preparedLines else { return nil }
        return PreparedHit(status: 200, fieldLines: lines, body: encoded.body)
    }

    /// Writes the HTTP/1.1 head: status line, prepared fields, then Cache-Status and Age, in the order
    /// `ResponseFilterChain` gives them on the full path (stages 3 and 5; stage 4 only when closing).
    func writeHead(into buffer: inout ByteBuffer, cacheStatus: String, age: Int) {
        if status == 200 {
            buffer.writeStaticString("HTTP/1.1 200 OK\r\n")
        } else {
            buffer.writeStaticString("HTTP/1.1 ")
            buffer.writeString(String(status))
            buffer.writeStaticString(" ")
            buffer.writeString(HTTPResponseStatus(statusCode: status).reasonPhrase)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeImmutableBuffer(fieldLines)
        buffer.writeStaticString("cache-status: ")
        buffer.writeString(cacheStatus)
        buffer.writeStaticString("\r\nage: ")
        buffer.writeString(String(age))
        buffer.writeStaticString("\r\n\r\n")
    }

    /// The HTTP/2 header block: the head `writeHead` gives, as NIO's HTTP/2-to-HTTP/1 codec turns the full
    /// path's head into HTTP/2 (`:status` first, names lowercased, connection-specific fields dropped).
    /// Built from the lines without decoding them into `HTTPHeaders` first; prepared lines hold no
    /// connection-specific field (hop-by-hop fields are not stored), and any that did would still be
    /// dropped here as NIO's normalisation drops it.
    func http2Fields(cacheStatus: String, age: Int) -> HPACKHeaders {
        guard var head = http2StoredFields() else {
            return normalisedFields(cacheStatus: cacheStatus, age: age)
        }
        head.add(name: "cache-status", value: cacheStatus)
        head.add(name: "age", value: String(age))
        return head
    }

    /// `:status` and the prepared fields in HTTP/2's form, without the per-hit Cache-Status and Age;
    /// nil in the rare case of fields listed by Connection, which `http2Fields` leaves to NIO.
    func http2StoredFields() -> HPACKHeaders? {
        var head = HPACKHeaders()
        // Room for `:status`, Cache-Status and Age besides the lines.
        head.reserveCapacity(FieldLines.count(of: fieldLines) + 3)
        head.add(name: ":status", value: String(status))
        var listsConnectionOptions = false
        FieldLines.forEach(in: fieldLines) { name, value in
            var lowercased = String(unsafeUninitializedCapacity: name.count) { out in
                for (i, byte) in name.enumerated() {
                    out[i] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                }
                return name.count
            }
            if lowercased.withUTF8({ HTTP2FieldCheck.isConnectionSpecific(lowercaseName: UnsafeRawBufferPointer($0)) }) {
                listsConnectionOptions = listsConnectionOptions || lowercased == "connection"
                return
            }
            head.add(name: lowercased, value: String(decoding: value, as: UTF8.self))
        }
        // Fields named by Connection go too in NIO's normalisation: let it do that rare case.
        return listsConnectionOptions ? nil : head
    }

    private func normalisedFields(cacheStatus: String, age: Int) -> HPACKHeaders {
        var head = HTTPHeaders()
        head.add(name: ":status", value: String(status))
        head.add(contentsOf: fields)
        head.add(name: "cache-status", value: cacheStatus)
        head.add(name: "age", value: String(age))
        return HPACKHeaders(httpHeaders: head, normalizeHTTPHeaders: true)
    }
}
