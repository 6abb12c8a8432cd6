import EdgeCore
import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// What live traffic may and may not say about an origin server (issue: one origin's errors must
/// never take the whole site down).
@Suite("Passive health checks count only evidence about the server", .serialized)
struct PassiveHealthEndToEndTests {
    /// An edge in front of `origins` in one pool of default settings, changed by `configure`;
    /// `state(i)` is the health of origin `i`.
    func withFaultyPool(
        _ origins: [FaultyOrigin], configure: (inout PoolResilience) -> Void = { _ in },
        _ body: (EdgeHarness, @escaping (Int) -> String?) async throws -> Void
    ) async throws {
        var resilience = PoolResilience()
        configure(&resilience)
        let ports = origins.map(\.port)
        try await withEdge(faulty: origins, resilience: resilience) { edge in
            try await body(edge) { edge.state(ofServerOn: ports[$0]) }
        }
    }

    static let failsOnBad: FaultyOrigin.Decide = { _, target in
        target.hasPrefix("/bad") ? .answer(status: 503, body: "broken page") : .answer(status: 200, body: "fine")
    }

    @Test("an origin answering 503 for some URLs keeps serving every other URL through the node, with default settings")
    func fiveHundredsForSomeURLs() async throws {
        let origin = try await FaultyOrigin(Self.failsOnBad)
        try await withFaultyPool([origin]) { edge, state in
            for index in 0..<10 {
                let bad = try edge.get("/bad\(index)")
                #expect(bad.status == 503)
                #expect(bad.text == "broken page")
            }
            let good = try edge.get("/good1")
            #expect(good.status == 200)
            #expect(good.text == "fine")
            #expect(state(0) == "up")
        }
    }

    @Test("in a pool of two, 5xx answers take neither server down unless fail_status lists them")
    func fiveHundredsInAPool() async throws {
        let origins = [try await FaultyOrigin(Self.failsOnBad), try await FaultyOrigin(Self.failsOnBad)]
        try await withFaultyPool(origins) { edge, state in
            for index in 0..<12 {
                let response = try edge.get("/bad\(index)")
                #expect(response.status == 503)
            }
            #expect(state(0) == "up")
            #expect(state(1) == "up")
            let good = try edge.get("/good")
            #expect(good.status == 200)
        }
    }

    @Test("a status listed in fail_status counts against the server, and the other server takes the traffic")
    func listedStatus() async throws {
        let broken = try await FaultyOrigin { _, _ in .answer(status: 503, body: "down for maintenance") }
        let healthy = try await FaultyOrigin { _, _ in .answer(status: 200, body: "fine") }
        try await withFaultyPool([broken, healthy], configure: { resilience in
            resilience.failStatus = [502, 503, 504]
            resilience.failTimeout = .seconds(60)
        }) { edge, state in
            for index in 0..<10 {
                // The 503 is retried on the other server, so every client gets the good answer.
                let response = try edge.get("/p\(index)")
                #expect(response.text == "fine")
            }
            #expect(state(0) == "down")
            #expect(state(1) == "up")
        }
    }

    @Test("servers that reset some connections never empty the pool: it panics and keeps serving the rest")
    func panicMode() async throws {
        let resetsSome: FaultyOrigin.Decide = { _, target in
            target.hasPrefix("/reset") ? .closeWithoutAnswer : .answer(status: 200, body: "fine")
        }
        let origins = [try await FaultyOrigin(resetsSome), try await FaultyOrigin(resetsSome)]
        try await withFaultyPool(origins, configure: { $0.failTimeout = .seconds(60) }) { edge, state in
            for index in 0..<8 {
                let response = try edge.get("/reset\(index)")
                #expect(response.status == 502)
            }
            #expect(state(0) == "down")
            #expect(state(1) == "down")
            #expect(edge.server.poolHealth().first?.panic == true)
            #expect(edge.server.metrics.render().contains("edge_pool_panic{pool=\"default\"} 1"))
            // No fast 503: requests still go to the servers, and a good answer brings one back.
            let good = try edge.get("/good")
            #expect(good.status == 200)
            #expect(good.text == "fine")
            #expect(state(0) == "up" || state(1) == "up")
            #expect(edge.server.poolHealth().first?.panic == false)
            #expect(edge.server.metrics.render().contains("edge_pool_panic{pool=\"default\"} 0"))
        }
    }

    @Test("a pool of one server is never taken down by passive checks")
    func poolOfOne() async throws {
        let origin = try await FaultyOrigin { _, target in
            target.hasPrefix("/reset") ? .closeWithoutAnswer : .answer(status: 200, body: "fine")
        }
        try await withFaultyPool([origin]) { edge, state in
            for index in 0..<6 {
                let response = try edge.get("/reset\(index)")
                #expect(response.status == 502)
            }
            #expect(state(0) == "up")
            let good = try edge.get("/good")
            #expect(good.text == "fine")
        }
    }

    @Test("uploads the origin refuses by closing after 64 KiB get a 502 and never take a server down")
    func refusedUploads() async throws {
        let refusesUploads: FaultyOrigin.Decide = { method, _ in
            method == "POST" ? .closeAfterBody(bytes: 64 * 1024) : .answer(status: 200, body: "fine")
        }
        let origins = [try await FaultyOrigin(refusesUploads), try await FaultyOrigin(refusesUploads)]
        try await withFaultyPool(origins, configure: { $0.maxFails = 1 }) { edge, state in
            let upload = String(repeating: "u", count: 256 * 1024)
            for index in 0..<5 {
                let connection = try edge.connect()
                try connection.send(EdgeHarness.request(method: "POST", path: "/upload/\(index)", body: upload))
                let response = try connection.readResponse()
                #expect(response.status == 502)
            }
            #expect(state(0) == "up")
            #expect(state(1) == "up")
            let good = try edge.get("/good")
            #expect(good.text == "fine")
        }
    }

    @Test("clients that disconnect in the middle of an upload never count against a server")
    func clientGoneMidUpload() async throws {
        let origins = [try await FaultyOrigin(Self.failsOnBad), try await FaultyOrigin(Self.failsOnBad)]
        try await withFaultyPool(origins, configure: { $0.maxFails = 1 }) { edge, state in
            for index in 0..<5 {
                let connection = try edge.connect()
                try connection.send("POST /upload/\(index) HTTP/1.1\r\nHost: test.example\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "u", count: 1000))
                try await Task.sleep(for: .milliseconds(50))
                withExtendedLifetime(connection) {}  // closed here, mid-upload
            }
            try await Task.sleep(for: .milliseconds(200))
            #expect(state(0) == "up")
            #expect(state(1) == "up")
            let good = try edge.get("/good")
            #expect(good.text == "fine")
        }
    }

    @Test("edge serve --origin with nothing else: three 503s for one URL leave the others served")
    func defaultsAsANewUserRunsThem() async throws {
        let origin = try await FaultyOrigin(Self.failsOnBad)
        defer { Task { await origin.stop() } }
        let edge = try await EdgeServeProcess.start { port in
            ["serve", "--listen", "127.0.0.1:\(port)", "--origin", "http://127.0.0.1:\(origin.port)"]
        }
        defer { edge.process.send(SIGKILL) }
        for index in 1...3 {
            let response = try await edge.get("/bad\(index)")
            #expect(response.status == 503)
        }
        let good = try await edge.get("/good1")
        #expect(good.status == 200)
        #expect(good.text == "fine")
    }
}
