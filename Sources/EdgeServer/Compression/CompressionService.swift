import EdgeCodecs
import EdgeCore
import NIOCore
import NIOHTTP1
import Synchronization

/// Compression for the whole node: the settings, which sites may have new variants made, the
/// worker threads that make stored variants, and coalescing so that concurrent first requests for
/// the same variant make it once.
final class CompressionService: Sendable {
    let settings: CompressionSettings
    let metrics: CompressionMetrics
    private let workers: CompressionWorkers
    private let cache: HTTPCache
    private let flags: FeatureFlags
    private let inFlight = Mutex<[Job: [EventLoopPromise<CachedResponse>]]>([:])

    /// Bodies up to this size wait for their stored variant; larger ones are served as they are
    /// stored meanwhile (when the client accepts that), so nobody waits seconds for brotli 11.
    static let waitLimit = 1 << 20

    private struct Job: Hashable {
        var key: CacheKey
        var secondaryKey: SecondaryKey
        var responseTime: EpochSeconds
        var coding: ContentCoding
    }

    enum Failure: Error {
        case notStored
    }

    init(settings: CompressionSettings, cache: HTTPCache, flags: FeatureFlags, metrics: EdgeMetrics, threads: Int = 2) {
        self.settings = settings
        self.cache = cache
        self.flags = flags
        self.metrics = CompressionMetrics(metrics: metrics)
        self.workers = CompressionWorkers(threads: threads)
    }

    private init(settings: CompressionSettings, sharingWith other: CompressionService) {
        self.settings = settings
        cache = other.cache
        flags = other.flags
        metrics = other.metrics
        workers = other.workers
    }

    /// The service with a reloaded configuration's settings, on the same worker threads and metrics.
    /// A variant being made when the configuration changes may be made once more by the new one.
    func reconfigured(_ settings: CompressionSettings) -> CompressionService {
        CompressionService(settings: settings, sharingWith: self)
    }

    /// Whether new codings may be made for `site` now (config, per-site switch, `compression` flag).
    func mayMakeCodings(site: Site?) -> Bool {
        settings.enabled && flags.isEnabled(.compression) && site?.compression != false
    }

    /// How a stored response is coded when its coding is negotiated per client; nil when it is sent
    /// as it is to everyone (not compressible, no-transform, not a 200, an unknown coding).
    func negotiatedCoding(of stored: CachedResponse) -> ContentCoding? {
        negotiatedCoding(status: stored.status, headers: stored.headers, bodyLength: stored.body.readableBytes)
    }

    func negotiatedCoding(status: Int, headers: HTTPHeaders, bodyLength: Int?) -> ContentCoding? {
        guard status == 200, CompressionRules.isTransformable(headers),
              let coding = ContentCoding.of(headers[canonicalForm: "content-encoding"].map(String.init)) else { return nil }
        if coding != .identity { return coding }
        return settings.enabled && CompressionRules.mayCompress(status: status, headers: headers, bodyLength: bodyLength, settings: settings) ? .identity : nil
    }

    /// The codings a stored response can go out in: its own and the forms kept beside it; with `mayMake`
    /// also identity and the codings the edge may make for it now.
    func codingsOnOffer(_ stored: CachedResponse, storedCoding: ContentCoding, site: Site?, mayMake: Bool) -> [ContentCoding] {
        var available = [storedCoding] + stored.encodings.codings
        if mayMake {
            available.append(.identity)
            let compressible = storedCoding == .identity || decodedIsCompressible(headers: stored.headers)
            if compressible, mayMakeCodings(site: site) {
                available += settings.codings
            }
        }
        return available
    }

    /// Whether the decoded form of a response the origin sent coded is worth compressing again.
    func decodedIsCompressible(headers: HTTPHeaders) -> Bool {
        var decoded = headers
        decoded.remove(name: "content-encoding")
        decoded.remove(name: "content-length")
        return CompressionRules.mayCompress(status: 200, headers: decoded, bodyLength: nil, settings: settings)
    }

    /// The client's header fields for a stored response as prepared for hits (`prepared`), with Vary
    /// naming Accept-Encoding when the coding is negotiated; and that coding (nil: as stored for all).
    func preparedHeaders(_ prepared: HTTPHeaders, for stored: CachedResponse, bodyLength: Int) -> (fields: HTTPHeaders, negotiated: ContentCoding?) {
        guard let coding = negotiatedCoding(status: stored.status, headers: stored.headers, bodyLength: bodyLength) else { return (prepared, nil) }
        var headers = prepared
        CompressionRules.addVary(&headers)
        return (headers, coding)
    }

    /// The stored response with its `coding` form attached: made once on a worker thread, kept in the
    /// cache when it fits, shared by every request that asks while it is being made.
    func variant(of stored: CachedResponse, key: CacheKey, coding: ContentCoding, on eventLoop: EventLoop) -> EventLoopFuture<CachedResponse> {
        let job = Job(key: key, secondaryKey: stored.secondaryKey, responseTime: stored.timing.responseTime, coding: coding)
        let promise = eventLoop.makePromise(of: CachedResponse.self)
        let first: Bool = inFlight.withLock { jobs in
            if jobs[job] != nil {
                jobs[job]?.append(promise)
                return false
            }
            jobs[job] = [promise]
            return true
        }
        guard first else { return promise.futureResult }
        let settings = self.settings
        let cache = self.cache
        let metrics = self.metrics
        let limit = cache.maxObjectBytes
        workers.run(on: eventLoop) { () throws -> CachedResponse in
            let storedCoding = ContentCoding.of(stored.headers[canonicalForm: "content-encoding"].map(String.init)) ?? .identity
            var source = stored.body
            if storedCoding != .identity {
                if let decoded = stored.encodings.body(for: .identity) {
                    source = decoded.body
                } else {
                    source = try Codec.decompress(stored.body, coding: storedCoding, limit: limit)
                    if coding == .identity { metrics.recordDecoded(bytesOut: source.readableBytes, stored: true) }
                }
            }
            var encoded = EncodedBody(coding: coding, body: source)
            if coding != .identity {
                encoded.body = try Codec.compress(source, coding: coding, level: settings.storedLevels.level(for: coding))
                metrics.record(coding, .stored, bytesIn: source.readableBytes, bytesOut: encoded.body.readableBytes)
            }
            if let kept = cache.attachEncoding(encoded, to: key, secondaryKey: stored.secondaryKey, sourceTiming: stored.timing, sourceBytes: stored.body.readableBytes) {
                return kept
            }
            // Not kept (replaced meanwhile, or over the size limit): these requests still get it.
            var local = stored
            local.encodings.set(encoded, prepared: stored.preparedClientHeaders, storedHeaders: stored.headers)
            return local
        }.whenComplete { result in
            let waiting = self.inFlight.withLock { jobs in jobs.removeValue(forKey: job) ?? [] }
            for waiter in waiting {
                waiter.completeWith(result)
            }
        }
        return promise.futureResult
    }
}
