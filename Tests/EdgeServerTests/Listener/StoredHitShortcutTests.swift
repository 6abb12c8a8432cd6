import EdgeCore
import Foundation
import Testing
@testable import EdgeServer

/// The stored-hit shortcut answers plain hits from the client's bytes; these pin down that what it
/// sends is what the full path sends, that it keeps responses in request order, and that it leaves
/// everything else to the full path. `shortcut_hits` in the counters tells who answered.
@Suite("Stored-hit shortcut")
struct StoredHitShortcutTests {
    static let origin: TestOrigin.Handler = { request in
        .init(
            headers: [("Content-Type", "text/plain"), ("Cache-Control", "max-age=600"), ("ETag", "\"e1\""),
                      ("Surrogate-Key", "tag-a"), ("X-Origin", "yes")],
            body: "body of \(request.uri)")
    }

    static func shortcutHits(_ edge: EdgeHarness) -> Int { edge.server.counters["shortcut_hits"] ?? -1 }

    /// Fields in order, without Age (its value depends on the second the hit falls in).
    static func fieldsWithoutAge(_ response: RawHTTPConnection.Response) -> [String] {
        response.headers.filter { $0.0.lowercased() != "age" }.map { "\($0.0): \($0.1)" }
    }

    @Test("a plain hit gets the status, fields and body the full path gives, from the shortcut")
    func sameAsFullPath() async throws {
        try await withEdge(origin: Self.origin) { edge, origin in
            _ = try edge.get("/a")
            let before = Self.shortcutHits(edge)
            let shortcut = try edge.get("/a")
            #expect(Self.shortcutHits(edge) == before + 1)
            // A Pragma without no-cache changes nothing in the response but sends the request down the full path.
            let full = try edge.get("/a", headers: [("Pragma", "x-test")])
            #expect(Self.shortcutHits(edge) == before + 1)
            #expect(shortcut.status == 200)
            #expect(shortcut.status == full.status)
            #expect(Self.fieldsWithoutAge(shortcut) == Self.fieldsWithoutAge(full))
            #expect(shortcut.header("age") != nil)
            #expect(shortcut.header("surrogate-key") == nil)
            #expect(shortcut.header("cache-status")?.hasPrefix("edge; hit; ttl=") == true)
            #expect(shortcut.body == full.body)
            #expect(shortcut.text == "body of /a")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("HEAD on a stored response gets GET's fields and no body")
    func head() async throws {
        try await withEdge(origin: Self.origin) { edge, _ in
            _ = try edge.get("/h")
            let get = try edge.get("/h")
            let before = Self.shortcutHits(edge)
            let connection = try edge.connect()
            try connection.send(EdgeHarness.request(method: "HEAD", path: "/h") + EdgeHarness.request(path: "/h"))
            let head = try connection.readResponse(bodyExpected: false)
            let next = try connection.readResponse()
            #expect(Self.shortcutHits(edge) == before + 2)
            #expect(Self.fieldsWithoutAge(head) == Self.fieldsWithoutAge(get))
            #expect(head.body.isEmpty)
            // Had the HEAD response carried a body, it would have been read as the next response.
            #expect(next.text == "body of /h")
        }
    }

    @Test("pipelined hits, misses and conditionals come back in request order, and the shortcut takes over again after them")
    func pipelinedOrder() async throws {
        try await withEdge(origin: Self.origin) { edge, origin in
            _ = try edge.get("/hit")
            let before = Self.shortcutHits(edge)
            let connection = try edge.connect()
            let requests = [
                EdgeHarness.request(path: "/hit"),
                EdgeHarness.request(path: "/miss-1"),
                EdgeHarness.request(path: "/hit"),
                EdgeHarness.request(path: "/hit", headers: [("If-None-Match", "\"e1\"")]),
                EdgeHarness.request(path: "/miss-2"),
            ]
            try connection.send(requests.joined())
            let bodies = try (0..<5).map { _ in try connection.readResponse() }
            #expect(bodies.map(\.status) == [200, 200, 200, 304, 200])
            #expect(bodies.map(\.text) == ["body of /hit", "body of /miss-1", "body of /hit", "", "body of /miss-2"])
            // Only the first hit came before a request the full path had to take.
            #expect(Self.shortcutHits(edge) == before + 1)
            #expect(origin.requestCount == 3)

            // All answered: the next plain hit on this connection is the shortcut's again.
            try connection.send(EdgeHarness.request(path: "/hit"))
            #expect(try connection.readResponse().text == "body of /hit")
            #expect(Self.shortcutHits(edge) == before + 2)
        }
    }

    @Test("a head split across reads is held until it is whole, then answered")
    func splitHead() async throws {
        try await withEdge(origin: Self.origin) { edge, _ in
            _ = try edge.get("/split")
            let before = Self.shortcutHits(edge)
            let connection = try edge.connect()
            let text = Array(EdgeHarness.request(path: "/split", headers: [("User-Agent", "slow-typist")]).utf8)
            for piece in [text[..<5], text[5..<21], text[21...]] {
                try connection.send(Array(piece))
                try await Task.sleep(for: .milliseconds(30))
            }
            #expect(try connection.readResponse().text == "body of /split")
            #expect(Self.shortcutHits(edge) == before + 1)
        }
    }

    @Test("an unfinished head longer than any head may be goes to the parser after the requests before it")
    func oversizedPartialHeadAfterWholeOnes() async throws {
        try await withEdge(origin: Self.origin, configure: { $0.settings.limits.maxHeaderBytes = 512; $0.settings.limits.maxRequestLine = 256 }) { edge, _ in
            let connection = try edge.connect()
            // All of it fits in one read (NIO starts with 2 KiB buffers), past the 768 bytes a head may take.
            let padding = String(repeating: "a", count: 1200)
            try connection.send(EdgeHarness.request(path: "/first") + "GET /second HTTP/1.1\r\nHost: test.example\r\nX-Padding: \(padding)")
            let first = try connection.readResponse()
            #expect(first.status == 200)
            #expect(first.text == "body of /first")
            // The parser refuses the oversized head (431), or the connection just ends.
            if let refused = try? connection.readResponse() {
                #expect(refused.status == 431)
            }
        }
    }

    @Test("a head the scan does not vouch for is the full parser's: a lowercase method gets 400 and the connection ends")
    func unsupportedHeadGoesToParser() async throws {
        try await withEdge(origin: Self.origin) { edge, _ in
            _ = try edge.get("/x")
            let before = Self.shortcutHits(edge)
            let connection = try edge.connect()
            try connection.send("get /x HTTP/1.1\r\nHost: test.example\r\n\r\n" + EdgeHarness.request(path: "/x"))
            let response = try connection.readResponse()
            #expect(response.status == 400)
            #expect(Self.shortcutHits(edge) == before)
        }
    }

    @Test("Vary on a request field: each variant is picked from the client's bytes")
    func varyOnRequestField() async throws {
        let origin: TestOrigin.Handler = { request in
            .init(headers: [("Cache-Control", "max-age=600"), ("Vary", "X-Variant")],
                  body: "variant \(request.headers.first(name: "x-variant") ?? "none")")
        }
        try await withEdge(origin: origin) { edge, origin in
            for value in ["one", "two"] {
                _ = try edge.get("/v", headers: [("X-Variant", value)])
            }
            _ = try edge.get("/v")
            let before = Self.shortcutHits(edge)
            #expect(try edge.get("/v", headers: [("x-variant", "two")]).text == "variant two")
            #expect(try edge.get("/v", headers: [("X-Variant", "one")]).text == "variant one")
            #expect(try edge.get("/v").text == "variant none")
            #expect(Self.shortcutHits(edge) == before + 3)
            #expect(origin.requestCount == 3)
        }
    }

    @Test("Vary: Accept-Encoding from the origin: one connection switching values gets the right variant each time")
    func varyOnAcceptEncoding() async throws {
        let origin: TestOrigin.Handler = { request in
            .init(headers: [("Content-Type", "application/octet-stream"), ("Cache-Control", "max-age=600"), ("Vary", "Accept-Encoding")],
                  body: "for \(request.headers.first(name: "accept-encoding") ?? "none")")
        }
        try await withEdge(origin: origin) { edge, origin in
            for value in ["gzip", "br"] {
                _ = try edge.get("/ae", headers: [("Accept-Encoding", value)])
            }
            let before = Self.shortcutHits(edge)
            let connection = try edge.connect()
            for value in ["gzip", "br", "BR", "gzip"] {
                try connection.send(EdgeHarness.request(path: "/ae", headers: [("Accept-Encoding", value)]))
                #expect(try connection.readResponse().text == "for \(value.lowercased())")
            }
            #expect(Self.shortcutHits(edge) == before + 4)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a stored br variant goes out from the shortcut with the fields the full path gives it")
    func storedVariant() async throws {
        let body = Array(String(repeating: "function shortcut() { return 42; }\n", count: 200).utf8)
        let origin: TestOrigin.Handler = { _ in
            var response = TestOrigin.Response(headers: [("Content-Type", "application/javascript"), ("Cache-Control", "max-age=600")])
            response.body = body
            return response
        }
        try await withEdge(origin: origin) { edge, _ in
            _ = try edge.get("/app.js")
            let made = try edge.get("/app.js", headers: [("Accept-Encoding", "br")])
            #expect(made.header("content-encoding") == "br")
            let before = Self.shortcutHits(edge)
            let shortcut = try edge.get("/app.js", headers: [("Accept-Encoding", "gzip, deflate, br"), ("Connection", "keep-alive")])
            #expect(Self.shortcutHits(edge) == before + 1)
            let full = try edge.get("/app.js", headers: [("Accept-Encoding", "gzip, deflate, br"), ("Pragma", "x-test")])
            #expect(Self.shortcutHits(edge) == before + 1)
            #expect(shortcut.header("content-encoding") == "br")
            #expect(Self.fieldsWithoutAge(shortcut) == Self.fieldsWithoutAge(full))
            #expect(shortcut.body == made.body)
            #expect(try CodingTools.decode("br", shortcut.body) == body)
        }
    }

    @Test("a stale entry is not the shortcut's: the full path revalidates it")
    func staleGoesToFullPath() async throws {
        let origin: TestOrigin.Handler = { _ in .init(headers: [("Cache-Control", "max-age=1"), ("ETag", "\"s\"")], body: "short-lived") }
        try await withEdge(origin: origin) { edge, origin in
            _ = try edge.get("/s")
            try await Task.sleep(for: .milliseconds(2100))
            let before = Self.shortcutHits(edge)
            let response = try edge.get("/s")
            #expect(response.text == "short-lived")
            #expect(response.cacheStatus.fwd == "stale")
            #expect(Self.shortcutHits(edge) == before)
            #expect(origin.requestCount == 2)
        }
    }
}

extension StoredHitShortcutTests {
    /// The shortcut asks for a plain connection's reads itself (autoRead is off): after a read it
    /// answered, from where it sits; after one the full path took, from the tail, as autoRead would.
    @Test("a plain connection keeps being read whoever answered last: hits, pauses, a large miss, hits, a large upload")
    func readsContinueAcrossEntrances() async throws {
        try await withEdge(origin: { request in
            switch (request.method, request.uri) {
            case ("GET", "/big"): TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: String(repeating: "b", count: 600_000))
            case ("GET", _): TestOrigin.Response(headers: [("Cache-Control", "max-age=600")], body: "body of \(request.uri)")
            default: TestOrigin.Response(headers: [("Cache-Control", "no-store")], body: "got \(request.body.count) bytes")
            }
        }) { edge, origin in
            _ = try edge.get("/hit")
            let before = Self.shortcutHits(edge)
            let connection = try edge.connect()
            for pause in [0, 50, 150] {
                try await Task.sleep(for: .milliseconds(pause))
                try connection.send(EdgeHarness.request(path: "/hit"))
                #expect(try connection.readResponse().text == "body of /hit")
            }
            #expect(Self.shortcutHits(edge) == before + 3)
            // The full path, many writes' worth of response; then the shortcut again after a pause.
            try connection.send(EdgeHarness.request(path: "/big"))
            #expect(try connection.readResponse().text.count == 600_000)
            try await Task.sleep(for: .milliseconds(100))
            try connection.send(EdgeHarness.request(path: "/hit"))
            #expect(try connection.readResponse().text == "body of /hit")
            #expect(Self.shortcutHits(edge) == before + 4)
            // A body is the full path's for the rest of the connection; many reads' worth of it.
            try connection.send(EdgeHarness.request(method: "POST", path: "/upload", body: String(repeating: "u", count: 600_000)))
            #expect(try connection.readResponse().text == "got 600000 bytes")
            try await Task.sleep(for: .milliseconds(100))
            try connection.send(EdgeHarness.request(path: "/hit"))
            #expect(try connection.readResponse().text == "body of /hit")
            #expect(origin.requestCount == 3)
        }
    }
}
