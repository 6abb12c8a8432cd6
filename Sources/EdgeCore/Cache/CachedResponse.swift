import NIOCore
import NIOHTTP1

/// One stored response: a variant of a URL, selected by its secondary (Vary) key.
///
/// Its fields are kept as `FieldLines`, not as an array of strings, and once it is prepared for hits
/// the stored fields, the client's fields and a small body share one allocation (`pack`): a stored
/// object then costs its bytes and a few hundred more, and an HTTP/1.1 hit writes its fields with one
/// copy. The body is a `ByteBuffer` so that a hit writes it without copying and a range is a slice of it.
public struct CachedResponse: Sendable {
    public var status: Int {
        get { Int(storedStatus) }
        set {
            storedStatus = UInt16(clamping: newValue)
            dropPrepared()
        }
    }
    /// The stored fields, then (once prepared) the client's: `fieldLines` is the first
    /// `storedLength` bytes, `preparedLines` the bytes from `clientStart`. One buffer, not two:
    /// each object keeps one reference and 24 bytes fewer.
    private var lines: ByteBuffer
    private static let unprepared = UInt32.max

    /// End-to-end header fields as stored (hop-by-hop fields already removed), as `FieldLines`.
    public var fieldLines: ByteBuffer {
        guard lines.readableBytes != Int(storedLength) else { return lines }
        return lines.getSlice(at: lines.readerIndex, length: Int(storedLength)) ?? lines
    }
    /// The stored fields, decoded from `fieldLines` on every read: hits that go out as prepared never
    /// read them.
    public var headers: HTTPHeaders {
        get { FieldLines.fields(of: fieldLines) }
        set {
            setStoredLines(FieldLines.lines(of: newValue))
            dropPrepared()
        }
    }
    public var body: ByteBuffer {
        get { storedBody }
        set {
            storedBody = newValue
            dropClientLines()
            encodings = EncodedBodies()
        }
    }
    private var storedBody: ByteBuffer
    public var timing: StoredResponseTiming { didSet { dropPrepared() } }
    public var secondaryKey: SecondaryKey
    /// The purge epoch when the fetch that produced it started (`PurgeIndex.currentEpoch`); purges of
    /// everything compare it with their own.
    public var purgeEpoch: UInt64 = 0
    /// Freshness facts worked out once by `prepare`; nil until then and after any change they depend on.
    public var freshness: FreshnessInfo? {
        freshnessFacts.map { FreshnessInfo(facts: $0, responseTime: timing.responseTime) }
    }
    /// The freshness but its response time, which `timing` holds: 8 bytes fewer in every object.
    private var freshnessFacts: FreshnessInfo.Facts?
    /// The header fields of the whole response as the server sends it on a hit, minus the per-hit ones,
    /// as `FieldLines`; built by the server in `prepare`, nil until then and after any change to the response.
    public var preparedLines: ByteBuffer? {
        guard clientStart != Self.unprepared else { return nil }
        return lines.getSlice(at: lines.readerIndex + Int(clientStart), length: lines.readableBytes - Int(clientStart))
    }
    /// Names the settings the prepared fields were made with (the server's fingerprint of them; 0 when
    /// not prepared): after a reload changes them, a hit prepares the response again.
    public var preparedFingerprint: UInt64 = 0
    // The small fields last, so that they pack together (a struct is laid out in declaration order).
    /// Encoded forms of `body` the edge made (see `EncodedBodies`): kept, costed and evicted with it.
    public var encodings = EncodedBodies()
    private var storedLength: UInt32
    /// Where the client's lines begin in `lines` (0 when they begin with the stored ones); `unprepared` until `prepare`.
    private var clientStart: UInt32 = Self.unprepared
    /// A status is three digits (RFC 9110 §15): two bytes instead of eight, in every stored object.
    private var storedStatus: UInt16

    public init(status: Int, headers: HTTPHeaders, body: ByteBuffer, timing: StoredResponseTiming, secondaryKey: SecondaryKey) {
        self.storedStatus = UInt16(clamping: status)
        let lines = FieldLines.lines(of: headers)
        self.lines = lines
        self.storedLength = UInt32(lines.readableBytes)
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
        freshnessFacts = FreshnessInfo(status: status, headers: stored, timing: timing, settings: settings).facts
        let client = clientHeaders(self)
        pack(clientLines: FieldLines.lines(of: client))
        encodings.prepare(from: client, storedHeaders: stored)
    }

    /// Puts the stored lines, the client's lines and (when small) the body in one allocation, the
    /// client's lines sharing the stored ones when they begin with them (the usual case: the edge
    /// adds fields at the end).
    private mutating func pack(clientLines: ByteBuffer) {
        let stored = fieldLines
        let storedLength = stored.readableBytes
        let sharesStored = clientLines.readableBytes >= storedLength
            && clientLines.readableBytesView.prefix(storedLength).elementsEqual(stored.readableBytesView)
        var all = stored
        if sharesStored {
            all.writeBytes(clientLines.readableBytesView.dropFirst(storedLength))
        } else {
            all.writeImmutableBuffer(clientLines)
        }
        let packed = Self.pack(all, with: storedBody)
        storedBody = packed.body
        lines = packed.lines
        self.storedLength = UInt32(storedLength)
        clientStart = sharesStored ? 0 : UInt32(storedLength)
    }

