import Synchronization
import Foundation
import NIOCore
import Testing
@testable import EdgeServer
#if canImport(Glibc)
import Glibc
#endif

/// Bugs found in a review of the request path, each pinned by a test of the correct behaviour; they
/// failed on the reviewed code and keep the fixes from regressing.
@Suite("Review findings on the request path, kept as regression tests", .serialized)
struct ReviewFindingsTests {

    // MARK: Finding 1 — origin reads stop when a read yields no complete HTTP part

    @Test("finding 1: an origin response head that arrives in two TCP segments is still read")
    func splitOriginHeadIsRead() async throws {
        let origin = try PacedOrigin(pieces: [
            (0, "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nCon"),
            (200, "tent-Length: 5\r\n\r\nhello"),
        ])
        defer { origin.stop() }
        try await withEdge(originPort: origin.port, upstream: .short(firstByte: .seconds(2), idle: .seconds(2))) { edge in
            let response = try await onThread { () -> RawHTTPConnection.Response in
                let connection = try RawHTTPConnection(port: edge.port, timeoutSeconds: 6)
                try connection.send(EdgeHarness.request(path: "/split-head"))
                return try connection.readResponse()
            }
            // On the reviewed code: 504 after the first-byte timeout, although the origin answered in 200 ms.
            #expect(response.status == 200, "got \(response)")
            #expect(response.text == "hello")
        }
    }

    @Test("finding 1: a chunked origin body whose chunk-size line arrives alone is read to its end")
    func splitChunkIsRead() async throws {
        let origin = try PacedOrigin(pieces: [
            (0, "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
            (200, "5\r\n"),
            (200, "world\r\n0\r\n\r\n"),
        ])
        defer { origin.stop() }
        try await withEdge(originPort: origin.port, upstream: .short(firstByte: .seconds(2), idle: .seconds(2))) { edge in
            let body = try await onThread { () -> StreamingHTTPClient.BodyCount in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 6)
                try client.send(EdgeHarness.request(path: "/split-chunk"))
                let head = try client.readHead()
                return try client.countBody(for: head)
            }
            // On the reviewed code: the origin read stalls after "5\r\n", the idle timeout cuts the response.
            #expect(body.complete)
            #expect(body.bytes == 10)
        }
    }

    // MARK: Finding 2 — a slow leader client holds every coalesced follower hostage

    @Test("finding 2: a follower is answered promptly while the leader's client does not read its large response", .memoryHeavy)
    func followerNotHeldBySlowLeaderClient() async throws {
        let size = 64 << 20
        let handler: TestOrigin.Handler = { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=60")])
            response.generatedLength = size
            return response
        }
        try await withEdge(origin: handler, configure: {
            $0.maxObjectBytes = 96 << 20
            $0.cacheBytes = 256 << 20
        }) { edge, _ in
            let port = edge.port
            let (status, seconds) = try await onThread { () -> (Int, Double) in
                // The leader asks and then reads nothing after the head.
                let leader = try StreamingHTTPClient(port: port, timeoutSeconds: 30)
                try leader.send(EdgeHarness.request(path: "/big"))
                _ = try leader.readHead()
                usleep(300_000)
                let started = Date()
                let follower = try StreamingHTTPClient(port: port, timeoutSeconds: 8)
                try follower.send(EdgeHarness.request(path: "/big"))
                let status = (try? follower.readHead().status) ?? -1
                let seconds = Date().timeIntervalSince(started)
                withExtendedLifetime(leader) {}
                return (status, seconds)
            }
            // On the reviewed code the follower waits connect + first-byte timeout (33 s) for the stalled leader.
            #expect(status == 200, "follower got no response head within 8 s")
            #expect(seconds < 5)
        }
    }

    // MARK: Finding 5 — a fetch that keeps storing after its client's response ended is never resumed

