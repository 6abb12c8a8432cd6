import EdgeCore
import NIOCore

/// A 206 on its way into memory as a piece of its representation (RFC 9111 §3.3): gathered like any
/// body, then combined with the piece already stored for the URL when both have the same validator
/// and they touch (§3.4), else put in its place. A piece that then holds every byte is stored as the
/// URL's whole 200, and the piece goes.
final class PartialFill: StorageFill {
    private let memory: MemoryStorage
    private let key: CacheKey
    private let response: CachedResponse
    private let range: ContentRange
    private var body: ByteBuffer?
    private let limit: Int
    private let epoch: UInt64

    init?(memory: MemoryStorage, key: CacheKey, response: CachedResponse, epoch: UInt64) {
        guard let range = PartialContent.storableRange(status: response.status, headers: response.headers) else { return nil }
        // A Content-Length other than the range's says the body is not the bytes Content-Range names.
        if let length = response.headers.first(name: "content-length"), Int(length) != range.count { return nil }
        let limit = memory.cache.maxBodyBytes(for: response, key: key.partialPiece)
        guard range.count <= limit else { return nil }
        self.memory = memory
        self.key = key
        self.response = response
        self.range = range
        self.limit = limit
        self.epoch = epoch
        body = ByteBufferAllocator().buffer(capacity: range.count)
    }

    @discardableResult
    func write(_ piece: ByteBuffer) -> Bool {
        // Taken out while written to, so that the buffer is not copied.
        guard var gathered = body else { return false }
        body = nil
        var piece = piece
        gathered.writeBuffer(&piece)
        if gathered.readableBytes > range.count {
            return false
        }
        body = gathered
        if gathered.readableBytes == range.count {
            // Stored before the client gets the last bytes, as `MemoryFill` does: a client that has read
            // the piece and asks again at once must find it (the origin's end may come later).
            outcome = store()
        }
        return true
    }

    /// Set once the piece was stored (or turned away).
    private var outcome: StorageFillOutcome?

    func finish() -> StorageFillOutcome {
        outcome ?? store()
    }

    /// A body of another length than its `Content-Range` says is a broken response: which bytes it
    /// holds is unknown, so it is not kept.
    private func store() -> StorageFillOutcome {
        guard let body, body.readableBytes == range.count else { return .notStored }
        self.body = nil
        let validator = RepresentationValidator(response.headers, total: range.total)
        var piece = response
        piece.body = body
        var combinedRange = range
        if case .found(let stored) = memory.cache.lookup(key.partialPiece, requestHeaders: [:]),
           let storedRange = stored.headers.first(name: "content-range").flatMap(ContentRange.init),
           let (range, bytes) = PartialContent.combine(
               stored: storedRange, storedBody: stored.body, storedValidator: RepresentationValidator(stored.headers, total: storedRange.total),
               new: range, newBody: body, newValidator: validator) {
            combinedRange = range
            piece.body = bytes
            piece.headers.replaceOrAdd(name: "content-range", value: range.headerValue)
            piece.headers.replaceOrAdd(name: "content-length", value: String(range.count))
        }
        if combinedRange.isComplete {
            var whole = piece
            whole.status = 200
            whole.headers = PartialContent.wholeFields(piece.headers, total: combinedRange.total)
            memory.cache.invalidate(key.partialPiece)
            return memory.insert(whole, for: key, epoch: epoch) ? .stored : .notStored
        }
        return memory.insert(piece, for: key.partialPiece, epoch: epoch) ? .stored : .notStored
    }

    func abandon() {
        body = nil
    }
}
