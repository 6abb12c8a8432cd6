import NIOCore
import Testing
@testable import EdgeServer

/// Client connections carry many requests (one after another, or pipelined), and origin connections
/// are pooled and reused instead of opened per request.
@Suite("Keep-alive and pipelining, end to end")
struct KeepAliveTests {
    private static let echoPath: TestOrigin.Handler = { request in
        .init(headers: [("Cache-Control", "no-store")], body: "path=\(request.uri)")
    }

    @Test("several requests in turn on one client connection are all answered")
    func sequentialRequests() async throws {
        try await withEdge(origin: Self.echoPath) { edge, origin in
            let connection = try edge.connect(timeoutSeconds: 5)
            for index in 0..<5 {
                try connection.send(EdgeHarness.request(path: "/r\(index)"))
                let response = try connection.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "path=/r\(index)")
                #expect(response.header("connection")?.lowercased() != "close")
            }
            #expect(origin.requestCount == 5)
        }
    }

    @Test("three pipelined requests in one write get three responses in order")
    func pipelinedRequestsInOrder() async throws {
        // The first answer is the slowest: responses must still come back in request order.
        let handler: TestOrigin.Handler = { request in
            let delay: TimeAmount = request.uri == "/p0" ? .milliseconds(300) : request.uri == "/p1" ? .milliseconds(100) : .zero
            return .init(headers: [("Cache-Control", "no-store")], body: "path=\(request.uri)", delay: delay)
        }
        try await withEdge(origin: handler) { edge, _ in
            let connection = try edge.connect(timeoutSeconds: 5)
            try connection.send((0..<3).map { EdgeHarness.request(path: "/p\($0)") }.joined())
            for index in 0..<3 {
                let response = try connection.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "path=/p\(index)")
            }
        }
    }

    @Test("after pipelined requests are answered no request is counted as active")
    func pipelinedRequestsAreAccountedFor() async throws {
        try await withEdge(origin: Self.echoPath) { edge, _ in
            let connection = try edge.connect(timeoutSeconds: 5)
            try connection.send((0..<3).map { EdgeHarness.request(path: "/a\($0)") }.joined())
            for _ in 0..<3 {
                _ = try connection.readResponse()
            }
            // The last response's bookkeeping may trail its bytes by a moment on the event loop.
            for _ in 0..<100 where edge.server.activeRequests != 0 {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            #expect(edge.server.activeRequests == 0)
        }
    }

    @Test("pipelined requests with bodies are each forwarded with their own body")
    func pipelinedRequestsWithBodies() async throws {
        try await withEdge(origin: Self.echoPath) { edge, origin in
            let connection = try edge.connect(timeoutSeconds: 5)
            let requests = (0..<3).map { EdgeHarness.request(method: "POST", path: "/b\($0)", body: "body-\($0)") }
            try connection.send(requests.joined())
            for index in 0..<3 {
                let response = try connection.readResponse()
                #expect(response.text == "path=/b\(index)")
            }
            #expect(origin.requests.map { String(decoding: $0.body, as: UTF8.self) } == ["body-0", "body-1", "body-2"])
        }
    }

    @Test("a request with Connection: close gets its response and then the connection closes")
    func connectionCloseHonoured() async throws {
        try await withEdge(origin: Self.echoPath) { edge, _ in
            let connection = try edge.connect(timeoutSeconds: 5)
            try connection.send(EdgeHarness.request(path: "/last", headers: [("Connection", "close")]))
            let response = try connection.readResponse()
            #expect(response.text == "path=/last")
            #expect(response.header("connection")?.lowercased() == "close")
            #expect(connection.isClosedByPeer())
        }
    }

    @Test("requests in turn on one client connection reuse one origin connection")
    func originConnectionReused() async throws {
        let origin = try await CountingOrigin()
        try await withEdge(originPort: origin.port) { edge in
            let connection = try edge.connect(timeoutSeconds: 5)
            for index in 0..<10 {
                try connection.send(EdgeHarness.request(path: "/k\(index)"))
                let response = try connection.readResponse()
                #expect(response.status == 200)
            }
        }
        #expect(origin.requests.count == 10)
        #expect(origin.connectionCount == 1)
        await origin.stop()
    }

    @Test("requests on separate client connections share pooled origin connections, at most one per event loop")
    func originConnectionsPooledAcrossClients() async throws {
        let origin = try await CountingOrigin()
        try await withEdge(originPort: origin.port, configure: { $0.eventLoops = 2 }) { edge in
            for index in 0..<8 {
                let response = try edge.get("/c\(index)")
                #expect(response.status == 200)
            }
        }
        #expect(origin.requests.count == 8)
        #expect(origin.connectionCount <= 2)
        await origin.stop()
    }

    @Test("an origin answering Connection: close is not reused, and the next request still succeeds")
    func originCloseNotReused() async throws {
        try await withEdge(origin: { _ in .init(headers: [("Connection", "close"), ("Cache-Control", "no-store")], body: "once") }) { edge, origin in
            let connection = try edge.connect(timeoutSeconds: 5)
            for _ in 0..<3 {
                try connection.send(EdgeHarness.request(path: "/once"))
                let response = try connection.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "once")
            }
            #expect(origin.requestCount == 3)
        }
    }
}
