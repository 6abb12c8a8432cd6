import EdgeCore
import NIOHTTP1

/// A response head on its way to the client, before the response filter chain shapes it.
struct OutgoingHead {
    /// Where the fields come from, which decides the stages that apply to them.
    enum Source: Equatable {
        /// A stored response's own fields.
        case stored
        /// Fields prepared when the response was stored (`EdgeFields` already applied).
        case prepared
        /// A body that streams, from the origin or from a disk record: its coding is negotiated for
        /// this client on the way.
        case streamed
        /// The edge's own answer (an error, a purge's result): sent as it is.
        case edge
    }

    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var source: Source
    /// nil only for answers that are not about a cached resource (a PURGE's result).
    var cacheStatus: CacheStatus?
    /// This cache's `Age` for a stored response.
    var age: Int?

    init(status: HTTPResponseStatus, headers: HTTPHeaders, source: Source, cacheStatus: CacheStatus?, age: Int? = nil) {
        self.status = status
        self.headers = headers
        self.source = source
        self.cacheStatus = cacheStatus
        self.age = age
    }
}
