import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("Storage policy (RFC 9111 §3, shared cache)")
struct StoragePolicyTests {
    let settings = CachePolicySettings()
    let get = CacheRequest(method: "GET", headers: HTTPHeaders())

    func reason(
        _ pairs: (String, String)...,
        request: CacheRequest? = nil,
        status: Int = 200
    ) -> String? {
        StoragePolicy.unstorableReason(
            request: request ?? get, status: status, responseHeaders: HTTPHeaders(pairs), settings: settings)
    }

    @Test("a plain 200 is storable (heuristically cacheable)")
    func plain200() {
        #expect(reason() == nil)
        #expect(reason(("Cache-Control", "max-age=60")) == nil)
    }

    @Test("must-understand stores an understood status despite no-store, and never an unknown one")
    func mustUnderstand() {
        #expect(reason(("Cache-Control", "max-age=3600, no-store, must-understand")) == nil)
        #expect(reason(("Cache-Control", "max-age=3600, no-store, must-understand"), status: 404) == nil)
        #expect(reason(("Cache-Control", "max-age=3600, no-store, must-understand"), status: 599) != nil)
        #expect(reason(("Cache-Control", "max-age=3600, public, must-understand"), status: 599) != nil)
        let requestNoStore = CacheRequest(method: "GET", headers: HTTPHeaders([("Cache-Control", "no-store")]))
        #expect(reason(("Cache-Control", "max-age=3600, no-store, must-understand"), request: requestNoStore) != nil)
    }

    @Test("only GET responses are stored")
    func methods() {
        #expect(reason(("Cache-Control", "max-age=60"), request: CacheRequest(method: "POST", headers: HTTPHeaders())) != nil)
        #expect(reason(("Cache-Control", "max-age=60"), request: CacheRequest(method: "HEAD", headers: HTTPHeaders())) != nil)
        #expect(reason(("Cache-Control", "max-age=60"), request: CacheRequest(method: "get", headers: HTTPHeaders())) == nil)
    }

    @Test("no-store in the response or the request prevents storing")
    func noStore() {
        #expect(reason(("Cache-Control", "max-age=10000, no-store"), ("Expires", HTTPDate.format(2_000_000_000))) != nil)
        #expect(reason(("Cache-Control", "No-StOrE")) != nil)
        let request = CacheRequest(method: "GET", headers: HTTPHeaders([("Cache-Control", "no-store")]))
        #expect(reason(("Cache-Control", "max-age=60"), request: request) != nil)
    }

    @Test("unqualified private is never stored; private with fields is stored minus those fields")
    func privateDirective() {
        #expect(reason(("Cache-Control", "private, max-age=3600")) != nil)
        #expect(reason(("Cache-Control", "private=\"Set-Cookie\", max-age=3600")) == nil)
        let headers = HTTPHeaders([("Cache-Control", "private=\"Set-Cookie, X-User\", max-age=3600")])
        #expect(StoragePolicy.fieldsToStripBeforeStoring(headers) == ["set-cookie", "x-user"])
    }

    @Test("no-cache responses are stored; no-cache fields are reported for stripping")
    func noCache() {
        #expect(reason(("Cache-Control", "no-cache")) == nil)
        let headers = HTTPHeaders([("Cache-Control", "no-cache=\"a, b\""), ("Cache-Control", "max-age=3600")])
        #expect(StoragePolicy.fieldsRequiringRevalidation(headers) == ["a", "b"])
        #expect(StoragePolicy.fieldsRequiringRevalidation(HTTPHeaders([("Cache-Control", "no-cache")])).isEmpty)
    }

    @Test("Authorization requests are stored only with public, s-maxage or must-revalidate")
    func authorization() {
        let request = CacheRequest(method: "GET", headers: HTTPHeaders([("Authorization", "Basic eDp5")]))
        #expect(reason(("Cache-Control", "max-age=3600"), request: request) != nil)
        #expect(reason(("Cache-Control", "public, max-age=3600"), request: request) == nil)
        #expect(reason(("Cache-Control", "s-maxage=3600"), request: request) == nil)
        #expect(reason(("Cache-Control", "max-age=3600, must-revalidate"), request: request) == nil)
    }

