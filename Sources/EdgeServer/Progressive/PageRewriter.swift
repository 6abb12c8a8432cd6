import EdgeCodecs
import EdgeCore
import NIOCore

/// Inserts a page's enhancement tags before `</body>` as its body streams out. A body in a content
/// coding (a stored br variant, say) is decoded, rewritten and encoded again on the way, so the
/// client still gets the coding it negotiated; an identity body is rewritten without copies.
final class PageRewriter {
    private var injector: BodyEndInjector
    private let decoder: (any StreamingDecoder)?
    private let encoder: (any StreamingEncoder)?
    /// Largest output one piece of input may decode to.
    static let decodeLimit = 64 << 20

    init(insertion: String, coding: ContentCoding, level: Int) throws(CodecError) {
        injector = BodyEndInjector(insertion: insertion)
        decoder = try Codec.decoder(coding)
        encoder = try Codec.encoder(coding, level: level)
    }

    func process(_ input: ByteBuffer, allocator: ByteBufferAllocator) throws(CodecError) -> [ByteBuffer] {
        guard let decoder, let encoder else { return injector.feed(input) }
        var plain = allocator.buffer(capacity: input.readableBytes * 4)
        try decoder.decode(input, into: &plain, limit: Self.decodeLimit)
        return try encode(injector.feed(plain), with: encoder, allocator: allocator)
    }

    func finish(allocator: ByteBufferAllocator) throws(CodecError) -> [ByteBuffer] {
        guard let decoder, let encoder else { return injector.finish() }
        try decoder.finish()
        var pieces = try encode(injector.finish(), with: encoder, allocator: allocator)
        var last = allocator.buffer(capacity: 64)
        try encoder.finish(into: &last)
        if last.readableBytes > 0 { pieces.append(last) }
        return pieces
    }

    private func encode(_ pieces: [ByteBuffer], with encoder: any StreamingEncoder, allocator: ByteBufferAllocator) throws(CodecError) -> [ByteBuffer] {
        var output = allocator.buffer(capacity: pieces.reduce(0) { $0 + $1.readableBytes } / 2 + 64)
        for piece in pieces {
            try encoder.encode(piece, into: &output)
        }
        return output.readableBytes > 0 ? [output] : []
    }
}