    @Test("finding 5: a response still being stored after a HEAD was answered is stored even if the next response stalls the client", .memoryHeavy)
    func storingAfterHeadSurvivesClientBackpressure() async throws {
        let size = 64 << 20
        let handler: TestOrigin.Handler = { request in
            var response = TestOrigin.Response(headers: [("Cache-Control", request.uri == "/big" ? "max-age=60" : "no-store")])
            response.generatedLength = size
            return response
        }
        try await withEdge(origin: handler, configure: {
            $0.maxObjectBytes = 96 << 20
            $0.cacheBytes = 256 << 20
            $0.sites[0].upstream.idleTimeout = .seconds(2)
        }) { edge, origin in
            let port = edge.port
            let (headStatus, otherBytes) = try await onThread { () -> (Int, Int) in
                let client = try StreamingHTTPClient(port: port, timeoutSeconds: 20)
                // HEAD /big is answered at the origin's head; its body goes on into the cache. The pipelined
                // GET /other then fills the client's socket, which this client leaves unread for a while.
                try client.send(EdgeHarness.request(method: "HEAD", path: "/big") + EdgeHarness.request(path: "/other"))
                let head = try client.readHead()
                _ = try client.countBody(for: head, requestMethod: "HEAD")
                // Shorter than the origin idle timeout, so that /other itself survives the pause (see finding 3).
                usleep(1_000_000)
                let other = try client.readHead()
                let bytes = try client.countBody(for: other).bytes
                // A healthy /big fetch finished long ago; a stalled one is killed by its idle timeout meanwhile.
                usleep(2_500_000)
                return (head.status, bytes)
            }
            #expect(headStatus == 200)
            #expect(otherBytes == size)
            let again = try await onThread { () -> String in
                let client = try StreamingHTTPClient(port: port, timeoutSeconds: 20)
                try client.send(EdgeHarness.request(method: "HEAD", path: "/big"))
                return try client.readHead().header("cache-status") ?? ""
            }
            // On the reviewed code the /big fetch is paced by a client writability it is never told about
            // again (only `current.fetch` is resumed): it stalls, the origin idle timeout kills it, nothing is stored.
            #expect(again.contains("hit"), "cache-status \(again); origin saw \(origin.requests.map(\.uri))")
        }
    }

    // MARK: Finding 3 — client backpressure is counted as origin idleness

