import EdgeCore
import NIOCore
import NIOHTTP1

/// What an object stored as slices gives one request, decided from its head alone (the client's
/// conditionals and range, RFC 9110 §13–14): the response's head, and its body as a list of parts —
/// byte ranges of the object, and for several ranges the `multipart/byteranges` text between them —
/// that `SliceFetch+Body` writes slice by slice.
enum SliceAnswer {
    case notModified(HTTPHeaders)
    case preconditionFailed
    case unsatisfiable(HTTPHeaders)
    case body(SliceBody)

    struct SliceBody {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var parts: [Part]
        /// The first and last slices the body needs; nil without bytes.
        var firstSlice: Int?
        var lastSlice: Int?
    }

    enum Part {
        case text(String)
        case bytes(ClosedRange<Int>)
    }

    static func make(for request: ClientRequest, head: CachedResponse, slices: SliceRange) -> SliceAnswer {
        let total = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
        var headers = head.headers
        headers.replaceOrAdd(name: "accept-ranges", value: "bytes")
        var status = HTTPResponseStatus.ok
        var parts: [Part] = total > 0 ? [.bytes(0...(total - 1))] : []
        switch StoredAnswer.decide(request, conditionalHeaders: request.head.headers, status: 200, headers: head.headers, length: total) {
        case .notModified(let fields):
            return .notModified(fields)
        case .preconditionFailed:
            return .preconditionFailed
        case .rangeNotSatisfiable(let fields):
            return .unsatisfiable(fields)
        case .whole:
            break
        case .ranges(let ranges) where ranges.count == 1:
            status = .partialContent
            headers.replaceOrAdd(name: "content-range", value: ByteRange.contentRange(ranges[0], length: total))
            parts = [.bytes(ranges[0])]
        case .ranges(let ranges):
            status = .partialContent
            let boundary = ByteRange.makeBoundary()
            let type = head.headers.first(name: "content-type")
            parts = []
            for range in ranges {
                parts += [.text(ByteRange.partHead(range, length: total, contentType: type, boundary: boundary)), .bytes(range), .text("\r\n")]
            }
            parts.append(.text(ByteRange.closingDelimiter(boundary)))
            headers.replaceOrAdd(name: "content-type", value: ByteRange.multipartContentType(boundary))
        }
        let length = parts.reduce(0) { sum, part in
            switch part {
            case .text(let text): sum + text.utf8.count
            case .bytes(let range): sum + range.count
            }
        }
        headers.replaceOrAdd(name: "content-length", value: String(length))
        let indices = parts.compactMap { part -> ClosedRange<Int>? in
            if case .bytes(let range) = part { return slices.indices(covering: range) }
            return nil
        }
        return .body(SliceBody(status: status, headers: headers, parts: parts,
                               firstSlice: indices.first?.lowerBound, lastSlice: indices.map(\.upperBound).max()))
    }
}
