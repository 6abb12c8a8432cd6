import EdgeCore
import Foundation
import Synchronization
import Testing
@testable import EdgeServer

/// The HTTP/2 stored-hit shortcut answers fresh hits from their HEADERS frames; these pin down that it
/// sends what the full path sends, that it leaves every other stream to the full path, and that the
/// connection's HTTP/2 state stays whole around the streams it answers. `http2_shortcut_hits` in the
/// counters tells who answered.
@Suite("HTTP/2 stored-hit shortcut")
struct HTTP2StoredHitShortcutTests {
    typealias Frame = RawHTTP2Connection.Frame

    static let origin: TestOrigin.Handler = { request in
        var response = TestOrigin.Response(
            headers: [("Content-Type", "text/plain"), ("Cache-Control", request.uri.hasPrefix("/brief") ? "max-age=1" : "max-age=600"),
                      ("ETag", "\"e1\""), ("Surrogate-Key", "tag-a"), ("X-Origin", "yes")],
            body: "body of \(request.uri)")
        if request.uri.hasPrefix("/large") {
            response.body = Array(repeating: UInt8(ascii: "l"), count: 4096)
        }
        return response
    }

    static func shortcutHits(_ edge: EdgeHarness) -> Int { edge.server.counters["http2_shortcut_hits"] ?? -1 }

    static func withH2C(_ body: (EdgeHarness, TestOrigin, HTTP2TestClient) async throws -> Void) async throws {
        try await withEdge(origin: Self.origin, configure: { $0.h2cListen = [("127.0.0.1", 0)] }) { edge, origin in
            try await using(try await HTTP2TestClient.connect(port: edge.port(.h2c))) { try await body(edge, origin, $0) }
        }
    }

