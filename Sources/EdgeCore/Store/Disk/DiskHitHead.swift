import NIOCore
import NIOHTTP1

/// What a whole hit on a small disk record sends, worked out when the record was written, so that a
/// hit read from disk needs no decoding of header fields and no preparing: the client's fields
/// already serialised as HTTP/1.1 lines, the freshness numbers the lookup decision needs, and the
/// record's purge tags.
///
/// It holds only for the settings it was made with: `fingerprint` names them, and a reader whose
/// settings give another fingerprint (a changed `via`, compression rule or heuristic) ignores it
/// and decodes the record's fields as before.
public struct DiskHitHead: Sendable, Equatable {
    /// How the body's coding is chosen per client.
    public enum Coding: UInt8, Sendable {
        /// Not negotiated: every client gets the body as stored.
        case asStoredForAll = 0
        /// Stored as identity and negotiable: a client that sends no Accept-Encoding gets it as is;
        /// any other is the full path's (which may make or pick another coding).
        case identityNegotiable = 1
    }

    /// The settings the fields and freshness were made with (`ProxySettings`' hit-form fingerprint).
    public var fingerprint: UInt64
    /// The body length the fields (Content-Length) were made for.
    public var bodyLength: Int
    /// RFC 9111 §4.2.3 corrected_initial_age, seconds.
    public var correctedInitialAge: Double
    /// RFC 9111 §4.2.1 freshness lifetime, seconds.
    public var lifetime: Double
    /// The response's directives require validation on every use.
    public var noCache: Bool
    public var coding: Coding
    /// The purge tags of the response (`PurgeTags.parse`), so that the purge journal can be asked
    /// without the fields.
    public var tags: [String]
    /// `name: value\r\n` for every field a hit sends, in order, but the per-hit ones (Cache-Status, Age).
    public var fieldLines: ByteBuffer

    public init(fingerprint: UInt64, bodyLength: Int, correctedInitialAge: Double, lifetime: Double, noCache: Bool,
                coding: Coding, tags: [String], fieldLines: ByteBuffer) {
        self.fingerprint = fingerprint
        self.bodyLength = bodyLength
        self.correctedInitialAge = correctedInitialAge
        self.lifetime = lifetime
        self.noCache = noCache
        self.coding = coding
        self.tags = tags
        self.fieldLines = fieldLines
    }

    /// This cache's current age of the response at `now` (§4.2.3).
    public func currentAge(now: EpochSeconds, responseTime: EpochSeconds) -> Double {
        correctedInitialAge + max(0, now - responseTime)
    }

    // MARK: Encoding (inside a record's head, covered by its checksum)

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(fingerprint)
        buffer.writeInteger(UInt64(bodyLength))
        buffer.writeInteger(correctedInitialAge.bitPattern)
        buffer.writeInteger(lifetime.bitPattern)
        buffer.writeInteger(UInt8(noCache ? 1 : 0))
        buffer.writeInteger(coding.rawValue)
        buffer.writeInteger(UInt16(clamping: tags.count))
        for tag in tags.prefix(Int(UInt16.max)) {
            let bytes = Array(tag.utf8)
            buffer.writeInteger(UInt32(bytes.count))
            buffer.writeBytes(bytes)
        }
        buffer.writeInteger(UInt32(fieldLines.readableBytes))
        buffer.writeImmutableBuffer(fieldLines)
    }

    /// Reads what `write` wrote; nil when the bytes are not a hit head (the record is then damaged).
    static func read(from buffer: inout ByteBuffer) -> DiskHitHead? {
        guard let fingerprint = buffer.readInteger(as: UInt64.self),
              let bodyLength = buffer.readInteger(as: UInt64.self), bodyLength <= UInt64(Int.max),
              let age = buffer.readInteger(as: UInt64.self),
              let lifetime = buffer.readInteger(as: UInt64.self),
              let noCache = buffer.readInteger(as: UInt8.self),
              let codingByte = buffer.readInteger(as: UInt8.self), let coding = Coding(rawValue: codingByte),
              let tagCount = buffer.readInteger(as: UInt16.self) else { return nil }
        var tags: [String] = []
        for _ in 0..<tagCount {
            guard let length = buffer.readInteger(as: UInt32.self), Int(length) <= buffer.readableBytes,
                  let tag = buffer.readString(length: Int(length)) else { return nil }
            tags.append(tag)
        }
        guard let linesLength = buffer.readInteger(as: UInt32.self), let lines = buffer.readSlice(length: Int(linesLength)) else { return nil }
        return DiskHitHead(
            fingerprint: fingerprint, bodyLength: Int(bodyLength), correctedInitialAge: Double(bitPattern: age),
            lifetime: Double(bitPattern: lifetime), noCache: noCache == 1, coding: coding, tags: tags, fieldLines: lines)
    }
}
