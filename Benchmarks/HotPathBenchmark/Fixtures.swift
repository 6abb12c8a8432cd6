// Realistic inputs for the hot-path cases: a browser's request, an origin's response for a 1 KiB
// script, and a cache holding 100 000 of them, prepared for hits the way the server prepares them.
import EdgeCore
import NIOCore
import NIOHTTP1

enum Fixtures {
    static let host = "shop.example"
    /// When the stored responses arrived; `now` is ten seconds later, well within max-age.
    static let responseTime: EpochSeconds = 1_736_848_800
    static let now: EpochSeconds = responseTime + 10
    static let policy = CachePolicySettings()
    static let browserAcceptEncoding = "gzip, deflate, br, zstd"

    /// A Firefox request for a script, as it arrives (no Cache-Control: the common case).
    static func browserRequest(acceptEncoding: String = browserAcceptEncoding) -> HTTPHeaders {
        HTTPHeaders([
            ("host", host),
            ("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
            ("accept", "*/*"),
            ("accept-language", "en-GB,en;q=0.5"),
            ("accept-encoding", acceptEncoding),
            ("referer", "https://shop.example/"),
            ("connection", "keep-alive"),
            ("sec-fetch-dest", "script"),
            ("sec-fetch-mode", "no-cors"),
            ("sec-fetch-site", "same-origin"),
        ])
    }

    /// An nginx origin's fields for a 1 KiB script; `vary` adds a Vary field.
    static func originResponse(bodyBytes: Int, vary: String? = nil) -> HTTPHeaders {
        var headers = HTTPHeaders([
            ("server", "nginx"),
            ("date", HTTPDate.format(responseTime)),
            ("content-type", "application/javascript"),
            ("content-length", String(bodyBytes)),
            ("last-modified", HTTPDate.format(responseTime - 86_400)),
            ("etag", "\"6784e3b0-400\""),
            ("cache-control", "public, max-age=3600, stale-while-revalidate=60"),
        ])
        if let vary { headers.add(name: "vary", value: vary) }
        return headers
    }

    static let body: ByteBuffer = {
        var buffer = ByteBufferAllocator().buffer(capacity: 1024)
        buffer.writeRepeatingByte(UInt8(ascii: "x"), count: 1024)
        return buffer
    }()

    /// A stored response prepared for hits as `ProxyServices.prepareForHits` does it: freshness worked
    /// out, client fields built once (`EdgeFields.prepared` plus the Vary that compression
    /// adds), negotiation known.
    static func storedResponse(request: HTTPHeaders, vary: String? = nil) -> CachedResponse? {
        let headers = originResponse(bodyBytes: body.readableBytes, vary: vary)
        guard let secondaryKey = SecondaryKey(vary: headers, request: request) else { return nil }
        var response = CachedResponse(
            status: 200, headers: headers, body: body,
            timing: StoredResponseTiming(requestTime: responseTime, responseTime: responseTime),
            secondaryKey: secondaryKey)
        response.prepare(settings: policy) { preparedClientFields(of: $0) }
        response.encodings.negotiation = .from(.identity)
        return response
    }

    /// What `EdgeFields.prepared` (EdgeServer, internal) makes of a plain 200 with the
    /// default settings, plus `CompressionRules.addVary`: the fields every hit starts from.
    static func preparedClientFields(of stored: CachedResponse) -> HTTPHeaders {
        var headers = stored.headers
        headers.replaceOrAdd(name: "accept-ranges", value: "bytes")
        headers.replaceOrAdd(name: "content-length", value: String(stored.body.readableBytes))
        headers.remove(name: "surrogate-control")
        headers.add(name: "via", value: "1.1 edge")
        headers.remove(name: "age")
        CompressionRules.addVary(&headers)
        return headers
    }

    /// The prepared fields of the one stored response the header cases serialise.
    static let preparedHit: HTTPHeaders = {
        storedResponse(request: browserRequest())?.preparedClientHeaders ?? HTTPHeaders()
    }()
}

/// SplitMix64: small, fast and deterministic, to pick which keys the lookups hit.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
