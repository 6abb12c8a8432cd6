import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("Freshness lifetime and age")
struct FreshnessTests {
    let now: EpochSeconds = 1_700_000_000
    let settings = CachePolicySettings()

    func headers(_ pairs: (String, String)...) -> HTTPHeaders {
        HTTPHeaders(pairs)
    }

    func date(_ offset: Double) -> String {
        HTTPDate.format(now + offset)
    }

    @Test("s-maxage beats max-age in a shared cache, whichever is longer")
    func sMaxAgeWins() {
        #expect(Freshness.lifetime(status: 200, headers: headers(("Cache-Control", "max-age=3600, s-maxage=1")), settings: settings) == 1)
        #expect(Freshness.lifetime(status: 200, headers: headers(("Cache-Control", "max-age=1, s-maxage=3600")), settings: settings) == 3600)
    }

    @Test("max-age beats Expires, even an invalid one")
    func maxAgeBeatsExpires() {
        let past = headers(("Cache-Control", "max-age=3600"), ("Expires", date(-10_000)), ("Date", date(0)))
        #expect(Freshness.lifetime(status: 200, headers: past, settings: settings) == 3600)
        let invalid = headers(("Cache-Control", "max-age=3600"), ("Expires", "0"), ("Date", date(0)))
        #expect(Freshness.lifetime(status: 200, headers: invalid, settings: settings) == 3600)
        let zero = headers(("Cache-Control", "max-age=0"), ("Expires", date(10_000)), ("Date", date(0)))
        #expect(Freshness.lifetime(status: 200, headers: zero, settings: settings) == 0)
    }

    @Test("Expires minus Date is the lifetime")
    func expires() {
        let future = headers(("Expires", date(600)), ("Date", date(0)))
        #expect(Freshness.lifetime(status: 200, headers: future, settings: settings) == 600)
        let past = headers(("Expires", date(-600)), ("Date", date(0)))
        #expect(Freshness.lifetime(status: 200, headers: past, settings: settings) == 0)
    }

    @Test("an invalid Expires such as 0 means already expired, with no heuristic fallback")
    func invalidExpires() {
        let invalid = headers(("Expires", "0"), ("Date", date(0)), ("Last-Modified", date(-100_000)))
        #expect(Freshness.lifetime(status: 200, headers: invalid, settings: settings) == 0)
        #expect(!Freshness.isHeuristic(status: 200, headers: invalid, settings: settings))
    }

    @Test("an Expires near-miss of the HTTP-date grammar means already expired")
    func expiresNearMissIsExpired() {
        for value in ["Thu, 18 Aug 2050 02:01:18 UTC", "Thu 18 Aug 2050 02:01:18 GMT", "Thu, 18-Aug-2050 02:01:18 GMT",
            "Thu, 18 Aug 50 02:01:18 GMT", "Thu, 18 Aug 2050 2:01:18 GMT"]
        {
            #expect(Freshness.lifetime(status: 200, headers: headers(("Expires", value), ("Date", date(0))), settings: settings) == 0, "\(value)")
        }
        let valid = headers(("Expires", "THU, 18 AUG 2050 02:01:18 gmt"), ("Date", date(0)))
        #expect(Freshness.lifetime(status: 200, headers: valid, settings: settings) > 0)
    }

    @Test("several differing Expires lines make Expires invalid, so already expired")
    func multipleExpiresLines() {
        let differing = headers(("Expires", date(3600)), ("Expires", date(3601)), ("Date", date(0)))
        #expect(Freshness.lifetime(status: 200, headers: differing, settings: settings) == 0)
        let repeated = headers(("Expires", date(3600)), ("Expires", date(3600)), ("Date", date(0)))
        #expect(Freshness.lifetime(status: 200, headers: repeated, settings: settings) == 3600)
    }

    @Test("Expires without Date uses the response time")
    func expiresWithoutDate() {
        let noDate = headers(("Expires", date(300)))
        #expect(Freshness.lifetime(status: 200, headers: noDate, settings: settings, responseTime: now) == 300)
        #expect(Freshness.lifetime(status: 200, headers: noDate, settings: settings) == 0)
    }

    @Test("heuristic lifetime is 10% of Date minus Last-Modified, capped")
    func heuristic() {
        let recent = headers(("Date", date(0)), ("Last-Modified", date(-10_000)))
        #expect(Freshness.lifetime(status: 200, headers: recent, settings: settings) == 1000)
        #expect(Freshness.isHeuristic(status: 200, headers: recent, settings: settings))
        let old = headers(("Date", date(0)), ("Last-Modified", date(-100_000_000)))
        #expect(Freshness.lifetime(status: 200, headers: old, settings: settings) == 86_400)
        let custom = CachePolicySettings(heuristicFraction: 0.5, heuristicMaxLifetime: 60)
        #expect(Freshness.lifetime(status: 200, headers: recent, settings: custom) == 60)
    }

