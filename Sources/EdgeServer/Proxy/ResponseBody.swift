import EdgeCore
import NIOCore

/// The body stages a response's head set up for it, applied to every body piece in this order: the
/// client's range cut from a body fetched whole, the coding negotiated for a streamed body
/// (`StreamedCoding`), a progressive page's rewrite (`PageDelivery`). A value kept in its
/// `ClientRequest`, so that a request costs no allocation for it.
struct ResponseBody {
    /// The bytes of the origin's full body this client asked for, cut out as the body streams past.
    var window: ClosedRange<Int>?
    /// How many bytes of the origin's body have streamed past so far (for `window`).
    private var offset = 0
    /// Recodes a streamed body for this client (compression or decoding).
    var transform: BodyTransform?
    /// Puts a progressive page's enhancement tags before `</body>`.
    var rewriter: PageRewriter?

    /// Whether every piece goes out as it is (no window, coding or rewrite).
    var isUntouched: Bool { window == nil && transform == nil && rewriter == nil }

    /// Whether the window's last byte has streamed past: the client's response is complete.
    var windowComplete: Bool {
        guard let window else { return false }
        return offset > window.upperBound
    }

    /// The pieces to send for `buffer`; throws when a recoding fails (part of the response is out
    /// then, and only closing the connection says so honestly).
    mutating func process(_ buffer: ByteBuffer, allocator: ByteBufferAllocator) throws -> [ByteBuffer] {
        var piece = buffer
        if let window {
            let start = offset
            offset += buffer.readableBytes
            let from = max(window.lowerBound, start)
            let to = min(window.upperBound + 1, offset)
            guard from < to, let slice = buffer.getSlice(at: buffer.readerIndex + from - start, length: to - from) else { return [] }
            piece = slice
        }
        if let transform {
            piece = try transform.process(piece, allocator: allocator)
        }
        if let rewriter {
            return try rewriter.process(piece, allocator: allocator)
        }
        return [piece]
    }

    /// What the recoders still hold, once the body has ended.
    mutating func finish(allocator: ByteBufferAllocator) throws -> [ByteBuffer] {
        var pieces: [ByteBuffer] = []
        if let transform {
            self.transform = nil
            let last = try transform.finish(allocator: allocator)
            pieces = rewriter == nil ? [last] : try rewriter?.process(last, allocator: allocator) ?? []
        }
        if let rewriter {
            self.rewriter = nil
            pieces += try rewriter.finish(allocator: allocator)
        }
        return pieces
    }
}
