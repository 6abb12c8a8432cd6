import NIOCore
import NIOHTTP1

/// One stored response: a variant of a URL, selected by its secondary (Vary) key.
///
/// Its fields are kept as `FieldLines`, not as an array of strings, and once it is prepared for hits
/// the stored fields, the client's fields and a small body share one allocation (`pack`): a stored
/// object then costs its bytes and a few hundred more, and an HTTP/1.1 hit writes its fields with one
/// copy. The body is a `ByteBuffer` so that a hit writes it without copying and a range is a slice of it.
public struct CachedResponse: Sendable {
    public var status: Int { didSet { dropPrepared() } }
    /// End-to-end header fields as stored (hop-by-hop fields already removed), as `FieldLines`.
    public private(set) var fieldLines: ByteBuffer
    /// The stored fields, decoded from `fieldLines` on every read: hits that go out as prepared never
    /// read them.
    public var headers: HTTPHeaders {
        get { FieldLines.fields(of: fieldLines) }
        set {
            fieldLines = FieldLines.lines(of: newValue)
            dropPrepared()
        }
    }
    public var body: ByteBuffer {
        get { storedBody }
        set {
            storedBody = newValue
            preparedLines = nil
            encodings = EncodedBodies()
        }
    }
    private var storedBody: ByteBuffer
    /// Encoded forms of `body` the edge made (see `EncodedBodies`): kept, costed and evicted with it.
    public var encodings = EncodedBodies()
    public var timing: StoredResponseTiming { didSet { dropPrepared() } }
    public var secondaryKey: SecondaryKey
    /// The purge epoch when the fetch that produced it started (`PurgeIndex.currentEpoch`); purges of
    /// everything compare it with their own.
    public var purgeEpoch: UInt64 = 0
    /// Freshness facts worked out once by `prepare`; nil until then and after any change they depend on.
    public private(set) var freshness: FreshnessInfo?
    /// The header fields of the whole response as the server sends it on a hit, minus the per-hit ones,
    /// as `FieldLines`; built by the server in `prepare`, nil until then and after any change to the response.
    public private(set) var preparedLines: ByteBuffer?
    /// Names the settings the prepared fields were made with (the server's fingerprint of them; 0 when
    /// not prepared): after a reload changes them, a hit prepares the response again.
    public var preparedFingerprint: UInt64 = 0

    public init(status: Int, headers: HTTPHeaders, body: ByteBuffer, timing: StoredResponseTiming, secondaryKey: SecondaryKey) {
        self.status = status
        self.fieldLines = FieldLines.lines(of: headers)
        self.storedBody = body
        self.timing = timing
        self.secondaryKey = secondaryKey
    }

    /// `preparedLines` decoded into fields (for the full response path; the shortcuts write the lines).
    public var preparedClientHeaders: HTTPHeaders? {
        preparedLines.map(FieldLines.fields(of:))
    }

    /// Works out once what every hit needs: freshness for `settings`, and the client's header fields
    /// as `clientHeaders` builds them from this response.
    public mutating func prepare(settings: CachePolicySettings, clientHeaders: (CachedResponse) -> HTTPHeaders) {
        let stored = headers
        freshness = FreshnessInfo(status: status, headers: stored, timing: timing, settings: settings)
        let client = clientHeaders(self)
        pack(clientLines: FieldLines.lines(of: client))
        encodings.prepare(from: client, storedHeaders: stored)
    }

    /// Puts the stored lines, the client's lines and (when small) the body in one allocation, the
    /// client's lines sharing the stored ones when they begin with them (the usual case: the edge
    /// adds fields at the end).
    private mutating func pack(clientLines: ByteBuffer) {
        let storedLength = fieldLines.readableBytes
        let sharesStored = clientLines.readableBytes >= storedLength
            && clientLines.readableBytesView.prefix(storedLength).elementsEqual(fieldLines.readableBytesView)
        var lines = fieldLines
        if sharesStored {
            lines.writeBytes(clientLines.readableBytesView.dropFirst(storedLength))
        } else {
            lines.writeImmutableBuffer(clientLines)
        }
        let clientStart = sharesStored ? 0 : storedLength
        let packed = Self.pack(lines, with: storedBody)
        storedBody = packed.body
        fieldLines = packed.lines.getSlice(at: 0, length: storedLength) ?? fieldLines
        preparedLines = packed.lines.getSlice(at: clientStart, length: packed.lines.readableBytes - clientStart)
    }

