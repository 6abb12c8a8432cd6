import NIOCore
import NIOHTTP1

/// Stored partial content (RFC 9111 §3.3–3.4): a 206 is kept as one piece of its representation,
/// later ranges it covers are answered from it, and pieces that share a validator are combined until
/// every byte is held. Pure: the cache's server side places, reads and completes the pieces.
public enum PartialContent {
    /// The piece a 206 holds, if a cache may keep it: one range (not `multipart/byteranges`) whose
    /// complete length is known, in the identity coding (a range of a coded body is a range of
    /// something no other request may get).
    public static func storableRange(status: Int, headers: HTTPHeaders) -> ContentRange? {
        guard status == 206, headers["content-range"].count == 1, let range = headers.first(name: "content-range").flatMap(ContentRange.init) else { return nil }
        if let type = headers.first(name: "content-type"), type.lowercased().hasPrefix("multipart/byteranges") { return nil }
        if headers["content-encoding"].contains(where: { $0.trimmingHTTPWhitespace().lowercased() != "identity" }) { return nil }
        return range
    }

    /// Whether every range asked for lies inside the piece.
    public static func covers(_ piece: ContentRange, _ ranges: [ClosedRange<Int>]) -> Bool {
        !ranges.isEmpty && ranges.allSatisfy { $0.lowerBound >= piece.first && $0.upperBound <= piece.last }
    }

    /// The one range that completes a piece touching either end of its representation; nil when it
    /// is complete or lies inside (two ranges would be missing).
    public static func missing(_ piece: ContentRange) -> ClosedRange<Int>? {
        if piece.isComplete { return nil }
        if piece.first == 0 { return (piece.last + 1)...(piece.total - 1) }
        if piece.last == piece.total - 1 { return 0...(piece.first - 1) }
        return nil
    }

    /// Two pieces of the same representation made one: they must share a validator (neither may lack
    /// one) and the complete length, and overlap or touch. `storedBody` and `newBody` hold exactly
    /// their pieces' bytes. nil when they cannot be combined: the newer piece then replaces the older.
    public static func combine(stored: ContentRange, storedBody: ByteBuffer, storedValidator: RepresentationValidator?,
                               new: ContentRange, newBody: ByteBuffer, newValidator: RepresentationValidator?) -> (ContentRange, ByteBuffer)? {
        guard let storedValidator, storedValidator == newValidator, stored.total == new.total,
              storedBody.readableBytes == stored.count, newBody.readableBytes == new.count,
              new.first <= stored.last + 1, stored.first <= new.last + 1,
              let range = ContentRange(first: min(stored.first, new.first), last: max(stored.last, new.last), total: new.total) else { return nil }
        var body = ByteBufferAllocator().buffer(capacity: range.count)
        // The newer bytes win where the pieces overlap (they are equal when the validator is honest).
        if stored.first < new.first, let head = storedBody.getSlice(at: storedBody.readerIndex, length: new.first - stored.first) {
            body.writeImmutableBuffer(head)
        }
        body.writeImmutableBuffer(newBody)
        if stored.last > new.last, let tail = storedBody.getSlice(at: storedBody.readerIndex + (new.last + 1 - stored.first), length: stored.last - new.last) {
            body.writeImmutableBuffer(tail)
        }
        return (range, body)
    }

    /// The fields of a piece's representation as a whole 200 would carry them (a combined piece that
    /// holds every byte is stored as one).
    public static func wholeFields(_ headers: HTTPHeaders, total: Int) -> HTTPHeaders {
        var fields = headers
        fields.remove(name: "content-range")
        fields.replaceOrAdd(name: "content-length", value: String(total))
        return fields
    }
}
