import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("Cache-Control parsing")
struct CacheControlTests {
    @Test("max-age is read as delta-seconds")
    func maxAge() {
        #expect(CacheControl(parsing: "max-age=3600").maxAge == 3600)
        #expect(CacheControl(parsing: "max-age=003600").maxAge == 3600)
    }

    @Test("directive names are case-insensitive")
    func caseInsensitive() {
        let directives = CacheControl(parsing: "MaX-AgE=60, No-StOrE, PUBLIC")
        #expect(directives.maxAge == 60)
        #expect(directives.noStore)
        #expect(directives.isPublic)
    }

    @Test("quoted max-age value is accepted")
    func quotedMaxAge() {
        #expect(CacheControl(parsing: "max-age=\"3600\"").maxAge == 3600)
    }

    @Test("max-age inside a quoted extension value is not a directive")
    func quotedExtensionIgnored() {
        #expect(CacheControl(parsing: "extension=\"max-age=3600\", max-age=1").maxAge == 1)
        #expect(CacheControl(parsing: "max-age=1, extension=\"max-age=3600\"").maxAge == 1)
        #expect(CacheControl(parsing: "extension=\"a, \\\"max-age=9\", max-age=\"1\"").maxAge == 1)
    }

    @Test("invalid max-age values mean stale at once")
    func invalidMaxAge() {
        for value in ["max-age=-100", "max-age=a100", "max-age=100a", "max-age='3600'", "max-age=3600.5", "max-age", "max-age=\"\""] {
            #expect(CacheControl(parsing: value).maxAge == 0, "\(value)")
        }
    }

    @Test("whitespace around = makes the directive malformed and ignored")
    func spacesAroundEquals() {
        #expect(CacheControl(parsing: "max-age =100").maxAge == nil)
        #expect(CacheControl(parsing: "max-age= 100").maxAge == nil)
        #expect(CacheControl(parsing: "max-age =100, no-store").noStore)
    }

    @Test("overflowing delta-seconds saturate at 2^31")
    func overflow() {
        #expect(CacheControl(parsing: "max-age=2147483648").maxAge == 2_147_483_648)
        #expect(CacheControl(parsing: "max-age=99999999999999999999999").maxAge == 2_147_483_648)
        #expect(CacheControl(parsing: "s-maxage=99999999999").sMaxAge == 2_147_483_648)
    }

    @Test("the first occurrence of a duplicated directive wins")
    func duplicates() {
        #expect(CacheControl(parsing: "max-age=1800, max-age=1").maxAge == 1800)
        #expect(CacheControl(parsing: "max-age=1, max-age=1800").maxAge == 1)
        // An invalid first occurrence still wins: stale at once, not the later valid value.
        #expect(CacheControl(parsing: "max-age=abc, max-age=1800").maxAge == 0)
        #expect(CacheControl(parsing: "s-maxage=-1, S-MAXAGE=1800").sMaxAge == 0)
        #expect(CacheControl(parsing: "s-maxage=60, s-maxage=0").sMaxAge == 60)
        var headers = HTTPHeaders()
        headers.add(name: "Cache-Control", value: "max-age=1")
        headers.add(name: "cache-control", value: "max-age=1800")
        #expect(CacheControl(headers).maxAge == 1)
    }

    @Test("field lines are joined into one list")
    func multipleLines() {
        let headers = HTTPHeaders([("Cache-Control", "public"), ("Cache-Control", "s-maxage=30, must-revalidate")])
        let directives = CacheControl(headers)
        #expect(directives.isPublic)
        #expect(directives.sMaxAge == 30)
        #expect(directives.mustRevalidate)
    }

    @Test("no-cache and private with field names are qualified, not unqualified")
    func qualifiedDirectives() {
        let directives = CacheControl(parsing: "no-cache=\"Set-Cookie, X-A\", private=\"Authorization-Info\"")
        #expect(!directives.noCache)
        #expect(directives.noCacheFields == ["set-cookie", "x-a"])
        #expect(!directives.isPrivate)
        #expect(directives.privateFields == ["authorization-info"])
        let plain = CacheControl(parsing: "no-cache, private")
        #expect(plain.noCache)
        #expect(plain.isPrivate)
    }

    @Test("every response flag directive is recognised")
    func responseFlags() {
        let directives = CacheControl(
            parsing: "must-revalidate, proxy-revalidate, no-transform, immutable, public, stale-while-revalidate=30, stale-if-error=600")
        #expect(directives.mustRevalidate)
        #expect(directives.proxyRevalidate)
        #expect(directives.noTransform)
        #expect(directives.immutable)
        #expect(directives.isPublic)
        #expect(directives.staleWhileRevalidate == 30)
        #expect(directives.staleIfError == 600)
    }