    /// `lines` and, when it is small, `body` copied into one allocation (slices of it returned); a
    /// large body keeps its own buffer, so that preparing never copies it.
    static func pack(_ lines: ByteBuffer, with body: ByteBuffer) -> (lines: ByteBuffer, body: ByteBuffer) {
        let packsBody = body.readableBytes <= packedBodyLimit
        var packed = ByteBufferAllocator().buffer(capacity: lines.readableBytes + (packsBody ? body.readableBytes : 0))
        packed.writeImmutableBuffer(lines)
        // Written before any slice is taken: a slice shares the storage, and a write after it would copy.
        if packsBody { packed.writeImmutableBuffer(body) }
        let packedLines = packed.getSlice(at: 0, length: lines.readableBytes) ?? lines
        guard packsBody else { return (packedLines, body) }
        return (packedLines, packed.getSlice(at: lines.readableBytes, length: body.readableBytes) ?? body)
    }

    /// Bodies up to this size share their allocation with the fields; a larger one keeps its own
    /// (the fields are then a small part of what it costs), so preparing never copies a large body.
    static let packedBodyLimit = 64 * 1024

    /// The precomputed freshness when it was made for `settings`.
    public func freshness(for settings: CachePolicySettings) -> FreshnessInfo? {
        guard let freshness, freshness.settingsFingerprint == settings.fingerprint else { return nil }
        return freshness
    }

    private mutating func dropPrepared() {
        preparedFingerprint = 0
        freshness = nil
        preparedLines = nil
        encodings.dropPrepared()
    }

    /// Bytes this response holds: body, field text and a fixed allowance for the bookkeeping around it.
    public var byteCost: Int {
        let clientOnly = preparedLines.map { lines in
            Self.startsWith(lines, fieldLines) ? lines.readableBytes - fieldLines.readableBytes : lines.readableBytes
        }
        return Self.byteCost(bodyBytes: body.readableBytes, headerTextBytes: fieldLines.readableBytes)
            + (clientOnly ?? Self.preparedAllowance) + encodings.byteCost
    }

    /// Whether `lines` begins at the very bytes of `prefix` (the client's lines sharing the stored ones).
    static func startsWith(_ lines: ByteBuffer, _ prefix: ByteBuffer) -> Bool {
        lines.withUnsafeReadableBytes { a in prefix.withUnsafeReadableBytes { b in a.baseAddress == b.baseAddress } }
    }

    /// What this response will cost the store beyond its body once prepared.
    public var costBeyondBody: Int {
        Self.byteCost(bodyBytes: 0, headerTextBytes: fieldLines.readableBytes) + Self.preparedAllowance
    }

    /// `byteCost` from the length of the stored field text, before the client's fields are known.
    public static func byteCost(bodyBytes: Int, headerTextBytes: Int) -> Int {
        bodyBytes + headerTextBytes + overheadAllowance
    }

    /// The client's fields beyond the stored ones, before they are made (the edge's Via and
    /// Accept-Ranges, a Vary).
    static let preparedAllowance = 48

    /// What a stored object costs beyond its field text and body (measured with MemoryProbe: the entry
    /// in the store, its variant list, the purge index, the buffer's own bookkeeping).
    static let overheadAllowance = 512
}

/// Every stored variant of one URL (one primary cache key), most recently stored first.
public struct CachedVariants: Sendable, StoreCost {
    public private(set) var variants: [CachedResponse]
    public private(set) var storeCost: Int

    public init(_ variants: [CachedResponse] = []) {
        self.variants = variants
        self.storeCost = variants.reduce(0) { $0 + $1.byteCost }
    }

    /// The newest variant whose Vary selection matches this request.
    public func select(for requestHeaders: HTTPHeaders) -> CachedResponse? {
        guard variants.count > 1 else { return variants.first { $0.secondaryKey.matches(requestHeaders) } }
        // Variants of one URL vary on the same fields: each is normalised once, not once per variant.
        var normalised: [String: String?] = [:]
        return variants.first { variant in
            variant.secondaryKey.matches { name in
                if let known = normalised[name] { return known }
                let value = SecondaryKey.normalisedValue(of: name, in: requestHeaders)
                normalised[name] = value
                return value
            }
        }
    }

    /// Inserts a variant, replacing one stored for the same secondary key, keeping at most `limit` variants.
    public mutating func insert(_ response: CachedResponse, limit: Int) {
        variants.removeAll { $0.secondaryKey == response.secondaryKey }
        variants.insert(response, at: 0)
        if variants.count > limit {
            variants.removeLast(variants.count - limit)
        }
        storeCost = variants.reduce(0) { $0 + $1.byteCost }
    }

    /// Replaces the variant stored under `secondaryKey` with `body(variant)`, if it is still there.
    public mutating func modify(secondaryKey: SecondaryKey, _ body: (inout CachedResponse) -> Void) -> Bool {
        guard let index = variants.firstIndex(where: { $0.secondaryKey == secondaryKey }) else { return false }
        body(&variants[index])
        storeCost = variants.reduce(0) { $0 + $1.byteCost }
        return true
    }
}
