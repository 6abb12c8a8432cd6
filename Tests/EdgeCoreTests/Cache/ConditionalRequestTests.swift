import NIOHTTP1
import Testing

@testable import EdgeCore

/// Dates used in these tests, with a stand-in parser so the tests do not depend on HTTPDate.
private let earlier = "Sun, 06 Nov 1994 08:49:37 GMT"
private let modified = "Tue, 15 Nov 1994 12:45:26 GMT"
private let later = "Fri, 02 Dec 1994 16:00:00 GMT"
private func parseDate(_ text: String) -> Double? {
    [earlier: 784_111_777, modified: 784_903_526, later: 786_384_000][text]
}

private let stored = HTTPHeaders([
    ("Date", later), ("ETag", "\"v1\""), ("Last-Modified", modified), ("Content-Type", "text/plain"),
    ("Content-Length", "5"), ("Cache-Control", "max-age=60"), ("Vary", "Accept-Encoding"),
])

private func evaluate(
    _ request: [(String, String)], status: Int = 200, response: HTTPHeaders = stored
) -> ConditionalRequest.Outcome {
    evaluate("GET", request, status: status, response: response)
}

private func evaluate(
    _ method: String, _ request: [(String, String)], status: Int = 200, response: HTTPHeaders = stored
) -> ConditionalRequest.Outcome {
    ConditionalRequest.evaluate(
        method: method, requestHeaders: HTTPHeaders(request), responseStatus: status,
        responseHeaders: response, parseDate: parseDate)
}

@Suite("ConditionalRequest")
struct ConditionalRequestTests {
    @Test("a request without preconditions proceeds")
    func unconditional() {
        #expect(evaluate([]) == .proceed)
    }

    // MARK: If-None-Match

    @Test("If-None-Match with the current tag gives 304 for GET and HEAD")
    func noneMatchHit() {
        #expect(evaluate([("If-None-Match", "\"v1\"")]) == .notModified)
        #expect(evaluate("HEAD", [("If-None-Match", "\"v0\", \"v1\"")]) == .notModified)
    }

    @Test("If-None-Match uses weak comparison")
    func noneMatchWeak() {
        #expect(evaluate([("If-None-Match", "W/\"v1\"")]) == .notModified)
        var weakStored = stored
        weakStored.replaceOrAdd(name: "ETag", value: "W/\"v1\"")
        #expect(evaluate([("If-None-Match", "\"v1\"")], response: weakStored) == .notModified)
    }

    @Test("If-None-Match without the current tag proceeds")
    func noneMatchMiss() {
        #expect(evaluate([("If-None-Match", "\"v0\"")]) == .proceed)
    }

    @Test("If-None-Match lines are combined")
    func noneMatchLines() {
        #expect(evaluate([("If-None-Match", "\"v0\""), ("If-None-Match", "\"v1\"")]) == .notModified)
    }

    @Test("If-None-Match: * gives 304 when a representation exists")
    func noneMatchStar() {
        #expect(evaluate([("If-None-Match", "*")]) == .notModified)
        var untagged = stored
        untagged.remove(name: "ETag")
        #expect(evaluate([("If-None-Match", "*")], response: untagged) == .notModified)
    }

    @Test("a false If-None-Match gives 412 for methods other than GET and HEAD")
    func noneMatchUnsafe() {
        #expect(evaluate("PUT", [("If-None-Match", "*")]) == .preconditionFailed)
        #expect(evaluate("POST", [("If-None-Match", "\"v1\"")]) == .preconditionFailed)
    }

    @Test("an unparsable If-None-Match matches nothing and proceeds")
    func noneMatchGarbage() {
        #expect(evaluate([("If-None-Match", "v1")]) == .proceed)
    }

    @Test("If-None-Match proceeds when the response has no ETag")
    func noneMatchNoTag() {
        var untagged = stored
        untagged.remove(name: "ETag")
        #expect(evaluate([("If-None-Match", "\"v1\"")], response: untagged) == .proceed)
    }

    // MARK: If-Modified-Since

    @Test("If-Modified-Since at or after Last-Modified gives 304")
    func modifiedSinceNotModified() {
        #expect(evaluate([("If-Modified-Since", modified)]) == .notModified)
        #expect(evaluate([("If-Modified-Since", later)]) == .notModified)
    }

    @Test("If-Modified-Since before Last-Modified proceeds")
    func modifiedSinceModified() {
        #expect(evaluate([("If-Modified-Since", earlier)]) == .proceed)
    }

    @Test("an invalid If-Modified-Since date is ignored")
    func modifiedSinceInvalid() {
        #expect(evaluate([("If-Modified-Since", "yesterday")]) == .proceed)
        #expect(evaluate([("If-Modified-Since", later), ("If-Modified-Since", later)]) == .proceed)
    }

    @Test("If-Modified-Since applies only to GET and HEAD")
    func modifiedSinceMethods() {
        #expect(evaluate("HEAD", [("If-Modified-Since", later)]) == .notModified)
        #expect(evaluate("POST", [("If-Modified-Since", later)]) == .proceed)
        #expect(evaluate("DELETE", [("If-Modified-Since", later)]) == .proceed)
    }