    @Test("heuristic applies only to heuristically cacheable statuses or public responses")
    func heuristicStatuses() {
        let lastModified = headers(("Date", date(0)), ("Last-Modified", date(-10_000)))
        for status in [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501] {
            #expect(Freshness.lifetime(status: status, headers: lastModified, settings: settings) == 1000, "\(status)")
        }
        for status in [201, 302, 303, 307, 400, 403, 500, 502, 503] {
            #expect(Freshness.lifetime(status: status, headers: lastModified, settings: settings) == 0, "\(status)")
        }
        let publicResponse = headers(("Date", date(0)), ("Last-Modified", date(-10_000)), ("Cache-Control", "public"))
        #expect(Freshness.lifetime(status: 302, headers: publicResponse, settings: settings) == 1000)
    }

    @Test("no explicit freshness and no Last-Modified gives zero, not heuristic")
    func nothing() {
        let bare = headers(("Date", date(0)))
        #expect(Freshness.lifetime(status: 200, headers: bare, settings: settings) == 0)
        #expect(!Freshness.isHeuristic(status: 200, headers: bare, settings: settings))
        let explicit = headers(("Date", date(0)), ("Last-Modified", date(-10_000)), ("Cache-Control", "max-age=5"))
        #expect(!Freshness.isHeuristic(status: 200, headers: explicit, settings: settings))
    }

    @Test("CDN-Cache-Control, then Surrogate-Control, replace Cache-Control when honoured")
    func targetedFields() {
        let cdn = headers(("Cache-Control", "max-age=3600"), ("CDN-Cache-Control", "max-age=1"), ("Surrogate-Control", "max-age=50"))
        #expect(Freshness.lifetime(status: 200, headers: cdn, settings: settings) == 1)
        let surrogate = headers(("Cache-Control", "max-age=1"), ("Surrogate-Control", "max-age=3600"))
        #expect(Freshness.lifetime(status: 200, headers: surrogate, settings: settings) == 3600)
        let esiOnly = headers(("Cache-Control", "max-age=30"), ("Surrogate-Control", "content=\"ESI/1.0\""))
        #expect(Freshness.lifetime(status: 200, headers: esiOnly, settings: settings) == 30)
        let off = CachePolicySettings(honorCDNCacheControl: false)
        #expect(Freshness.lifetime(status: 200, headers: cdn, settings: off) == 3600)
        let invalidCDN = headers(("Cache-Control", "max-age=7"), ("CDN-Cache-Control", "max-age=\"100\""))
        #expect(Freshness.lifetime(status: 200, headers: invalidCDN, settings: settings) == 7)
        let cdnWithExpires = headers(("CDN-Cache-Control", "max-age=0"), ("Expires", date(10_000)), ("Date", date(0)))
        #expect(Freshness.lifetime(status: 200, headers: cdnWithExpires, settings: settings) == 0)
    }

    @Test("age is resident time when the response arrived instantly with a matching Date")
    func simpleAge() {
        let timing = StoredResponseTiming(requestTime: now, responseTime: now)
        #expect(Freshness.currentAge(headers: headers(("Date", date(0))), timing: timing, now: now + 30) == 30)
    }

    @Test("upstream Age and response delay add to the age")
    func upstreamAge() {
        let timing = StoredResponseTiming(requestTime: now - 2, responseTime: now)
        let aged = headers(("Date", date(0)), ("Age", "100"))
        #expect(Freshness.currentAge(headers: aged, timing: timing, now: now + 10) == 112)
    }

    @Test("a Date in the past raises the age; a Date in the future does not lower it")
    func clockSkew() {
        let timing = StoredResponseTiming(requestTime: now, responseTime: now)
        #expect(Freshness.currentAge(headers: headers(("Date", date(-50))), timing: timing, now: now) == 50)
        #expect(Freshness.currentAge(headers: headers(("Date", date(500))), timing: timing, now: now + 5) == 5)
        #expect(Freshness.currentAge(headers: headers(("Date", date(-50)), ("Age", "10")), timing: timing, now: now) == 50)
    }

    @Test("missing or invalid Date counts as the response time")
    func missingDate() {
        let timing = StoredResponseTiming(requestTime: now, responseTime: now)
        #expect(Freshness.currentAge(headers: HTTPHeaders(), timing: timing, now: now + 7) == 7)
        #expect(Freshness.currentAge(headers: headers(("Date", "garbage")), timing: timing, now: now + 7) == 7)
    }

    @Test("Age uses the first member of the first line and ignores invalid values")
    func ageParsing() {
        #expect(Freshness.ageHeaderValue(headers(("Age", "7200,0"))) == 7200)
        #expect(Freshness.ageHeaderValue(headers(("Age", "0, 7200"))) == 0)
        #expect(Freshness.ageHeaderValue(headers(("Age", "7200"), ("Age", "0"))) == 7200)
        #expect(Freshness.ageHeaderValue(headers(("Age", "abc"))) == nil)
        #expect(Freshness.ageHeaderValue(headers(("Age", "-7200"))) == nil)
        #expect(Freshness.ageHeaderValue(headers(("Age", "7200.0"))) == nil)
        #expect(Freshness.ageHeaderValue(headers(("Age", "99999999999"))) == 2_147_483_648)
        #expect(Freshness.ageHeaderValue(HTTPHeaders()) == nil)
    }
}
