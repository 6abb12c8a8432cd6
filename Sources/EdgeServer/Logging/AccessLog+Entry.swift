import EdgeCore
import NIOCore
import NIOHTTP1

extension AccessLog.Entry {
    /// The logging phase's one description of a finished request, for the full path and the stored-hit
    /// shortcut alike. `startedAt` is when its bytes arrived; nil when the log is off and nobody asked.
    /// `cacheName` names this cache in the Cache-Status value, as the response does (`edge-10.0.0.2` in a fleet).
    init(client: String, method: String, target: String, version: HTTPVersion, status: Int, bytes: Int, startedAt: NIODeadline?,
         cacheStatus: CacheStatus?, cacheName: String, origin: OriginServer?, referer: String?, userAgent: String?, time: EpochSeconds) {
        self.init(
            client: client, method: method, target: target,
            version: version.major >= 2 ? "HTTP/\(version.major)" : "HTTP/\(version.major).\(version.minor)",
            status: status, bytes: bytes,
            durationSeconds: startedAt.map { Double((NIODeadline.now() - $0).nanoseconds) / 1_000_000_000 } ?? 0,
            cacheStatus: cacheStatus?.headerValue(cache: cacheName) ?? "", origin: origin?.description, referer: referer, userAgent: userAgent, time: time)
    }
}
