import NIOCore
import NIOHTTP1

/// Receives one origin response, part by part, on the connection's event loop.
protocol OriginResponseDelegate: AnyObject {
    func originResponseHead(_ head: HTTPResponseHead)
    func originResponseBody(_ buffer: ByteBuffer)
    func originResponseEnd()
    func originFailed(_ error: OriginError)
    /// The origin connection's send buffer drained or filled: request body uploads follow it.
    func originWritabilityChanged(isWritable: Bool)
    /// Whether the next read from the origin socket may happen now; false while the client is not writable.
    var wantsMoreOriginData: Bool { get }
}