    @Test("finding 3: a client that pauses reading longer than the origin idle timeout still gets the whole body", .memoryHeavy)
    func slowClientIsNotCutAsOriginIdle() async throws {
        let size = 64 << 20
        let handler: TestOrigin.Handler = { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "no-store")])
            response.generatedLength = size
            return response
        }
        try await withEdge(origin: handler, configure: { $0.sites[0].upstream.idleTimeout = .seconds(1) }) { edge, _ in
            let body = try await onThread { () -> StreamingHTTPClient.BodyCount in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 20)
                try client.send(EdgeHarness.request(path: "/download"))
                let head = try client.readHead()
                usleep(2_500_000)
                return try client.countBody(for: head)
            }
            // On the reviewed code the edge stops reading the origin (correct backpressure), the origin idle
            // timer keeps running, fires as `idleTimeout` ("origin stalled") and the download is cut.
            #expect(body.complete, "got \(body.bytes) of \(size) bytes")
        }
    }

    // MARK: Finding 4 — the edge answers a POST with 304

    @Test("finding 4: a POST whose If-None-Match matches the origin's ETag gets the origin's 200, never a 304")
    func postIsNotAnsweredNotModified() async throws {
        let handler: TestOrigin.Handler = { _ in
            TestOrigin.Response(headers: [("ETag", "\"v1\""), ("Cache-Control", "no-store")], body: "created")
        }
        try await withEdge(origin: handler) { edge, origin in
            let response = try await onThread {
                let connection = try edge.connect()
                try connection.send(EdgeHarness.request(method: "POST", path: "/orders", headers: [("If-None-Match", "\"v1\"")], body: "item=1"))
                return try connection.readResponse()
            }
            #expect(origin.requestCount == 1)
            // The origin performed the POST and said 200: a 304 tells the client nothing happened.
            #expect(response.status == 200, "got \(response)")
            #expect(response.text == "created")
        }
    }

    // MARK: Finding 6 — an unfinished request body after an early error keeps the connection forever

    @Test("finding 6: a client that stops sending the body of a misdirected request is disconnected by the idle timeout")
    func misdirectedUploadStallIsCutOff() async throws {
        try await withEdge(configure: { configuration in
            configuration.sites[0].hosts = ["known.example"]
            configuration.settings.timeouts.clientHeader = .milliseconds(300)
            configuration.settings.timeouts.clientIdle = .milliseconds(300)
        }) { edge, _ in
            let (status, closed) = try await onThread { () -> (Int, Bool) in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 4)
                try client.send("POST /upload HTTP/1.1\r\nHost: other.example\r\nContent-Length: 100000\r\n\r\n0123456789")
                let head = try client.readHead()
                _ = try client.readSmallBody(for: head)
                return (head.status, client.waitForClose())
            }
            #expect(status == 421)
            // On the reviewed code nothing times out: the request never ends, so no timer is armed.
            #expect(closed, "connection still open 4 s after the client stalled")
            for _ in 0..<50 where edge.server.activeRequests != 0 {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            #expect(edge.server.activeRequests == 0)
        }
    }

    // MARK: Finding 8 — uncacheable URLs are serialized by coalescing

    @Test("finding 8: once a URL is known uncacheable, concurrent requests for it go to the origin side by side")
    func uncacheableRequestsAreNotSerialized() async throws {
        let arrivals = Mutex<[Date]>([])
        let handler: TestOrigin.Handler = { _ in
            arrivals.withLock { $0.append(Date()) }
            return TestOrigin.Response(headers: [("Cache-Control", "private")], body: "personal", delay: .seconds(1))
        }
        try await withEdge(origin: handler) { edge, origin in
            let port = edge.port
            // The first response teaches the edge that /me is not storable.
            _ = try await onThread { try edge.get("/me") }
            async let first = onThread { () -> Int in
                let connection = try RawHTTPConnection(port: port, timeoutSeconds: 5)
                try connection.send(EdgeHarness.request(path: "/me"))
                return try connection.readResponse().status
            }
            try await Task.sleep(nanoseconds: 50_000_000)
            let second = try await onThread { () -> Int in
                let connection = try RawHTTPConnection(port: port, timeoutSeconds: 5)
                try connection.send(EdgeHarness.request(path: "/me"))
                return try connection.readResponse().status
            }
            #expect(try await first == 200)
            #expect(second == 200)
            #expect(origin.requestCount == 3)
            // Coalesced, the second request would reach the origin only after the first one's 1 s answer.
            let times = arrivals.withLock { $0 }
            if times.count == 3 {
                #expect(times[2].timeIntervalSince(times[1]) < 0.9, "the second request waited for the first")
            }
        }
    }

    // MARK: Finding 9 — "stored" is claimed for a response the cache refused

    @Test("finding 9: a response reported as stored is served from the cache next time")
    func storedMeansStored() async throws {
        let body = String(repeating: "b", count: 99_950)
        let handler: TestOrigin.Handler = { _ in
            TestOrigin.Response(headers: [("Cache-Control", "max-age=60")], body: body)
        }
        try await withEdge(origin: handler, configure: { $0.maxObjectBytes = 100_000 }) { edge, origin in
            let first = try await onThread { try edge.get("/almost-max") }
            let second = try await onThread { try edge.get("/almost-max") }
            let claimedStored = first.header("cache-status")?.contains("stored") == true
            // Body fits under maxObjectBytes, body + headers + overhead does not: insert fails, the header lies,
            // and coalesced followers told `.stored` all go to the origin.
            #expect(!claimedStored || origin.requestCount == 1,
                    "first: \(first.header("cache-status") ?? "-"), second: \(second.header("cache-status") ?? "-"), origin requests: \(origin.requestCount)")
        }
    }

    // MARK: Finding 10 — 100 Continue sent to an HTTP/1.0 client

    @Test("finding 10: an HTTP/1.0 client sending Expect: 100-continue gets no 1xx response (RFC 9110 §15.2)")
    func noContinueForHTTP10() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "no-store")], body: "ok") }) { edge, _ in
            let status = try await onThread { () -> Int in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try client.send("POST /form HTTP/1.0\r\nHost: test.example\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                usleep(200_000)
                try client.send("hello")
                return try client.readHead().status
            }
            #expect(status == 200, "first response head was \(status)")
        }
    }

    // MARK: Finding 11 — HTTP/1.0 keep-alive never confirmed

    @Test("finding 11: an HTTP/1.0 keep-alive request gets Connection: keep-alive and the connection stays usable")
    func http10KeepAliveIsConfirmed() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Cache-Control", "no-store")], body: "ok") }) { edge, _ in
            let (first, second) = try await onThread { () -> (RawHTTPConnection.Response, RawHTTPConnection.Response) in
                let connection = try edge.connect(timeoutSeconds: 5)
                let request = "GET /a HTTP/1.0\r\nHost: test.example\r\nConnection: keep-alive\r\n\r\n"
                try connection.send(request)
                let first = try connection.readResponse()
                try connection.send(request)
                return (first, try connection.readResponse())
            }
            #expect(second.status == 200)
            // Without it an HTTP/1.0 client must assume the connection closes after the response (RFC 9112 §C.2.2).
            #expect(first.header("connection")?.lowercased() == "keep-alive", "response headers: \(first.headers)")
        }
    }
}

