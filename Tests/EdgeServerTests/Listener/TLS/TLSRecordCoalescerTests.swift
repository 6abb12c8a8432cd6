import NIOCore
import NIOEmbedded
import Synchronization
import Testing
@testable import EdgeServer

/// The writes TLS is handed between two flushes: small ones gathered into one (one record), large
/// ones passed on as they are, order and promises kept.
@Suite("TLS record coalescer")
struct TLSRecordCoalescerTests {
    /// Notes what reaches it from the coalescer above it: writes (their bytes) and flushes and closes.
    final class Recorder: ChannelOutboundHandler {
        typealias OutboundIn = IOData
        enum Event: Equatable {
            case write([UInt8])
            case flush
            case close
            case event
        }
        var events: [Event] = []
        /// The address of the last write's first byte, to tell a passed-on buffer from a copy.
        var lastBase: UnsafeRawPointer?

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .byteBuffer(let bytes) = unwrapOutboundIn(data) {
                events.append(.write(Array(bytes.readableBytesView)))
                lastBase = bytes.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
            }
            context.write(data, promise: promise)
        }

        func flush(context: ChannelHandlerContext) {
            events.append(.flush)
            context.flush()
        }

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            events.append(.close)
            context.close(mode: mode, promise: promise)
        }

        func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
            events.append(.event)
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    /// Counts completions of promises, from their callbacks.
    final class Tally: Sendable {
        private let value = Mutex(0)
        func add() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    static func channel() throws -> (EmbeddedChannel, Recorder) {
        let recorder = Recorder()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(recorder)
        try channel.pipeline.syncOperations.addHandler(TLSRecordCoalescer())
        return (channel, recorder)
    }

    static func bytes(_ count: Int, _ value: UInt8) -> ByteBuffer {
        ByteBuffer(bytes: [UInt8](repeating: value, count: count))
    }

    @Test("small writes made before a flush go on as one write, in order, and all their promises complete with it")
    func gathersSmallWrites() throws {
        let (channel, recorder) = try Self.channel()
        let first = channel.eventLoop.makePromise(of: Void.self)
        let second = channel.eventLoop.makePromise(of: Void.self)
        channel.write(Self.bytes(40, 1), promise: first)
        channel.write(Self.bytes(9, 2), promise: nil)
        channel.write(Self.bytes(1024, 3), promise: second)
        #expect(recorder.events.isEmpty)
        let done = Tally()
        first.futureResult.whenSuccess { done.add() }
        second.futureResult.whenSuccess { done.add() }
        channel.flush()
        let expected = [UInt8](repeating: 1, count: 40) + [UInt8](repeating: 2, count: 9) + [UInt8](repeating: 3, count: 1024)
        #expect(recorder.events == [.write(expected), .flush])
        #expect(done.count == 2)
        let out = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(Array(out.readableBytesView) == expected)
        #expect(try channel.finish().isClean)
    }

    @Test("a lone write goes on as it came, without a copy")
    func loneWriteIsNotCopied() throws {
        let (channel, recorder) = try Self.channel()
        let body = Self.bytes(700, 7)
        let base = body.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
        channel.writeAndFlush(body, promise: nil)
        #expect(recorder.events == [.write([UInt8](repeating: 7, count: 700)), .flush])
        #expect(recorder.lastBase == base)
        _ = try channel.finish()
    }

    @Test("a write larger than a small one is passed on as it is, after what was gathered before it")
    func largeWritePassesThrough() throws {
        let (channel, recorder) = try Self.channel()
        let large = Self.bytes(TLSRecordCoalescer.smallWrite + 1, 9)
        let base = large.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
        channel.write(Self.bytes(100, 1), promise: nil)
        channel.write(Self.bytes(50, 2), promise: nil)
        channel.write(large, promise: nil)
        #expect(recorder.lastBase == base)
        channel.write(Self.bytes(10, 3), promise: nil)
        channel.flush()
        #expect(recorder.events == [
            .write([UInt8](repeating: 1, count: 100) + [UInt8](repeating: 2, count: 50)),
            .write([UInt8](repeating: 9, count: TLSRecordCoalescer.smallWrite + 1)),
            .write([UInt8](repeating: 3, count: 10)),
            .flush,
        ])
        _ = try channel.finish()
    }

    @Test("gathering stops at one record's worth: a write that would take it past 16 KiB starts the next")
    func stopsAtOneRecord() throws {
        let (channel, recorder) = try Self.channel()
        for value in 1...5 {
            channel.write(Self.bytes(4000, UInt8(value)), promise: nil)
        }
        channel.flush()
        let writes = recorder.events.compactMap { event -> [UInt8]? in
            if case .write(let bytes) = event { return bytes }
            return nil
        }
        #expect(writes.map(\.count) == [16000, 4000])
        #expect(writes.allSatisfy { $0.count <= TLSRecordCoalescer.recordSize })
        #expect(writes.joined().elementsEqual((1...5).flatMap { [UInt8](repeating: UInt8($0), count: 4000) }))
        #expect(recorder.events.last == .flush)
        _ = try channel.finish()
    }

    @Test("what was written before an outbound event goes on before the event")
    func outboundEventComesAfterGatheredWrites() throws {
        let (channel, recorder) = try Self.channel()
        channel.write(Self.bytes(10, 1), promise: nil)
        channel.write(Self.bytes(10, 2), promise: nil)
        channel.pipeline.triggerUserOutboundEvent("half-close", promise: nil)
        #expect(recorder.events == [.write([UInt8](repeating: 1, count: 10) + [UInt8](repeating: 2, count: 10)), .event])
        _ = try channel.finish()
    }

    @Test("what was written before a close goes on before the close, unflushed, as it would have without the coalescer")
    func closePassesGatheredWritesOn() throws {
        let (channel, recorder) = try Self.channel()
        channel.write(Self.bytes(10, 1), promise: nil)
        channel.write(Self.bytes(10, 2), promise: nil)
        _ = channel.close()
        #expect(recorder.events == [.write([UInt8](repeating: 1, count: 10) + [UInt8](repeating: 2, count: 10)), .close])
    }
}

/// The coalescer in a running node: what a client over TLS receives.
@Suite("TLS records on the wire")
struct TLSRecordsOnTheWireTests {
    @Test("a cached 1 KiB hit over TLS with HTTP/2 reaches the client as one TLS record, not one per frame and frame header")
    func oneRecordPerHTTP2Hit() async throws {
        let certificates = try TestCertificates()
        let body = String(repeating: "r", count: 1024)
        try await TLSListenerTests.withTLSEdge(certificates, origin: { _ in
            TestOrigin.Response(headers: [("cache-control", "max-age=60")], body: body)
        }) { edge, origin, _ in
            let records = TLSRecordCounter()
            let client = try await HTTP2TestClient.connect(
                port: edge.port(.tls), tls: .init(caPath: certificates.caPath, serverName: "a.test"), records: records)
            do {
                let miss = try await client.request("/one", authority: "a.test")
                #expect(miss.text == body)
                // Session tickets and SETTINGS are in by now; from here on, only the hits' records arrive.
                let before = records.applicationData
                for _ in 0..<5 {
                    let hit = try await client.request("/one", authority: "a.test")
                    #expect(hit.field("cache-status")?.contains("hit") == true)
                    #expect(hit.text == body)
                }
                // HEADERS, a DATA frame's header and its payload: three records each without the coalescer.
                #expect(records.applicationData - before == 5)
                #expect(origin.requestCount == 1)
            } catch {
                await client.close()
                throw error
            }
            await client.close()
        }
    }
}
