import EdgeCore
import EdgeSettings
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL
import NIOTLS

/// What a traffic listener speaks.
enum ListenerKind: Sendable, CustomStringConvertible {
    /// HTTP/1.x in the clear.
    case http1
    /// HTTP/2 in the clear with prior knowledge (RFC 9113 §3.3).
    case h2c
    /// TLS, then HTTP/2 or HTTP/1.1 by ALPN.
    case tls

    var description: String {
        switch self {
        case .http1: "http"
        case .h2c: "h2c"
        case .tls: "https"
        }
    }
}

/// Builds a new client connection's pipeline for its listener's protocol. Every protocol ends in
/// the same `ProxyHandler`, one per HTTP/1.x connection or per HTTP/2 stream, with a stored-hit
/// shortcut in front of it for each protocol.
struct TrafficPipeline: Sendable {
    let drain: DrainSignal
    let http2: HTTP2Config
    let tls: TLSTermination?
    /// The node's admission limits; nil when none are set.
    let admission: AdmissionGate.Shared?
    /// Whether plain HTTP/1.1 connections may send bodies from disk record files (`sendfile`): not
    /// on a channel without a socket (`EdgeTesting.InMemoryEdge`).
    var sendsFiles = true

    /// Runs on the channel's event loop, from the child channel initializer. The connection's limits
    /// and timeouts are those of the loop's configuration generation at the time it is accepted.
    func configure(_ channel: Channel, kind: ListenerKind, loop: NIOLoopBoundBox<LoopContext>) throws {
        let settings = loop.value.services.settings
        switch kind {
        case .http1:
            try configureHTTP1(channel, loop: loop, connection: ClientConnection(isTLS: false, isHTTP2: false, sendsFiles: sendsFiles))
        case .h2c:
            try configureHTTP2(channel, loop: loop, connection: ClientConnection(isTLS: false, isHTTP2: true))
        case .tls:
            guard let tls else { throw ChannelError.operationUnsupported }
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(tls.makeHandler())
            try pipeline.addHandler(TLSRecordCoalescer())
            try pipeline.addHandler(TLSHandshakeTimeout(timeout: settings.timeouts.clientHeader))
            let negotiation = ApplicationProtocolNegotiationHandler { result, channel in
                channel.eventLoop.makeCompletedFuture {
                    switch result {
                    case .negotiated("h2"):
                        try configureHTTP2(channel, loop: loop, connection: ClientConnection(isTLS: true, isHTTP2: true))
                    case .negotiated("http/1.1"), .fallback:
                        try configureHTTP1(channel, loop: loop, connection: ClientConnection(isTLS: true, isHTTP2: false))
                    case .negotiated:
                        throw NIOHTTP2Errors.invalidALPNToken()
                    }
                }
            }
            try pipeline.addHandler(negotiation)
        }
    }

    private func configureHTTP1(_ channel: Channel, loop: NIOLoopBoundBox<LoopContext>, connection: ClientConnection) throws {
        let settings = loop.value.services.settings
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = settings.limits.maxHeaderBytes
        limits.maxHeaderFieldSize = settings.limits.maxHeaderBytes
        limits.maxHeaderFieldCount = settings.limits.maxHeaderCount
        let pipeline = channel.pipeline.syncOperations
        let timeouts = ClientTimeoutHandler(headerTimeout: settings.timeouts.clientHeader, idleTimeout: settings.timeouts.clientIdle)
        try pipeline.addHandler(timeouts)
        // On a plain connection the shortcut asks for the reads itself (`StoredHitShortcut.issuesReads`);
        // under TLS, NIOSSL asks for reads of its own during handshakes, so NIO's autoRead stays.
        let issuesReads = !connection.isTLS && (try? channel.syncOptions?.setOption(.autoRead, value: false)) != nil
        let shortcut = StoredHitShortcut(loopContext: loop.value, drain: drain, timeouts: timeouts, issuesReads: issuesReads)
        try pipeline.addHandler(shortcut)
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: true, withErrorHandling: false,
            withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
        try pipeline.addHandler(ProtocolErrorResponder(handover: shortcut.handover))
        try pipeline.addHandler(ClosingConnectionGate())
        if let admission {
            try pipeline.addHandler(AdmissionGate(shared: admission, stats: loop.value.services.stats))
        }
        try pipeline.addHandler(ProxyHandler(loopContext: loop.value, drain: drain, connection: connection))
    }

    /// NIO's HTTP/2 handler with its multiplexer as a handler of its own, so that the frame-level
    /// shortcut can sit between them: it answers fresh hits from their HEADERS frames, and every other
    /// stream gets a stream channel with the HTTP/2-to-HTTP/1 codec and a `ProxyHandler`.
    private func configureHTTP2(_ channel: Channel, loop: NIOLoopBoundBox<LoopContext>, connection: ClientConnection) throws {
        let settings = loop.value.services.settings
        let stats = loop.value.services.stats
        let drain = self.drain
        let admission = self.admission
        let pipeline = channel.pipeline.syncOperations
        let streamConfiguration = HTTP2Connection.streamConfiguration(http2)
        try pipeline.addHandler(NIOHTTP2Handler(
            mode: .server, connectionConfiguration: HTTP2Connection.connectionConfiguration(http2), streamConfiguration: streamConfiguration))
        // Closes idle connections, and on drain sends GOAWAY and closes once open streams end; in front of
        // the shortcut, which keeps the events of the streams it answers from the handlers behind it.
        try pipeline.addHandler(HTTP2ConnectionLifetime(idleTimeout: settings.timeouts.clientIdle, graceTime: settings.timeouts.drain))
        try pipeline.addHandler(HTTP2StoredHitShortcut(
            loopContext: loop.value, drain: drain, maxRefusals: http2.maxResets, refusalWindow: http2.resetWindow.timeAmount))
        try pipeline.addHandler(HTTP2ConnectionWindow(target: http2.connectionWindowSize.bytes))
        let multiplexer = HTTP2StreamMultiplexer(
            mode: .server, channel: channel, targetWindowSize: streamConfiguration.targetWindowSize,
            outboundBufferSizeHighWatermark: streamConfiguration.outboundBufferSizeHighWatermark,
            outboundBufferSizeLowWatermark: streamConfiguration.outboundBufferSizeLowWatermark
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let streamPipeline = stream.pipeline.syncOperations
                try streamPipeline.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                if let admission {
                    // Streams are bounded per connection by max_concurrent_streams; here only requests count.
                    try streamPipeline.addHandler(AdmissionGate(shared: admission, stats: stats, countsConnection: false))
                }
                try streamPipeline.addHandler(ProxyHandler(loopContext: loop.value, drain: drain, connection: connection))
            }
        }
        try pipeline.addHandler(multiplexer)
        try pipeline.addHandler(HTTP2ConnectionTracker(registry: loop.value.connections))
    }
}
