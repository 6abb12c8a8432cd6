import NIOCore
import NIOHTTP1

/// Receives one origin response, part by part, on the connection's event loop.
protocol OriginResponseDelegate: AnyObject {
    /// A 1xx response other than 101, before the final one (RFC 9110 §15.2); there may be several.
    func originInterimResponse(_ head: HTTPResponseHead)
    func originResponseHead(_ head: HTTPResponseHead)
    func originResponseBody(_ buffer: ByteBuffer)
    func originResponseEnd()
    func originFailed(_ error: OriginError)
    /// The origin connection's send buffer drained or filled: request body uploads follow it.
    func originWritabilityChanged(isWritable: Bool)
    /// Whether the next read from the origin socket may happen now; false while the client is not writable.
    var wantsMoreOriginData: Bool { get }
}
