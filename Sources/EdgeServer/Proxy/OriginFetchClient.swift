import EdgeCore
import NIOCore
import NIOHTTP1

/// What an origin fetch reports to the client connection that asked for it.
protocol OriginFetchClient: AnyObject {
    /// An interim response from the origin (1xx, not 101) to pass on; never stored.
    func fetch(_ fetch: OriginFetch, didReceiveInterim head: HTTPResponseHead)
    func fetch(_ fetch: OriginFetch, didReceiveHead status: HTTPResponseStatus, headers: HTTPHeaders, cacheStatus: CacheStatus)
    func fetch(_ fetch: OriginFetch, didReceiveBody buffer: ByteBuffer)
    func fetchDidEnd(_ fetch: OriginFetch)
    /// The origin's answer means the stored response should be served (after a 304, or stale on error).
    func fetch(_ fetch: OriginFetch, serveStored response: CachedResponse, cacheStatus: CacheStatus)
    func fetch(_ fetch: OriginFetch, didFail error: OriginError)
    func fetchCanTakeMoreBody(_ fetch: OriginFetch)
    var canTakeResponseBody: Bool { get }
}