    /// Replaces the stored lines (the client's go with them).
    private mutating func setStoredLines(_ stored: ByteBuffer) {
        lines = stored
        storedLength = UInt32(stored.readableBytes)
        clientStart = Self.unprepared
    }

    /// Drops the client's lines, keeping the stored ones.
    private mutating func dropClientLines() {
        guard clientStart != Self.unprepared else { return }
        setStoredLines(fieldLines)
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
        guard let facts = freshnessFacts, facts.settingsFingerprint == settings.fingerprint else { return nil }
        return FreshnessInfo(facts: facts, responseTime: timing.responseTime)
    }

    private mutating func dropPrepared() {
        preparedFingerprint = 0
        freshnessFacts = nil
        dropClientLines()
        encodings.dropPrepared()
    }

    /// Bytes this response holds: body, field text and a fixed allowance for the bookkeeping around it.
    public var byteCost: Int {
        let clientOnly = clientStart == Self.unprepared ? Self.preparedAllowance : lines.readableBytes - Int(storedLength)
        return Self.byteCost(bodyBytes: body.readableBytes, headerTextBytes: Int(storedLength)) + clientOnly + encodings.byteCost
    }

    /// What this response will cost the store beyond its body once prepared.
    public var costBeyondBody: Int {
        Self.byteCost(bodyBytes: 0, headerTextBytes: Int(storedLength)) + Self.preparedAllowance
    }

    /// `byteCost` from the length of the stored field text, before the client's fields are known.
    public static func byteCost(bodyBytes: Int, headerTextBytes: Int) -> Int {
        bodyBytes + headerTextBytes + overheadAllowance
    }

    /// The client's fields beyond the stored ones, before they are made (the edge's Via and
    /// Accept-Ranges, a Vary).
    static let preparedAllowance = 48

    /// What a stored object costs beyond its field text and body, measured as resident size with a
    /// million small objects (`Benchmarks/compare.sh`, scenario memory; jemalloc, as Edge links it):
    /// the store's entry holding the newest variant inline, its slot and sketch counters, the purge
    /// index's leaf, NIO's buffer object and the rest of the buffer's power-of-two allocation.
    static let overheadAllowance = 338
}

/// Every stored variant of one URL (one primary cache key), most recently stored first.
///
/// One variant is held inline, several in an array: most URLs have one, and an array for it would
/// cost every stored object an allocation and its 32-byte header.
public struct CachedVariants: Sendable, StoreCost {
    private enum Storage: Sendable {
        case one(CachedResponse)
        /// Newest first; empty when nothing is stored.
        case many([CachedResponse])
    }

    private var storage: Storage

    public init(_ variants: [CachedResponse] = []) {
        storage = variants.count == 1 ? .one(variants[0]) : .many(variants)
    }

    /// Worked out when asked (when the store takes the value) rather than kept: the store keeps the
    /// cost in its entry, and a copy here would cost every object 8 bytes more.
    public var storeCost: Int {
        switch storage {
        case .one(let response): response.byteCost
        case .many(let all): all.reduce(0) { $0 + $1.byteCost }
        }
    }

    /// Every variant, newest first (an array made for the asking: for cold paths).
    public var variants: [CachedResponse] {
        switch storage {
        case .one(let response): [response]
        case .many(let all): all
        }
    }

    public var count: Int {
        switch storage {
        case .one: 1
        case .many(let all): all.count
        }
    }

    /// The newest variant that satisfies `predicate`.
    public func first(where predicate: (CachedResponse) throws -> Bool) rethrows -> CachedResponse? {
        switch storage {
        case .one(let response): try predicate(response) ? response : nil
        case .many(let all): try all.first(where: predicate)
        }
    }

    public func contains(where predicate: (CachedResponse) throws -> Bool) rethrows -> Bool {
        try first(where: predicate) != nil
    }

    /// The newest variant whose Vary selection matches this request.
    public func select(for requestHeaders: HTTPHeaders) -> CachedResponse? {
        guard count > 1 else { return first { $0.secondaryKey.matches(requestHeaders) } }
        // Variants of one URL vary on the same fields: each is normalised once, not once per variant.
        var normalised: [String: String?] = [:]
        return first { variant in
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
        // The usual cases, the first variant or one replaced by a newer one, make no array.
        let replacesOnly: Bool
        switch storage {
        case .one(let current): replacesOnly = limit == 1 || current.secondaryKey == response.secondaryKey
        case .many(let all): replacesOnly = all.isEmpty
        }
        if replacesOnly, limit >= 1 {
            storage = .one(response)
            return
        }
        var all = variants
        all.removeAll { $0.secondaryKey == response.secondaryKey }
        all.insert(response, at: 0)
        if all.count > limit {
            all.removeLast(all.count - limit)
        }
        self = CachedVariants(all)
    }

    /// Replaces the variant stored under `secondaryKey` with `body(variant)`, if it is still there.
    public mutating func modify(secondaryKey: SecondaryKey, _ body: (inout CachedResponse) -> Void) -> Bool {
        // The variants are taken out while `body` runs, so that it changes the only copy (no
        // copy-on-write of their buffers).
        switch storage {
        case .one(var response):
            guard response.secondaryKey == secondaryKey else { return false }
            storage = .many([])
            body(&response)
            storage = .one(response)
        case .many(var all):
            guard let index = all.firstIndex(where: { $0.secondaryKey == secondaryKey }) else { return false }
            storage = .many([])
            body(&all[index])
            storage = .many(all)
        }
        return true
    }
}