    /// Runs `body` with `client`, closing it whatever happens.
    static func using(_ client: HTTP2TestClient, _ body: (HTTP2TestClient) async throws -> Void) async throws {
        do {
            try await body(client)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    /// Fields in order, without Age and Cache-Status's ttl (their values depend on the second the hit falls in).
    static func comparable(_ response: HTTP2TestClient.Response) -> [String] {
        response.fields.compactMap { name, value in
            switch name {
            case "age": nil
            case "cache-status": "cache-status: " + (value.split(separator: ";").prefix(2).joined(separator: ";"))
            default: "\(name): \(value)"
            }
        }
    }

    /// A hit through the shortcut and the same hit through the full path (a Pragma without no-cache changes
    /// nothing in the response but sends the request down the full path) agree but for Age.
    static func expectSameAsFullPath(_ client: HTTP2TestClient, _ edge: EdgeHarness, path: String, authority: String = "test.example") async throws {
        let before = Self.shortcutHits(edge)
        let shortcut = try await client.request(path, authority: authority)
        #expect(Self.shortcutHits(edge) == before + 1)
        let full = try await client.request(path, authority: authority, fields: [("pragma", "x-test")])
        #expect(Self.shortcutHits(edge) == before + 1)
        #expect(shortcut.status == 200)
        #expect(shortcut.status == full.status)
        #expect(Self.comparable(shortcut) == Self.comparable(full))
        #expect(shortcut.field("age") != nil)
        #expect(shortcut.field("surrogate-key") == nil)
        #expect(shortcut.field("cache-status")?.hasPrefix("edge; hit; ttl=") == true)
        #expect(shortcut.body == full.body)
        #expect(shortcut.text == "body of \(path)")
    }

    @Test("a fresh hit over h2c is answered from its HEADERS frame with the status, fields and body the full path gives")
    func sameAsFullPath() async throws {
        try await Self.withH2C { edge, origin, client in
            let miss = try await client.request("/a")
            #expect(miss.field("cache-status")?.contains("stored") == true)
            try await Self.expectSameAsFullPath(client, edge, path: "/a")
            #expect(origin.requestCount == 1)
        }
    }

    @Test("a fresh hit over TLS with ALPN h2 is answered by the shortcut as well")
    func overTLS() async throws {
        let certificates = try TestCertificates()
        try await TLSListenerTests.withTLSEdge(certificates, origin: Self.origin) { edge, origin, _ in
            let client = try await HTTP2TestClient.connect(port: edge.port(.tls), tls: .init(caPath: certificates.caPath, serverName: "a.test"))
            try await Self.using(client) { client in
                _ = try await client.request("/t", authority: "a.test")
                try await Self.expectSameAsFullPath(client, edge, path: "/t", authority: "a.test")
            }
            #expect(origin.requestCount == 1)
        }
    }

    @Test("HEAD on a stored response gets GET's fields and no body from the shortcut")
    func head() async throws {
        try await Self.withH2C { edge, _, client in
            _ = try await client.request("/h")
            let get = try await client.request("/h")
            let before = Self.shortcutHits(edge)
            let head = try await client.request("/h", method: "HEAD")
            #expect(Self.shortcutHits(edge) == before + 1)
            #expect(Self.comparable(head) == Self.comparable(get))
            #expect(head.body.isEmpty)
        }
    }

    @Test("a miss, a conditional, a Range, a request with a body and a stale entry take the full path and get its answers")
    func everythingElseTakesTheFullPath() async throws {
        try await Self.withH2C { edge, origin, client in
            let before = Self.shortcutHits(edge)
            let miss = try await client.request("/f")
            #expect(miss.field("cache-status")?.contains("stored") == true)

            let conditional = try await client.request("/f", fields: [("if-none-match", "\"e1\"")])
            #expect(conditional.status == 304)
            #expect(conditional.body.isEmpty)

            let range = try await client.request("/f", fields: [("range", "bytes=0-3")])
            #expect(range.status == 206)
            #expect(range.text == "body")
            #expect(range.field("content-range") == "bytes 0-3/10")

            // DATA on a GET: HEADERS without END_STREAM, which only the full path reads to the end.
            let withBody = try await client.request("/f", body: Array("ignored".utf8))
            #expect(withBody.status == 200)
            #expect(withBody.text == "body of /f")
            #expect(withBody.field("cache-status")?.hasPrefix("edge; hit") == true)

            _ = try await client.request("/brief")
            try await Task.sleep(for: .milliseconds(2100))
            let stale = try await client.request("/brief")
            #expect(stale.text == "body of /brief")
            #expect(stale.field("cache-status")?.hasPrefix("edge; hit") != true, "\(stale.fields)")

            #expect(Self.shortcutHits(edge) == before)
            #expect(origin.requestCount == 3)
        }
    }

    @Test("many streams at once on one connection: hits from the shortcut, misses, conditionals and ranges from the full path, each its own answer")
    func concurrentStreams() async throws {
        try await Self.withH2C { edge, origin, client in
            _ = try await client.request("/hot")
            let before = Self.shortcutHits(edge)
            enum Kind: Sendable { case hit, miss(Int), conditional, range }
            let kinds: [Kind] = (0..<20).flatMap { index -> [Kind] in
                index < 10 ? [.hit, .miss(index), .conditional, .range] : [.hit, .miss(index)]
            }
            let answers = try await withThrowingTaskGroup(of: (Kind, HTTP2TestClient.Response).self) { group in
                for kind in kinds {
                    group.addTask {
                        switch kind {
                        case .hit: (kind, try await client.request("/hot"))
                        case .miss(let index): (kind, try await client.request("/cold-\(index)"))
                        case .conditional: (kind, try await client.request("/hot", fields: [("if-none-match", "\"e1\"")]))
                        case .range: (kind, try await client.request("/hot", fields: [("range", "bytes=5-6")]))
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 60)
            for (kind, response) in answers {
                switch kind {
                case .hit:
                    #expect(response.status == 200 && response.text == "body of /hot")
                case .miss(let index):
                    #expect(response.status == 200 && response.text == "body of /cold-\(index)")
                case .conditional:
                    #expect(response.status == 304 && response.body.isEmpty)
                case .range:
                    #expect(response.status == 206 && response.text == "of")
                }
            }
            #expect(Self.shortcutHits(edge) == before + 20)
            #expect(origin.requestCount == 21)
        }
    }

    @Test("a body larger than the client's stream window goes down the full path, which waits for WINDOW_UPDATE")
    func bodyBeyondTheWindow() async throws {
        try await withEdge(origin: Self.origin, configure: { $0.h2cListen = [("127.0.0.1", 0)] }) { edge, _ in
            let client = try await HTTP2TestClient.connect(port: edge.port(.h2c), initialWindowSize: 1024)
            try await Self.using(client) { client in
                _ = try await client.request("/large")
                _ = try await client.request("/small")
                let before = Self.shortcutHits(edge)
                let large = try await client.request("/large")
                #expect(large.status == 200)
                #expect(large.body == Array(repeating: UInt8(ascii: "l"), count: 4096))
                #expect(large.field("cache-status")?.hasPrefix("edge; hit") == true)
                #expect(Self.shortcutHits(edge) == before)
                // A body the window takes is still the shortcut's on the same connection.
                #expect(try await client.request("/small").text == "body of /small")
                #expect(Self.shortcutHits(edge) == before + 1)
            }
        }
    }

    @Test("the client's RST_STREAM and WINDOW_UPDATE for an answered stream leave the connection serving")
    func framesAfterTheAnswer() async throws {
        try await withEdge(origin: Self.origin, configure: { $0.h2cListen = [("127.0.0.1", 0)] }) { edge, _ in
            _ = try edge.get("/r")
            let before = Self.shortcutHits(edge)
            let port = edge.port(.h2c)
            let frames = try await onThread {
                let connection = try RawHTTP2Connection(port: port)
                try connection.send([
                    Frame(type: Frame.headers, flags: 0x5, stream: 1, payload: RawHTTP2Connection.requestHeaderBlock(path: "/r")),
                    Frame(type: Frame.windowUpdate, flags: 0, stream: 1, payload: [0, 0, 0x10, 0]),
                    Frame(type: Frame.rstStream, flags: 0, stream: 1, payload: [0, 0, 0, 8]),  // CANCEL
                    Frame(type: Frame.headers, flags: 0x5, stream: 3, payload: RawHTTP2Connection.requestHeaderBlock(path: "/r")),
                ])
                var seen: [Frame] = []
                while let frame = try connection.readFrame() {
                    seen.append(frame)
                    if frame.stream == 3, frame.type == Frame.data, frame.flags & 1 == 1 { break }
                }
                return seen
            }
            #expect(frames.contains { $0.stream == 3 && $0.type == Frame.data && $0.payload == Array("body of /r".utf8) })
            #expect(!frames.contains { $0.type == Frame.goAway }, "the connection stays up")
            #expect(Self.shortcutHits(edge) == before + 2)
        }
    }

    @Test("a rapid-reset burst on a stored URL gets GOAWAY ENHANCE_YOUR_CALM as on any other")
    func rapidResetOnHits() async throws {
        try await withEdge(origin: Self.origin, configure: { $0.h2cListen = [("127.0.0.1", 0)]; $0.http2.maxResets = 100 }) { edge, _ in
            _ = try edge.get("/rr")
            var frames: [Frame] = []
            for index in 0..<300 {
                let stream = UInt32(2 * index + 1)
                frames.append(Frame(type: Frame.headers, flags: 0x5, stream: stream, payload: RawHTTP2Connection.requestHeaderBlock(path: "/rr")))
                frames.append(Frame(type: Frame.rstStream, flags: 0, stream: stream, payload: [0, 0, 0, 8]))
            }
            let received = try await HTTP2AbuseTests.attack(edge, with: frames)
            #expect(received.contains { $0.type == Frame.goAway && $0.errorCode == 0xb }, "GOAWAY ENHANCE_YOUR_CALM")
            let after = try await TLSListenerTests.fetch(["--http2-prior-knowledge"], "http://127.0.0.1:\(edge.port(.h2c))/rr")
            #expect(after.body == Data("body of /rr".utf8))
        }
    }
}

extension HTTP2StoredHitShortcutTests {
    @Test("the loop's memo of HTTP/2 heads never answers with an earlier object's fields: a purged and refetched URL, and many objects, each get their own")
    func headMemoFollowsTheStoredObject() async throws {
        let version = Mutex(1)
        try await withAdminEdge(origin: { request in
            TestOrigin.Response(headers: [("Cache-Control", "max-age=600"), ("X-Version", "\(version.withLock { $0 })"), ("X-Path", request.uri)],
                                body: "v\(version.withLock { $0 }) of \(request.uri)")
        }, configure: { $0.h2cListen = [("127.0.0.1", 0)] }) { edge, _ in
            try await Self.using(try await HTTP2TestClient.connect(port: edge.port(.h2c))) { client in
                // More objects than the memo has slots, each stored, then each answered by the shortcut twice.
                let paths = (0..<(2 * HTTP2HeadMemo.slotCount)).map { "/object-\($0)" }
                for path in paths { _ = try await client.request(path) }
                let before = Self.shortcutHits(edge)
                for _ in 0..<2 {
                    for path in paths {
                        let hit = try await client.request(path)
                        #expect(hit.field("x-path") == path)
                        #expect(hit.text == "v1 of \(path)")
                    }
                }
                #expect(Self.shortcutHits(edge) == before + 2 * paths.count)

                // The same URL stored again with other fields: the hit carries the new ones.
                version.withLock { $0 = 2 }
                let purge = try edge.purge("{\"urls\": [\"http://test.example/object-0\"]}")
                #expect(purge.status == 200, "\(purge)")
                _ = try await client.request("/object-0")
                let hit = try await client.request("/object-0")
                #expect(Self.shortcutHits(edge) == before + 2 * paths.count + 1)
                #expect(hit.field("x-version") == "2")
                #expect(hit.text == "v2 of /object-0")
            }
        }
    }
}