    @Test("statuses that are not heuristically cacheable need explicit freshness or public")
    func statuses() {
        for status in [201, 302, 303, 307, 400, 403, 500, 502, 503] {
            #expect(reason(status: status) != nil, "\(status)")
            #expect(reason(("Cache-Control", "max-age=60"), status: status) == nil, "\(status)")
            #expect(reason(("Cache-Control", "s-maxage=60"), status: status) == nil, "\(status)")
            #expect(reason(("Expires", "0"), status: status) == nil, "\(status)")
            #expect(reason(("Cache-Control", "public"), status: status) == nil, "\(status)")
        }
        for status in [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501] {
            #expect(reason(status: status) == nil, "\(status)")
        }
    }

    @Test("a 206 is stored only as one range of a known length; 304 and non-final statuses never")
    func neverStored() {
        #expect(reason(("Cache-Control", "max-age=60"), status: 206) != nil)
        #expect(reason(("Cache-Control", "max-age=60"), ("Content-Range", "bytes 0-4/*"), status: 206) != nil)
        #expect(reason(("Cache-Control", "max-age=60"), ("Content-Range", "bytes 0-4/10"), ("Content-Encoding", "gzip"), status: 206) != nil)
        #expect(reason(("Cache-Control", "max-age=60"), ("Content-Range", "bytes 0-4/10"), status: 206) == nil)
        #expect(reason(("Cache-Control", "max-age=60"), status: 304) != nil)
        #expect(reason(("Cache-Control", "max-age=60"), status: 100) != nil)
        #expect(reason(("Cache-Control", "max-age=60"), status: 600) != nil)
    }

    @Test("Vary: * is not stored")
    func varyStar() {
        #expect(reason(("Cache-Control", "max-age=60"), ("Vary", "Accept, *")) != nil)
        #expect(reason(("Cache-Control", "max-age=60"), ("Vary", "Accept")) == nil)
    }

    @Test("CDN-Cache-Control overrides Cache-Control for storing, in both directions")
    func targetedStorage() {
        #expect(reason(("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=10000")) == nil)
        #expect(reason(("Cache-Control", "max-age=10000"), ("CDN-Cache-Control", "no-store")) != nil)
        #expect(reason(("Cache-Control", "max-age=10000"), ("CDN-Cache-Control", "private")) != nil)
        #expect(reason(("Cache-Control", "max-age=10000"), ("Surrogate-Control", "no-store")) != nil)
        #expect(reason(("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=10000, &&&&&")) != nil)
    }
}

@Suite("CachePolicySettings.fingerprint")
struct CachePolicySettingsFingerprintTests {
    @Test("the kept fingerprint follows every setting changed after init, and equal settings have equal ones")
    func followsEverySetting() {
        let base = CachePolicySettings()
        var changed: [CachePolicySettings] = []
        var settings = base
        settings.heuristicFraction = 0.2
        changed.append(settings)
        settings = base
        settings.heuristicMaxLifetime = 3600
        changed.append(settings)
        settings = base
        settings.honorCDNCacheControl = false
        changed.append(settings)
        settings = base
        settings.surrogateDeviceToken = "other"
        changed.append(settings)
        #expect(Set(changed.map(\.fingerprint) + [base.fingerprint]).count == 5)
        for setting in changed {
            let rebuilt = CachePolicySettings(heuristicFraction: setting.heuristicFraction, heuristicMaxLifetime: setting.heuristicMaxLifetime,
                                              honorCDNCacheControl: setting.honorCDNCacheControl, surrogateDeviceToken: setting.surrogateDeviceToken)
            #expect(rebuilt.fingerprint == setting.fingerprint)
            #expect(rebuilt == setting)
        }
        // Changing a setting back gives the first fingerprint again.
        settings.surrogateDeviceToken = "edge"
        #expect(settings.fingerprint == base.fingerprint)
    }
}
