import NIOCore
import Testing
@testable import EdgeServer

/// When an origin refuses, stalls or dies, the client gets a short error response when nothing has
/// been sent yet, and a cut connection (never a hang, never a response that looks complete) otherwise.
@Suite("Origin failures, end to end")
struct OriginFailureTests {
    @Test("an origin port with nothing listening gives 502 with a short body")
    func closedPortGives502() async throws {
        // Held bound for the whole test, so that no other test's origin can be given this port.
        let refusing = try RefusingPort()
        try await withEdge(originPort: refusing.port, upstream: .short()) { edge in
            let response = try await onThread { try edge.get("/down") }
            #expect(response.status == 502)
            #expect(response.body.count > 0)
            #expect(response.body.count < 512)
            #expect(response.header("cache-status") != nil)
            #expect(response.header("cache-control") == "no-store")
        }
        withExtendedLifetime(refusing) {}
    }

    @Test("the connection stays usable after a 502")
    func connectionUsableAfter502() async throws {
        // Held bound for the whole test, so that no other test's origin can be given this port.
        let refusing = try RefusingPort()
        try await withEdge(originPort: refusing.port, upstream: .short()) { edge in
            let statuses = try await onThread { () -> [Int] in
                let connection = try edge.connect(timeoutSeconds: 5)
                var statuses: [Int] = []
                for _ in 0..<2 {
                    try connection.send(EdgeHarness.request(path: "/down"))
                    statuses.append(try connection.readResponse().status)
                }
                return statuses
            }
            #expect(statuses == [502, 502])
        }
        withExtendedLifetime(refusing) {}
    }

    @Test("an origin that accepts but never answers gives 504 after the first-byte timeout")
    func silentOriginGives504() async throws {
        let origin = try await ScriptedOrigin(.silent)
        try await withEdge(originPort: origin.port, upstream: .short(firstByte: .milliseconds(300))) { edge in
            let response = try await onThread { try edge.get("/stall") }
            #expect(response.status == 504)
            #expect(response.body.count < 512)
        }
        #expect(origin.connectionCount >= 1)
        await origin.stop()
    }

    @Test("a reused origin connection that goes quiet gives 504 after the first-byte timeout, not the longer idle timeout of the exchange before")
    func quietReusedConnectionGives504OnTime() async throws {
        // The first exchange outlasts the first-byte timeout with its body in two parts, so that the
        // connection's one deadline check is left waiting for the 10 s idle timeout when it ends.
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 20\r\nCache-Control: no-store\r\n\r\n"
        let origin = try await ScriptedOrigin(.answerFirstSlowly(
            first: ScriptedOrigin.text(head + "0123456789"), rest: ScriptedOrigin.text("abcdefghij"), pause: .milliseconds(600)))
        try await withEdge(originPort: origin.port, upstream: .short(firstByte: .milliseconds(300), idle: .seconds(10))) { edge in
            let (first, second, waited) = try await onThread {
                let connection = try edge.connect(timeoutSeconds: 20)
                try connection.send(EdgeHarness.request(path: "/slow"))
                let first = try connection.readResponse()
                let start = ContinuousClock.now
                try connection.send(EdgeHarness.request(path: "/quiet"))
                let second = try connection.readResponse()
                return (first, second, ContinuousClock.now - start)
            }
            #expect(first.status == 200)
            #expect(String(decoding: first.body, as: UTF8.self) == "0123456789abcdefghij")
            #expect(second.status == 504)
            // The first-byte timeout is 0.3 s; 10 s would be the idle deadline's check left from before.
            #expect(waited < .seconds(5), "\(waited)")
        }
        #expect(origin.connectionCount == 1)
        await origin.stop()
    }

    @Test("an origin that stalls in the middle of its body gets the client connection cut after the idle timeout")
    func stallMidBodyCutsClient() async throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nCache-Control: no-store\r\n\r\n"
        let origin = try await ScriptedOrigin(.respond(ScriptedOrigin.text(head) + [UInt8](repeating: 65, count: 1000), close: false))
        try await withEdge(originPort: origin.port, upstream: .short(idle: .milliseconds(300))) { edge in
            let (status, body) = try await onThread {
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try client.send(EdgeHarness.request(path: "/stall-mid"))
                let head = try client.readHead()
                return (head.status, try client.countBody(for: head))
            }
            #expect(status == 200)
            #expect(!body.complete)
            #expect(body.bytes == 1000)
        }
        await origin.stop()
    }

    @Test("an origin that dies in the middle of a Content-Length body gets the client connection closed, not hung")
    func deathMidBodyClosesClient() async throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nCache-Control: no-store\r\n\r\n"
        let origin = try await ScriptedOrigin(.respond(ScriptedOrigin.text(head) + [UInt8](repeating: 65, count: 1000), close: true))
        try await withEdge(originPort: origin.port, upstream: .short()) { edge in
            let (status, body) = try await onThread {
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try client.send(EdgeHarness.request(path: "/die"))
                let head = try client.readHead()
                return (head.status, try client.countBody(for: head))
            }
            #expect(status == 200)
            #expect(!body.complete)
            #expect(body.bytes == 1000)
        }
        await origin.stop()
    }

    @Test("an origin that dies in the middle of a chunked body never gets a terminating chunk sent for it")
    func deathMidChunkedBodyIsNotCompleted() async throws {
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nCache-Control: no-store\r\n\r\n"
        let origin = try await ScriptedOrigin(.respond(ScriptedOrigin.text(head + "400\r\n" + String(repeating: "B", count: 1024) + "\r\n200\r\nBB"), close: true))
        try await withEdge(originPort: origin.port, upstream: .short()) { edge in
            let (status, body) = try await onThread {
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try client.send(EdgeHarness.request(path: "/die-chunked"))
                let head = try client.readHead()
                return (head.status, try client.countBody(for: head))
            }
            #expect(status == 200)
            #expect(!body.complete)
            #expect(body.bytes >= 1024)
        }
        await origin.stop()
    }

    @Test("an origin that closes without answering gives 502")
    func closeWithoutAnswerGives502() async throws {
        let origin = try await ScriptedOrigin(.respond([], close: true))
        try await withEdge(originPort: origin.port, upstream: .short()) { edge in
            let response = try await onThread { try edge.get("/hangup") }
            #expect(response.status == 502)
        }
        await origin.stop()
    }

    @Test("an origin that sends garbage instead of a status line gives 502")
    func garbageGives502() async throws {
        let origin = try await ScriptedOrigin(.respond(ScriptedOrigin.text("SMTP ready\r\n\r\n"), close: false))
        try await withEdge(originPort: origin.port, upstream: .short()) { edge in
            let response = try await onThread { try edge.get("/garbage") }
            #expect(response.status == 502)
        }
        await origin.stop()
    }

    @Test("an origin response with both Content-Length and Transfer-Encoding is not passed on ambiguously")
    func ambiguousOriginFraming() async throws {
        let raw = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nCache-Control: no-store\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        let origin = try await ScriptedOrigin(.respond(ScriptedOrigin.text(raw), close: false))
        try await withEdge(originPort: origin.port, upstream: .short()) { edge in
            let head = try await onThread { () -> StreamingHTTPClient.Head in
                let client = try StreamingHTTPClient(port: edge.port, timeoutSeconds: 5)
                try client.send(EdgeHarness.request(path: "/ambiguous"))
                return try client.readHead()
            }
            if head.status == 200 {
                // Forwarded: then with exactly one framing.
                #expect(head.headers("content-length").isEmpty || head.headers("transfer-encoding").isEmpty)
            } else {
                #expect(head.status == 502)
            }
        }
        await origin.stop()
    }
}
