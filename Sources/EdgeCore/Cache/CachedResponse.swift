import NIOCore
import NIOHTTP1

/// One stored response: a variant of a URL, selected by its secondary (Vary) key.
///
/// The body is kept in a single `ByteBuffer` so that a hit writes it without copying
/// and a range is a slice of it.
public struct CachedResponse: Sendable {
    public var status: Int { didSet { dropPrepared() } }
    /// End-to-end header fields as stored (hop-by-hop fields already removed).
    public var headers: HTTPHeaders {
        didSet {
            headers = headers.compacted()
            dropPrepared()
        }
    }
    public var body: ByteBuffer {
        didSet {
            preparedClientHeaders = nil
            encodings = EncodedBodies()
        }
    }
    /// Encoded forms of `body` the edge made (see `EncodedBodies`): kept, costed and evicted with it.
    public var encodings = EncodedBodies()
    public var timing: StoredResponseTiming { didSet { dropPrepared() } }
    public var secondaryKey: SecondaryKey
    /// The purge epoch when the fetch that produced it started (`PurgeIndex.currentEpoch`); purges of
    /// everything compare it with their own.
    public var purgeEpoch: UInt64 = 0
    /// Freshness facts worked out once by `prepare`; nil until then and after any change they depend on.
    public private(set) var freshness: FreshnessInfo?
    /// The header fields of the whole response as the server sends it on a hit, minus the per-hit ones;
    /// built by the server in `prepare`, nil until then and after any change to the response.
    public private(set) var preparedClientHeaders: HTTPHeaders?
    /// Names the settings the prepared fields were made with (the server's fingerprint of them; 0 when
    /// not prepared): after a reload changes them, a hit prepares the response again.
    public var preparedFingerprint: UInt64 = 0

    public init(status: Int, headers: HTTPHeaders, body: ByteBuffer, timing: StoredResponseTiming, secondaryKey: SecondaryKey) {
        self.status = status
        self.headers = headers.compacted()
        self.body = body
        self.timing = timing
        self.secondaryKey = secondaryKey
    }

    /// Works out once what every hit needs: freshness for `settings`, and the client's header fields
    /// as `clientHeaders` builds them from this response.
    public mutating func prepare(settings: CachePolicySettings, clientHeaders: (CachedResponse) -> HTTPHeaders) {
        freshness = FreshnessInfo(status: status, headers: headers, timing: timing, settings: settings)
        preparedClientHeaders = clientHeaders(self).compacted()
        if let preparedClientHeaders {
            encodings.prepare(from: preparedClientHeaders, storedHeaders: headers)
        }
    }

    /// The precomputed freshness when it was made for `settings`.
    public func freshness(for settings: CachePolicySettings) -> FreshnessInfo? {
        guard let freshness, freshness.settings == settings else { return nil }
        return freshness
    }

    private mutating func dropPrepared() {
        preparedFingerprint = 0
        freshness = nil
        preparedClientHeaders = nil
        encodings.dropPrepared()
    }

    /// Bytes this response holds: body, header text and a fixed allowance for the bookkeeping around it.
    public var byteCost: Int {
        Self.byteCost(bodyBytes: body.readableBytes, headers: headers) + encodings.byteCost
    }

    /// What a response with these headers and a body of `bodyBytes` costs the store. The header text
    /// counts twice: once as stored, once as the hit-ready copy `prepare` keeps (about the same size).
    public static func byteCost(bodyBytes: Int, headers: HTTPHeaders) -> Int {
        var headerBytes = 0
        for (name, value) in headers {
            headerBytes += name.utf8.count + value.utf8.count + 4
        }
        return byteCost(bodyBytes: bodyBytes, headerTextBytes: headerBytes)
    }

    /// `byteCost` from the length of the header text (`name: value\r\n` lines).
    public static func byteCost(bodyBytes: Int, headerTextBytes: Int) -> Int {
        bodyBytes + 2 * headerTextBytes + overheadAllowance
    }

    static let overheadAllowance = 256
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
