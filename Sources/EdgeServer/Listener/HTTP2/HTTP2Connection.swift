import EdgeCore
import EdgeSettings
import NIOCore
import NIOHTTP2

/// Turns `[http2]` into swift-nio-http2's settings: what the edge advertises in SETTINGS and the
/// limits that close a connection that abuses the protocol.
enum HTTP2Connection {
    static func connectionConfiguration(_ limits: HTTP2Config) -> NIOHTTP2Handler.ConnectionConfiguration {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: limits.maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: limits.maxHeaderListSize.bytes),
            HTTP2Setting(parameter: .headerTableSize, value: limits.headerTableSize.bytes),
            HTTP2Setting(parameter: .initialWindowSize, value: limits.initialWindowSize.bytes),
            HTTP2Setting(parameter: .maxFrameSize, value: limits.maxFrameSize.bytes),
        ]
        configuration.targetWindowSize = limits.connectionWindowSize.bytes
        configuration.maximumSequentialContinuationFrames = limits.maxContinuationFrames
        configuration.maximumConnectionGlitches = limits.maxGlitches
        configuration.controlFrameRateLimit.maximumCount = limits.maxControlFrames
        configuration.controlFrameRateLimit.windowLength = limits.controlFrameWindow.timeAmount
        // The client's header blocks are checked by `HTTP2StoredHitShortcut` (`HTTP2FieldCheck`), in the
        // pass that reads them anyway, and the edge's own responses carry fields an HTTP/1.1 parser or
        // the edge made: NIO checking both again cost about a tenth of a cached HTTP/2 hit.
        configuration.headerBlockValidation = .disabled
        return configuration
    }

    static func streamConfiguration(_ limits: HTTP2Config) -> NIOHTTP2Handler.StreamConfiguration {
        var configuration = NIOHTTP2Handler.StreamConfiguration()
        configuration.targetWindowSize = limits.initialWindowSize.bytes
        // Rapid reset (CVE-2023-44487): a client that opens and cancels streams faster than this is cut off.
        configuration.streamResetFrameRateLimit.maximumCount = limits.maxResets
        configuration.streamResetFrameRateLimit.windowLength = limits.resetWindow.timeAmount
        configuration.streamErrorRateLimit.maximumCount = limits.maxResets
        configuration.streamErrorRateLimit.windowLength = limits.resetWindow.timeAmount
        return configuration
    }
}
