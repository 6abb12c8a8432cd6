import NIOCore
import NIOHTTP1

/// One encoded form of a stored body, made by the edge (br, zstd or gzip of the identity body, or the
/// decoded identity body of a response the origin sent coded).
public struct EncodedBody: Sendable {
    public var coding: ContentCoding
    public var body: ByteBuffer
    /// The client's header fields for a whole-body hit on this form, as `FieldLines` (like
    /// `CachedResponse.preparedLines`); a small body shares their allocation.
    public private(set) var preparedLines: ByteBuffer?

    public init(coding: ContentCoding, body: ByteBuffer) {
        self.coding = coding
        self.body = body
    }

    /// `preparedLines` decoded into fields.
    public var preparedClientHeaders: HTTPHeaders? {
        preparedLines.map(FieldLines.fields(of:))
    }

    mutating func prepare(_ fields: HTTPHeaders?) {
        guard let fields else {
            preparedLines = nil
            return
        }
        let packed = CachedResponse.pack(FieldLines.lines(of: fields), with: body)
        preparedLines = packed.lines
        body = packed.body
    }

    /// The response's fields (`headers`, as stored or as prepared for clients) rewritten for this form:
    /// Content-Encoding, Content-Length and a per-coding ETag (`VariantETag`); `storedHeaders` are
    /// the stored response's own fields (which say how the stored body is coded).
    public func headers(from headers: HTTPHeaders, storedHeaders: HTTPHeaders) -> HTTPHeaders {
        var out = headers
        let storedCoding = ContentCoding.of(storedHeaders[canonicalForm: "content-encoding"].map(String.init)) ?? .identity
        if coding == .identity {
            out.remove(name: "content-encoding")
        } else {
            out.replaceOrAdd(name: "content-encoding", value: coding.rawValue)
        }
        if out.contains(name: "content-length") || storedHeaders.contains(name: "content-length") {
            out.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        }
        if let etag = storedHeaders.first(name: "etag") {
            out.replaceOrAdd(name: "etag", value: VariantETag.tag(etag, storedCoding: storedCoding, servedCoding: coding))
        }
        CompressionRules.addVary(&out)
        return out
    }
}

/// The encoded forms kept beside a stored body; a handful at most, one per coding.
public struct EncodedBodies: Sendable {
    /// Whether and from which coding the response's coding is negotiated per client.
    public enum Negotiation: Sendable, Equatable {
        /// Not worked out yet (or the fields it depends on changed).
        case unknown
        /// Sent as it is to every client.
        case none
        /// Negotiated; the stored body is in this coding.
        case from(ContentCoding)
    }

    public private(set) var items: [EncodedBody] = []
    /// Worked out once when the response is prepared for hits, so that a hit does not parse fields again.
    public var negotiation = Negotiation.unknown

    public init() {}

    /// The form coded with `coding`, if made.
    public func body(for coding: ContentCoding) -> EncodedBody? {
        items.first { $0.coding == coding }
    }

    public var codings: [ContentCoding] { items.map(\.coding) }

    /// Body bytes, the prepared field text and an allowance for the bookkeeping.
    public var byteCost: Int {
        items.reduce(0) { $0 + $1.body.readableBytes + ($1.preparedLines?.readableBytes ?? 0) + Self.allowance }
    }

    /// Adds (or replaces) a form; its prepared fields are made from `prepared` when given.
    public mutating func set(_ encoded: EncodedBody, prepared: HTTPHeaders?, storedHeaders: HTTPHeaders) {
        var encoded = encoded
        encoded.prepare(prepared.map { encoded.headers(from: $0, storedHeaders: storedHeaders) })
        items.removeAll { $0.coding == encoded.coding }
        items.append(encoded)
    }

    mutating func prepare(from prepared: HTTPHeaders, storedHeaders: HTTPHeaders) {
        for index in items.indices {
            items[index].prepare(items[index].headers(from: prepared, storedHeaders: storedHeaders))
        }
    }

    mutating func dropPrepared() {
        negotiation = .unknown
        for index in items.indices {
            items[index].prepare(nil)
        }
    }

    static let allowance = 256
}