    @Test("If-None-Match takes precedence over If-Modified-Since")
    func noneMatchBeatsModifiedSince() {
        // The tag differs, so the representation changed even though the date says otherwise.
        #expect(evaluate([("If-None-Match", "\"v0\""), ("If-Modified-Since", later)]) == .proceed)
        #expect(evaluate([("If-None-Match", "\"v1\""), ("If-Modified-Since", earlier)]) == .notModified)
    }

    @Test("without Last-Modified, If-Modified-Since is compared with Date (RFC 9111 §4.3.2)")
    func modifiedSinceFallsBackToDate() {
        let dated = HTTPHeaders([("Date", modified), ("ETag", "\"v1\"")])
        #expect(evaluate([("If-Modified-Since", later)], response: dated) == .notModified)
        #expect(evaluate([("If-Modified-Since", earlier)], response: dated) == .proceed)
        #expect(evaluate([("If-Modified-Since", later)], response: HTTPHeaders()) == .proceed)
    }

    // MARK: If-Match and If-Unmodified-Since

    @Test("If-Match with the current strong tag proceeds, otherwise 412")
    func ifMatch() {
        #expect(evaluate("PUT", [("If-Match", "\"v0\", \"v1\"")]) == .proceed)
        #expect(evaluate("PUT", [("If-Match", "\"v0\"")]) == .preconditionFailed)
        #expect(evaluate("GET", [("If-Match", "\"v0\"")]) == .preconditionFailed)
    }

    @Test("If-Match uses strong comparison, so weak tags never match")
    func ifMatchWeak() {
        #expect(evaluate("PUT", [("If-Match", "W/\"v1\"")]) == .preconditionFailed)
        var weakStored = stored
        weakStored.replaceOrAdd(name: "ETag", value: "W/\"v1\"")
        #expect(evaluate("PUT", [("If-Match", "\"v1\"")], response: weakStored) == .preconditionFailed)
    }

    @Test("If-Match: * proceeds when a representation exists, even without an ETag")
    func ifMatchStar() {
        #expect(evaluate("PUT", [("If-Match", "*")], response: HTTPHeaders()) == .proceed)
    }

    @Test("an unparsable If-Match matches nothing and fails")
    func ifMatchGarbage() {
        #expect(evaluate("PUT", [("If-Match", "v1")]) == .preconditionFailed)
    }

    @Test("If-Unmodified-Since before Last-Modified fails, at or after proceeds")
    func unmodifiedSince() {
        #expect(evaluate("PUT", [("If-Unmodified-Since", earlier)]) == .preconditionFailed)
        #expect(evaluate("PUT", [("If-Unmodified-Since", modified)]) == .proceed)
        #expect(evaluate("PUT", [("If-Unmodified-Since", later)]) == .proceed)
    }

    @Test("If-Unmodified-Since is ignored when invalid, without Last-Modified, or with If-Match")
    func unmodifiedSinceIgnored() {
        #expect(evaluate("PUT", [("If-Unmodified-Since", "soon")]) == .proceed)
        #expect(evaluate("PUT", [("If-Unmodified-Since", earlier)], response: HTTPHeaders([("Date", later)])) == .proceed)
        #expect(evaluate("PUT", [("If-Match", "\"v1\""), ("If-Unmodified-Since", earlier)]) == .proceed)
    }

    @Test("If-Match is evaluated before If-None-Match")
    func matchBeforeNoneMatch() {
        #expect(evaluate([("If-Match", "\"v0\""), ("If-None-Match", "\"v1\"")]) == .preconditionFailed)
        #expect(evaluate([("If-Match", "\"v1\""), ("If-None-Match", "\"v1\"")]) == .notModified)
    }

    // MARK: When preconditions do not apply

    @Test("preconditions are ignored when the response would not be 2xx")
    func nonSuccessIgnored() {
        #expect(evaluate([("If-None-Match", "\"v1\"")], status: 404) == .proceed)
        #expect(evaluate("PUT", [("If-Match", "\"v0\"")], status: 301) == .proceed)
        #expect(evaluate([("If-None-Match", "\"v1\"")], status: 206) == .notModified)
    }

    @Test("preconditions are ignored for OPTIONS, TRACE and CONNECT")
    func methodsWithoutRepresentation() {
        #expect(evaluate("OPTIONS", [("If-Match", "\"v0\"")]) == .proceed)
        #expect(evaluate("TRACE", [("If-None-Match", "*")]) == .proceed)
        #expect(evaluate("CONNECT", [("If-None-Match", "*")]) == .proceed)
    }

    // MARK: 304 headers

    @Test("a 304 carries Cache-Control, Content-Location, Date, ETag, Expires and Vary only")
    func notModifiedHeaders() {
        var full = stored
        full.add(name: "Content-Location", value: "/a.txt")
        full.add(name: "Expires", value: later)
        full.add(name: "Set-Cookie", value: "a=b")
        let headers = ConditionalRequest.notModifiedHeaders(from: full)
        #expect(
            headers.map(\.name) == ["Date", "ETag", "Cache-Control", "Vary", "Content-Location", "Expires"])
        #expect(headers.first(name: "etag") == "\"v1\"")
    }

    @Test("a 304 carries Last-Modified when there is no ETag")
    func notModifiedLastModified() {
        let headers = ConditionalRequest.notModifiedHeaders(
            from: HTTPHeaders([("Last-Modified", modified), ("Content-Length", "3"), ("Vary", "A"), ("Vary", "B")]))
        #expect(headers.map(\.name) == ["Last-Modified", "Vary", "Vary"])
    }
}
