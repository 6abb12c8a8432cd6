import EdgeCore
import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// HTTP/2 in the clear with prior knowledge (h2c), end to end with curl and a raw frame client.
@Suite("HTTP/2 listener")
struct HTTP2ListenerTests {
    static func withH2CEdge(
        origin handler: @escaping TestOrigin.Handler = { _ in TestOrigin.Response(headers: [("cache-control", "max-age=60")], body: "hello over h2") },
        configure: @escaping (inout EdgeServer.Configuration) -> Void = { _ in },
        _ body: (EdgeHarness, TestOrigin) async throws -> Void
    ) async throws {
        try await withEdge(origin: handler, configure: { configuration in
            configuration.h2cListen = [("127.0.0.1", 0)]
            configure(&configuration)
        }, body)
    }

    @Test("h2c requests are stored on a miss and answered from the cache on the next request")
    func cachesOverHTTP2() async throws {
        try await Self.withH2CEdge { edge, origin in
            let url = "http://127.0.0.1:\(edge.port(.h2c))/cached"
            let first = try await TLSListenerTests.fetch(["--http2-prior-knowledge"], url)
            let second = try await TLSListenerTests.fetch(["--http2-prior-knowledge"], url)
            #expect(first.version == "HTTP/2")
            #expect(first.headers["cache-status"]?.contains("stored") == true, "\(first.headers)")
            #expect(second.headers["cache-status"]?.hasPrefix("edge; hit") == true, "\(second.headers)")
            #expect(second.body == Data("hello over h2".utf8))
            #expect(second.headers["age"] != nil)
            #expect(origin.requests.count == 1)
        }
    }

    @Test("many streams on one connection are all answered, the misses coalesced into one origin fetch")
    func multiplexedStreams() async throws {
        try await Self.withH2CEdge(origin: { _ in
            TestOrigin.Response(headers: [("cache-control", "max-age=60")], body: "shared", delay: .milliseconds(200))
        }) { edge, origin in
            let url = "http://127.0.0.1:\(edge.port(.h2c))/together"
            // h2load keeps all 20 requests open at once as streams of one connection.
            let outcome = try await ExternalTool.run("h2load", ["-n", "20", "-c", "1", "-m", "20", url])
            #expect(outcome.exitCode == 0, "\(outcome)")
            #expect(outcome.stdoutText.contains("20 succeeded, 0 failed, 0 errored"), "\(outcome.stdoutText)")
            #expect(outcome.stdoutText.contains("20 2xx"), "\(outcome.stdoutText)")
            #expect(origin.requests.count == 1)
        }
    }

    @Test("a request body without Content-Length reaches the origin whole over HTTP/2")
    func uploadWithoutContentLength() async throws {
        try await Self.withH2CEdge(origin: { request in
            TestOrigin.Response(body: "got \(request.body.count) bytes, chunked=\(request.headers.first(name: "transfer-encoding") ?? "-")")
        }) { edge, origin in
            let payload = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            // curl uploads stdin (`-T -`) over HTTP/2 without Content-Length.
            let outcome = try await TLSListenerTests.curl(["--http2-prior-knowledge", "-T", "-", "http://127.0.0.1:\(edge.port(.h2c))/upload"], stdin: payload)
            #expect(outcome.stdoutText == "got 300000 bytes, chunked=chunked", "\(outcome)")
            #expect(origin.requests.first?.body == Array(payload))
        }
    }

    @Test("the edge advertises its stream, header and window limits in its first SETTINGS frame")
    func advertisesSettings() async throws {
        try await Self.withH2CEdge(configure: { configuration in
            configuration.http2.maxConcurrentStreams = 77
            configuration.http2.maxHeaderListSize = .kibibytes(32)
        }) { edge, _ in
            let port = edge.port(.h2c)
            let first = try await onThread {
                try RawHTTP2Connection(port: port).readFrame { $0.type == RawHTTP2Connection.Frame.settings && $0.flags & 1 == 0 }
            }
            let settings = try #require(first)
            let values = Dictionary(settings.settings, uniquingKeysWith: { $1 })
            #expect(values[0x3] == UInt32(77), "SETTINGS_MAX_CONCURRENT_STREAMS")
            #expect(values[0x6] == UInt32(32 * 1024), "SETTINGS_MAX_HEADER_LIST_SIZE")
            #expect(values[0x4] == UInt32(1024 * 1024), "SETTINGS_INITIAL_WINDOW_SIZE")
        }
    }

    @Test("draining sends GOAWAY on an idle HTTP/2 connection and closes it")
    func drainSendsGoAway() async throws {
        let origin = try await TestOrigin()
        let edge = try await EdgeHarness(origins: [origin]) { $0.h2cListen = [("127.0.0.1", 0)] }
        let port = edge.port(.h2c)
        let answered = AsyncStream<Void>.makeStream()
        async let frames = onThread {
            defer { answered.continuation.finish() }
            let connection = try RawHTTP2Connection(port: port)
            try connection.send(RawHTTP2Connection.Frame(type: RawHTTP2Connection.Frame.headers, flags: 0x5, stream: 1,
                                                         payload: RawHTTP2Connection.requestHeaderBlock(path: "/one")))
            // The first response arrives, so the connection is established and idle again.
            _ = try connection.readFrame { $0.type == RawHTTP2Connection.Frame.data && $0.flags & 1 == 1 }
            answered.continuation.finish()
            return try connection.readUntilClosed()
        }
        for await _ in answered.stream {}
        await edge.stop()
        await origin.stop()
        #expect(try await frames.contains { $0.type == RawHTTP2Connection.Frame.goAway && $0.errorCode == 0 }, "a graceful GOAWAY (NO_ERROR)")
    }
}
