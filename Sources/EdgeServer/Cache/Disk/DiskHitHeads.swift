import EdgeCore
import NIOCore

/// Makes the hit head (`DiskHitHead`) a small record carries: the fields and freshness that
/// `ProxyServices.prepareForHits` gives a response stored in memory, made for the body length the
/// fill announces, under a fingerprint of the settings they depend on. A disk hit whose record's
/// fingerprint is this one is answered from the hit head without decoding the record's fields.
struct DiskHitHeads: Sendable {
    let settings: ProxySettings
    let compression: CompressionService
    /// Names the settings the hit heads made here depend on; stable across restarts.
    let fingerprint: UInt64

    init(settings: ProxySettings, compression: CompressionService) {
        self.settings = settings
        self.compression = compression
        fingerprint = Self.fingerprint(of: settings)
    }

    /// The hit head of `response` with a body of `bodyLength` bytes; nil when a hit on it always takes
    /// the full path: it varies (its URL's record names the fields), is too large to be read whole, or
    /// is stored in a coding other than identity that clients negotiate.
    func make(for response: CachedResponse, bodyLength: Int) -> DiskHitHead? {
        guard response.secondaryKey.varyNames.isEmpty, bodyLength <= DiskStore.wholeReadLimit,
              response.status != DiskStore.variantsStatus else { return nil }
        let prepared = ProxyServices.clientFields(for: response, bodyLength: bodyLength, settings: settings, compression: compression)
        let coding: DiskHitHead.Coding
        switch prepared.negotiated {
        case nil: coding = .asStoredForAll
        case .some(.identity): coding = .identityNegotiable
        default: return nil
        }
        let freshness = FreshnessInfo(status: response.status, headers: response.headers, timing: response.timing, settings: settings.policy)
        return DiskHitHead(
            fingerprint: fingerprint, bodyLength: bodyLength, correctedInitialAge: freshness.correctedInitialAge,
            lifetime: freshness.lifetime, noCache: freshness.noCache, coding: coding,
            tags: PurgeTags.parse(response.headers), fieldLines: FieldLines.lines(of: prepared.fields))
    }

    /// A stable hash (`StableHash`) of every setting that shapes a hit's fields or freshness, and a version of how they
    /// are made: bump `formVersion` when the preparation itself changes, so that records written by
    /// an older binary are decoded again rather than answered with fields it would no longer send.
    static func fingerprint(of settings: ProxySettings) -> UInt64 {
        let policy = settings.policy
        let compression = settings.compression
        let text = [
            "v\(formVersion)", "\(policy.heuristicFraction)", "\(policy.heuristicMaxLifetime)", "\(policy.honorCDNCacheControl)",
            policy.surrogateDeviceToken, settings.viaPseudonym, "\(settings.keepCDNCacheControl)", "\(settings.keepTagHeaders)",
            "\(compression.enabled)", "\(compression.minSize)", compression.types.joined(separator: ","),
            compression.codings.map { "\($0)" }.joined(separator: ","),
        ].joined(separator: "\u{1F}")
        return StableHash.hash(text)
    }

    static let formVersion = 1
}
