import NIOHTTP1
import Testing

@testable import EdgeCore

@Suite("Revalidation")
struct RevalidationTests {
    // MARK: validators

    @Test("validators send the stored ETag and Last-Modified as received")
    func validatorsBoth() {
        let stored = HTTPHeaders([
            ("ETag", "W/\"v1\""), ("Last-Modified", "Tue, 15 Nov 1994 12:45:26 GMT"),
            ("Date", "Wed, 16 Nov 1994 00:00:00 GMT"),
        ])
        let validators = Revalidation.validators(for: stored)
        #expect(validators["If-None-Match"] == ["W/\"v1\""])
        #expect(validators["If-Modified-Since"] == ["Tue, 15 Nov 1994 12:45:26 GMT"])
        #expect(validators.count == 2)
    }

    @Test("validators never derive If-Modified-Since from Date")
    func validatorsNoDate() {
        let validators = Revalidation.validators(for: HTTPHeaders([("Date", "Wed, 16 Nov 1994 00:00:00 GMT")]))
        #expect(validators.count == 0)
    }

    @Test("validators with only an ETag send only If-None-Match")
    func validatorsETagOnly() {
        let validators = Revalidation.validators(for: HTTPHeaders([("ETag", "\"abc\"")]))
        #expect(validators.map(\.name) == ["If-None-Match"])
    }

    // MARK: notModifiedSelects

    @Test("a strong ETag in the 304 selects only a strongly matching stored response")
    func selectsStrong() {
        let strong = HTTPHeaders([("ETag", "\"v1\"")])
        #expect(Revalidation.notModifiedSelects(stored: strong, notModified: HTTPHeaders([("ETag", "\"v1\"")])))
        #expect(!Revalidation.notModifiedSelects(stored: strong, notModified: HTTPHeaders([("ETag", "\"v2\"")])))
        #expect(
            !Revalidation.notModifiedSelects(
                stored: HTTPHeaders([("ETag", "W/\"v1\"")]), notModified: HTTPHeaders([("ETag", "\"v1\"")])))
        #expect(!Revalidation.notModifiedSelects(stored: HTTPHeaders(), notModified: HTTPHeaders([("ETag", "\"v1\"")])))
    }

    @Test("a weak ETag in the 304 selects a weakly matching stored response")
    func selectsWeak() {
        let weak = HTTPHeaders([("ETag", "W/\"v1\"")])
        #expect(Revalidation.notModifiedSelects(stored: HTTPHeaders([("ETag", "\"v1\"")]), notModified: weak))
        #expect(Revalidation.notModifiedSelects(stored: weak, notModified: weak))
        #expect(!Revalidation.notModifiedSelects(stored: HTTPHeaders([("ETag", "\"v2\"")]), notModified: weak))
    }

    @Test("without ETags, the 304's Last-Modified must equal the stored one")
    func selectsLastModified() {
        let stored = HTTPHeaders([("Last-Modified", "Tue, 15 Nov 1994 12:45:26 GMT")])
        #expect(
            Revalidation.notModifiedSelects(
                stored: stored, notModified: HTTPHeaders([("Last-Modified", "Tue, 15 Nov 1994 12:45:26 GMT")])))
        #expect(
            !Revalidation.notModifiedSelects(
                stored: stored, notModified: HTTPHeaders([("Last-Modified", "Wed, 16 Nov 1994 12:45:26 GMT")])))
    }

    @Test("a 304 with an ETag ignores a matching Last-Modified when the tags differ")
    func etagOverridesDate() {
        let stored = HTTPHeaders([("ETag", "\"v1\""), ("Last-Modified", "Tue, 15 Nov 1994 12:45:26 GMT")])
        let notModified = HTTPHeaders([("ETag", "\"v2\""), ("Last-Modified", "Tue, 15 Nov 1994 12:45:26 GMT")])
        #expect(!Revalidation.notModifiedSelects(stored: stored, notModified: notModified))
    }

    @Test("a 304 without validators selects the stored response, with or without validators")
    func selectsBare() {
        let bare = HTTPHeaders([("Date", "Wed, 16 Nov 1994 00:00:00 GMT")])
        #expect(Revalidation.notModifiedSelects(stored: HTTPHeaders([("Content-Type", "a/b")]), notModified: bare))
        #expect(Revalidation.notModifiedSelects(stored: HTTPHeaders([("ETag", "\"v1\"")]), notModified: bare))
    }

    @Test("unparsable ETags select only when their text is identical")
    func selectsUnquoted() {
        let unquoted = HTTPHeaders([("ETag", "abc")])
        #expect(Revalidation.notModifiedSelects(stored: unquoted, notModified: unquoted))
        #expect(!Revalidation.notModifiedSelects(stored: unquoted, notModified: HTTPHeaders([("ETag", "abd")])))
    }

    // MARK: freshen

    @Test("freshening replaces every line of the fields the 304 carries and keeps the rest")
    func freshenReplaces() {
        let stored = HTTPHeaders([
            ("Date", "old"), ("Cache-Control", "max-age=10"), ("Cache-Control", "public"),
            ("Content-Type", "text/html"), ("X-Old", "kept"), ("ETag", "\"v1\""),
        ])
        let notModified = HTTPHeaders([("date", "new"), ("Cache-Control", "max-age=600"), ("X-New", "added")])
        let result = Revalidation.freshen(stored: stored, with: notModified)
        #expect(result["Date"] == ["new"])
        #expect(result["Cache-Control"] == ["max-age=600"])
        #expect(result["Content-Type"] == ["text/html"])
        #expect(result["X-Old"] == ["kept"])
        #expect(result["X-New"] == ["added"])
        #expect(result["ETag"] == ["\"v1\""])
    }

    @Test("freshening never updates Content-Length, Content-Range or Content-Encoding")
    func freshenProtectsBodyFields() {
        let stored = HTTPHeaders([("Content-Length", "5"), ("Content-Encoding", "br")])
        let notModified = HTTPHeaders([
            ("Content-Length", "0"), ("Content-Encoding", "gzip"), ("Content-Range", "bytes 0-1/5"),
            ("Content-Type", "text/plain"),
        ])
        let result = Revalidation.freshen(stored: stored, with: notModified)
        #expect(result["Content-Length"] == ["5"])
        #expect(result["Content-Encoding"] == ["br"])
        #expect(result["Content-Range"].isEmpty)
        #expect(result["Content-Type"] == ["text/plain"])
    }

    @Test("freshening skips hop-by-hop fields and those the 304's Connection names")
    func freshenSkipsHopByHop() {
        let stored = HTTPHeaders([("X-Trace", "stored")])
        let notModified = HTTPHeaders([
            ("Connection", "keep-alive, X-Trace"), ("Keep-Alive", "timeout=5"), ("X-Trace", "hop"),
            ("Proxy-Authenticate", "Basic"), ("Transfer-Encoding", "chunked"), ("ETag", "\"v1\""),
        ])
        let result = Revalidation.freshen(stored: stored, with: notModified)
        #expect(result.map(\.name) == ["X-Trace", "ETag"])
        #expect(result["X-Trace"] == ["stored"])
    }

    @Test("the client's precondition fields are listed for removal before revalidating")
    func preconditionFieldNames() {
        #expect(Set(Revalidation.preconditionFieldNames).count == 5)
        #expect(Revalidation.preconditionFieldNames.contains("if-none-match"))
    }
}