    @Test("request directives max-stale, min-fresh and only-if-cached")
    func requestDirectives() {
        #expect(CacheControl(parsing: "max-stale").maxStale == .any)
        #expect(CacheControl(parsing: "max-stale=10").maxStale == .seconds(10))
        #expect(CacheControl(parsing: "max-stale=x").maxStale == nil)
        #expect(CacheControl(parsing: "min-fresh=5").minFresh == 5)
        #expect(CacheControl(parsing: "only-if-cached").onlyIfCached)
    }

    @Test("empty or garbage values give an empty directive set")
    func empty() {
        #expect(CacheControl(parsing: "").isEmpty)
        #expect(CacheControl(parsing: " , ,").isEmpty)
        #expect(CacheControl(HTTPHeaders()).isEmpty)
        #expect(!CacheControl(parsing: "foobar").isEmpty)
    }

    @Test("unknown extensions are kept and do not disturb known directives")
    func extensions() {
        let directives = CacheControl(parsing: "foobar, max-age=3600, community=\"UCI\"")
        #expect(directives.maxAge == 3600)
        #expect(directives.value(of: "community") == .some("UCI"))
        #expect(directives.value(of: "foobar") == .some(nil))
        #expect(directives.value(of: "missing") == nil)
    }

    @Test("CDN-Cache-Control is parsed as a structured dictionary")
    func cdnCacheControl() {
        let headers = HTTPHeaders([("CDN-Cache-Control", "max-age=60, must-revalidate, foobar")])
        let directives = CacheControl(headers, field: "CDN-Cache-Control")
        #expect(directives.maxAge == 60)
        #expect(directives.mustRevalidate)
        #expect(CacheControl(structured: "max-age=99999999999")?.maxAge == 2_147_483_648)
        #expect(CacheControl(structured: "private=(\"set-cookie\" \"x-a\")")?.privateFields == ["set-cookie", "x-a"])
        #expect(CacheControl(structured: "no-store=?0")?.noStore == false)
    }

    @Test("an invalid CDN-Cache-Control is ignored entirely")
    func invalidCDNCacheControl() {
        for value in ["max-age=10000, &&&&&", "max-age=\"10000\"", "max-age=1.5", "max-age=-1", "max-age=10,", "max-age =100", ""] {
            let headers = HTTPHeaders([("CDN-Cache-Control", value)])
            #expect(CacheControl(headers, field: "cdn-cache-control").isEmpty, "\(value)")
        }
    }

    @Test("Pragma no-cache acts as request no-cache only without Cache-Control")
    func pragma() {
        let pragmaOnly = CacheRequest(method: "GET", headers: HTTPHeaders([("Pragma", "no-cache")]))
        #expect(pragmaOnly.cacheControl.noCache)
        let both = CacheRequest(method: "GET", headers: HTTPHeaders([("Pragma", "no-cache"), ("Cache-Control", "max-age=10")]))
        #expect(!both.cacheControl.noCache)
        #expect(both.cacheControl.maxAge == 10)
    }
}

@Suite("Surrogate-Control targets")
struct SurrogateControlTests {
    @Test("directives targeted at this surrogate apply, those for others are ignored, untargeted ones apply to all")
    func targeting() {
        let headers = HTTPHeaders([("Surrogate-Control", "max-age=60;edge, no-store;other, stale-if-error=30")])
        let mine = CacheControl.surrogate(headers, deviceToken: "edge")
        #expect(mine.maxAge == 60)
        #expect(!mine.noStore)
        #expect(mine.staleIfError == 30)
        let theirs = CacheControl.surrogate(headers, deviceToken: "other")
        #expect(theirs.maxAge == nil)
        #expect(theirs.noStore)
    }

    @Test("a targeted Surrogate-Control wins over Cache-Control: no-store for the surrogate it names")
    func targetedOverridesCacheControl() {
        let headers = HTTPHeaders([("Surrogate-Control", "max-age=10000;edge"), ("Cache-Control", "no-store")])
        let effective = CacheControl.effective(for: headers, settings: CachePolicySettings(surrogateDeviceToken: "edge"))
        #expect(effective.maxAge == 10000)
        #expect(!effective.noStore)
        let elsewhere = CacheControl.effective(for: headers, settings: CachePolicySettings(surrogateDeviceToken: "cdn2"))
        #expect(elsewhere.noStore)
    }

    @Test("quoted values may contain the separators")
    func quoted() {
        let headers = HTTPHeaders([("Surrogate-Control", "content=\"ESI/1.0;x, y\", max-age=5")])
        #expect(CacheControl.surrogate(headers, deviceToken: "edge").maxAge == 5)
    }
}
