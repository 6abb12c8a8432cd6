import NIOCore

/// Counts events in fixed windows: at most `limit` in any window of `window` that starts with the
/// first event after the last one ended. Cheap enough for every frame that misbehaves; precise enough
/// to cut off a client that misbehaves on purpose (the way NIO's own reset limits count).
struct RateLimitWindow {
    let limit: Int
    let window: TimeAmount
    private var windowEnds = NIODeadline.uptimeNanoseconds(0)
    private var count = 0

    init(limit: Int, window: TimeAmount) {
        self.limit = limit
        self.window = window
    }

    /// Counts one more event at `now`; false when it is one too many for its window.
    mutating func allowsAnother(now: NIODeadline) -> Bool {
        if now >= windowEnds {
            windowEnds = now + window
            count = 0
        }
        count += 1
        return count <= limit
    }
}
