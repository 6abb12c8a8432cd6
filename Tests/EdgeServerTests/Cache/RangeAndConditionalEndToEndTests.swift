import Testing
@testable import EdgeServer

/// Client conditionals (RFC 9110 §13), HEAD and Range requests (RFC 9110 §14) answered from a
/// stored response without asking the origin.
@Suite("Conditional, HEAD and Range requests served from cache")
struct RangeAndConditionalEndToEndTests {
    static let lastModified = httpDate(offset: -86_400)
    static let digits: TestOrigin.Handler = { _ in
        .init(headers: [("Cache-Control", "max-age=600"), ("ETag", "\"d1\""), ("Last-Modified", lastModified), ("Content-Type", "text/plain")],
              body: "0123456789")
    }

    @Test("If-None-Match matching the stored ETag is answered 304 from cache")
    func ifNoneMatchFromCache() async throws {
        try await withEdge(origin: Self.digits) { edge, origin in
            _ = try edge.get("/d")
            let response = try edge.get("/d", headers: [("If-None-Match", "\"d1\"")])
            #expect(response.status == 304)
            #expect(response.body.isEmpty)
            #expect(response.header("etag") == "\"d1\"")
            #expect(response.cacheStatus.isHit)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("If-None-Match with another tag gets the full stored response")
    func ifNoneMatchOtherTag() async throws {
        try await withEdge(origin: Self.digits) { edge, origin in
            _ = try edge.get("/d")
            let response = try edge.get("/d", headers: [("If-None-Match", "\"old\", W/\"older\"")])
            #expect(response.status == 200)
            #expect(response.text == "0123456789")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("If-Modified-Since at or after Last-Modified is answered 304 from cache")
    func ifModifiedSinceFromCache() async throws {
        try await withEdge(origin: Self.digits) { edge, origin in
            _ = try edge.get("/d")
            let notModified = try edge.get("/d", headers: [("If-Modified-Since", Self.lastModified)])
            #expect(notModified.status == 304)
            let modified = try edge.get("/d", headers: [("If-Modified-Since", httpDate(offset: -86_400 * 10))])
            #expect(modified.status == 200)
            #expect(modified.text == "0123456789")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a conditional request on a miss stores the full response and answers the client 304")
    func conditionalOnMiss() async throws {
        try await withEdge(origin: Self.digits) { edge, origin in
            let response = try edge.get("/d", headers: [("If-None-Match", "\"d1\"")])
            #expect(response.status == 304)
            #expect(origin.requests.first?.headers.contains(name: "if-none-match") == false)
            let full = try edge.get("/d")
            #expect(full.status == 200)
            #expect(full.text == "0123456789")
            #expect(full.cacheStatus.isHit)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("HEAD is answered from the stored GET response, without a body")
    func headFromStoredGet() async throws {
        try await withEdge(origin: Self.digits) { edge, origin in
            _ = try edge.get("/d")
            let head = try edge.get("/d", method: "HEAD")
            #expect(head.status == 200)
            #expect(head.header("content-length") == "10")
            #expect(head.header("etag") == "\"d1\"")
            #expect(head.cacheStatus.isHit)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a HEAD miss fetches with GET so the response can be stored for later GETs")
    func headMissStoresGet() async throws {
        try await withEdge(origin: Self.digits) { edge, origin in
            let connection = try edge.connect()
            try connection.send(EdgeHarness.request(method: "HEAD", path: "/d"))
            let head = try connection.readResponse(bodyExpected: false)
            #expect(head.status == 200)
            // Same connection: a body sent after the HEAD head would corrupt the next response.
            try connection.send(EdgeHarness.request(path: "/d"))
            let get = try connection.readResponse()
            #expect(get.text == "0123456789")
            #expect(get.cacheStatus.isHit)
            #expect(origin.requests.first?.method == "GET")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a Range request is answered 206 from the stored response")
    func singleRange() async throws {
        try await withEdge(origin: Self.digits) { edge, origin in
            _ = try edge.get("/d")
            let partial = try edge.get("/d", headers: [("Range", "bytes=2-4")])
            #expect(partial.status == 206)
            #expect(partial.text == "234")
            #expect(partial.header("content-range") == "bytes 2-4/10")
            #expect(partial.header("content-length") == "3")
            let suffix = try edge.get("/d", headers: [("Range", "bytes=-3")])
            #expect(suffix.status == 206)
            #expect(suffix.text == "789")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("an unsatisfiable Range is answered 416 with the full length")
    func unsatisfiableRange() async throws {
        try await withEdge(origin: Self.digits) { edge, origin in
            _ = try edge.get("/d")
            let response = try edge.get("/d", headers: [("Range", "bytes=20-30")])
            #expect(response.status == 416)
            #expect(response.header("content-range") == "bytes */10")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("several ranges are answered as multipart/byteranges")
    func multipleRanges() async throws {
        try await withEdge(origin: Self.digits) { edge, origin in
            _ = try edge.get("/d")
            let response = try edge.get("/d", headers: [("Range", "bytes=0-1,5-6")])
            #expect(response.status == 206)
            let contentType = try #require(response.header("content-type"))
            #expect(contentType.hasPrefix("multipart/byteranges; boundary="))
            let boundary = String(contentType.split(separator: "=", maxSplits: 1)[1])
            let text = response.text
            #expect(text.contains("--\(boundary)\r\n"))
            #expect(text.contains("Content-Range: bytes 0-1/10\r\n\r\n01\r\n") || text.contains("content-range: bytes 0-1/10\r\n\r\n01\r\n"))
            #expect(text.contains("bytes 5-6/10\r\n\r\n56\r\n"))
            #expect(text.hasSuffix("--\(boundary)--\r\n") || text.hasSuffix("--\(boundary)--"))
            #expect(Int(response.header("content-length") ?? "") == response.body.count)
            #expect(origin.requestCount == 1)
        }
    }

    @Test("If-Range with a different ETag gets the whole stored response")
    func ifRangeMismatch() async throws {
        try await withEdge(origin: Self.digits) { edge, origin in
            _ = try edge.get("/d")
            let response = try edge.get("/d", headers: [("Range", "bytes=2-4"), ("If-Range", "\"other\"")])
            #expect(response.status == 200)
            #expect(response.text == "0123456789")
            let matching = try edge.get("/d", headers: [("Range", "bytes=2-4"), ("If-Range", "\"d1\"")])
            #expect(matching.status == 206)
            #expect(matching.text == "234")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a Range request on a miss fetches and stores the whole object, and gets its range cut from it")
    func rangeOnMissFillsTheCache() async throws {
        try await withEdge(origin: { request in
            if request.headers.contains(name: "range") {
                return .init(status: 206, headers: [("Cache-Control", "max-age=600"), ("Content-Range", "bytes 0-2/10")], body: "012")
            }
            return .init(headers: [("Cache-Control", "max-age=600")], body: "0123456789")
        }) { edge, origin in
            let partial = try edge.get("/d", headers: [("Range", "bytes=3-5")])
            #expect(partial.status == 206)
            #expect(partial.text == "345")
            #expect(partial.header("content-range") == "bytes 3-5/10")
            #expect(origin.requests.first?.headers.contains(name: "range") == false)
            let full = try edge.get("/d")
            #expect(full.status == 200)
            #expect(full.text == "0123456789")
            #expect(full.cacheStatus.isHit)
            let suffix = try edge.get("/d", headers: [("Range", "bytes=-2")])
            #expect(suffix.status == 206)
            #expect(suffix.text == "89")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a Range request whose object will not be stored goes to the origin with its Range")
    func rangeOnUncacheableMissIsForwarded() async throws {
        try await withEdge(origin: { request in
            if request.headers.first(name: "range") == "bytes=0-2" {
                return .init(status: 206, headers: [("Cache-Control", "no-store"), ("Content-Range", "bytes 0-2/10")], body: "012")
            }
            return .init(headers: [("Cache-Control", "no-store")], body: "0123456789")
        }) { edge, origin in
            let partial = try edge.get("/u", headers: [("Range", "bytes=0-2")])
            #expect(partial.status == 206)
            #expect(partial.text == "012")
            #expect(origin.requests.last?.headers.first(name: "range") == "bytes=0-2")
        }
    }

    @Test("a Range beyond the object on a miss gets 416, and the object is still stored")
    func unsatisfiableRangeOnMiss() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=600")], body: "0123456789") }) { edge, origin in
            let response = try edge.get("/e", headers: [("Range", "bytes=50-60")])
            #expect(response.status == 416)
            #expect(response.header("content-range") == "bytes */10")
            #expect(try await eventually { try edge.get("/e").cacheStatus.isHit })
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a client conditional on a stale entry is answered 304 after the origin confirms the entry")
    func conditionalOnStaleEntry() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1"), ("ETag", "\"d1\"")], body: "0123456789") }) { edge, origin in
            _ = try edge.get("/d")
            origin.respond { request in
                request.headers.first(name: "if-none-match") == "\"d1\""
                    ? .init(status: 304, headers: [("Cache-Control", "max-age=600"), ("ETag", "\"d1\"")])
                    : .init(status: 500, body: "expected the edge's own validator")
            }
            try await waitForStaleness()
            let response = try edge.get("/d", headers: [("If-None-Match", "\"d1\"")])
            #expect(response.status == 304)
            #expect(response.cacheStatus.fwdStatus == 304)
            #expect(origin.requestCount == 2)
        }
    }

    @Test("a Range request on a stale entry is answered 206 from the entry the origin confirmed")
    func rangeOnStaleEntry() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "max-age=1"), ("ETag", "\"d1\"")], body: "0123456789") }) { edge, origin in
            _ = try edge.get("/d")
            origin.respond { request in
                #expect(request.headers.first(name: "range") == nil)
                return .init(status: 304, headers: [("Cache-Control", "max-age=600"), ("ETag", "\"d1\"")])
            }
            try await waitForStaleness()
            let response = try edge.get("/d", headers: [("Range", "bytes=7-")])
            #expect(response.status == 206)
            #expect(response.text == "789")
            #expect(response.header("content-range") == "bytes 7-9/10")
            #expect(origin.requestCount == 2)
        }
    }
}