/// A loopback origin speaking raw bytes on a thread of its own: after each request head it sends
/// `pieces` in order, each after its delay in milliseconds, as separate TCP segments.
private final class PacedOrigin: Sendable {
    let port: Int
    private let listener: Int32

    init(pieces: [(Int, String)]) throws {
        let (fd, boundPort) = try LoopbackSocket.bindAnyPort()
        guard listen(fd, 16) == 0 else {
            close(fd)
            throw RawHTTPConnection.Failure(description: "listen() failed")
        }
        listener = fd
        port = boundPort
        let script = pieces
        Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                var one: Int32 = 1
                setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                Thread {
                    defer { close(client) }
                    var received: [UInt8] = []
                    var chunk = [UInt8](repeating: 0, count: 4096)
                    while true {
                        let n = recv(client, &chunk, chunk.count, 0)
                        if n <= 0 { return }
                        received += chunk[0..<n]
                        guard let end = Self.headEnd(received) else { continue }
                        received.removeFirst(end + 4)
                        for (delay, text) in script {
                            if delay > 0 { usleep(UInt32(delay) * 1000) }
                            let bytes = Array(text.utf8)
                            _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                        }
                    }
                }.start()
            }
        }.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}

/// Controls for the findings above: the same setups without the triggering step, which pass on the
/// reviewed code and so show that the failing tests fail for the reason they name.
@Suite("Review findings, controls", .serialized)
struct ReviewFindingsControlTests {
    @Test("control for finding 5: a response still being stored after a HEAD was answered is stored when nothing else is sent", .memoryHeavy)
    func storingAfterHeadIsStored() async throws {
        let size = 64 << 20
        let handler: TestOrigin.Handler = { _ in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=60")])
            response.generatedLength = size
            return response
        }
        try await withEdge(origin: handler, configure: {
            $0.maxObjectBytes = 96 << 20
            $0.cacheBytes = 256 << 20
            $0.sites[0].upstream.idleTimeout = .seconds(2)
        }) { edge, _ in
            let port = edge.port
            let again = try await onThread { () -> String in
                let client = try StreamingHTTPClient(port: port, timeoutSeconds: 20)
                try client.send(EdgeHarness.request(method: "HEAD", path: "/big"))
                _ = try client.readHead()
                usleep(3_500_000)
                try client.send(EdgeHarness.request(method: "HEAD", path: "/big"))
                return try client.readHead().header("cache-status") ?? ""
            }
            #expect(again.contains("hit"), "cache-status \(again)")
        }
    }
}
