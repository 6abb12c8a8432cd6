import EdgeCodecs
import EdgeCore
import NIOCore

/// Recodes one streamed response as it passes: decodes the origin's coding, encodes the client's,
/// or both. Memory is the codecs' windows plus the output of one piece of input.
final class BodyTransform {
    let from: ContentCoding
    let to: ContentCoding
    private let decoder: (any StreamingDecoder)?
    private let encoder: (any StreamingEncoder)?
    private let metrics: CompressionMetrics
    private var bytesIn = 0
    private var bytesOut = 0
    private var bytesDecoded = 0
    /// Largest output one piece of input may decode to (a decompression bomb ends the response).
    static let decodeLimit = 64 << 20

    init(from: ContentCoding, to: ContentCoding, levels: CompressionLevels, metrics: CompressionMetrics) throws(CodecError) {
        self.from = from
        self.to = to
        self.metrics = metrics
        decoder = try Codec.decoder(from)
        encoder = try Codec.encoder(to, level: levels.level(for: to))
    }

    /// The recoded bytes for `input` (possibly none yet).
    func process(_ input: ByteBuffer, allocator: ByteBufferAllocator) throws(CodecError) -> ByteBuffer {
        var plain = input
        if let decoder {
            plain = allocator.buffer(capacity: input.readableBytes * 4)
            try decoder.decode(input, into: &plain, limit: Self.decodeLimit)
            bytesDecoded += plain.readableBytes
        }
        guard let encoder else { return plain }
        bytesIn += plain.readableBytes
        var output = allocator.buffer(capacity: min(plain.readableBytes, 64 * 1024))
        try encoder.encode(plain, into: &output)
        bytesOut += output.readableBytes
        return output
    }

    /// The last recoded bytes.
    func finish(allocator: ByteBufferAllocator) throws(CodecError) -> ByteBuffer {
        if let decoder {
            try decoder.finish()
            metrics.recordDecoded(bytesOut: bytesDecoded, stored: false)
        }
        var output = allocator.buffer(capacity: 64)
        if let encoder {
            try encoder.finish(into: &output)
            bytesOut += output.readableBytes
            metrics.record(to, .stream, bytesIn: bytesIn, bytesOut: bytesOut)
        }
        return output
    }
}
