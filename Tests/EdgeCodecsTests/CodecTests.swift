import EdgeCodecs
import NIOCore
import Testing
@testable import EdgeCore

@Suite("Codecs")
struct CodecTests {
    static func sample(_ count: Int) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        var state: UInt32 = 12345
        let words = ["function ", "return ", "const ", "let ", "=> ", "{ ", "} ", "; ", "\n"]
        while buffer.readableBytes < count {
            state = state &* 1_103_515_245 &+ 12345
            let word = words[Int(state >> 16) % words.count]
            buffer.writeString(String(word.prefix(count - buffer.readableBytes)))
        }
        return buffer
    }

    @Test("one-shot compress then decompress gives the input back", arguments: [ContentCoding.br, .zstd, .gzip], [0, 1, 1023, 300_000])
    func oneShotRoundTrip(coding: ContentCoding, size: Int) throws {
        let input = Self.sample(size)
        let coded = try Codec.compress(input, coding: coding, level: CompressionLevels.stored.level(for: coding))
        #expect(coded.readableBytes > 0)
        let decoded = try Codec.decompress(coded, coding: coding, limit: size + 1)
        #expect(decoded == input)
    }

    @Test("streaming in pieces at fast levels round-trips", arguments: [ContentCoding.br, .zstd, .gzip])
    func streamingRoundTrip(coding: ContentCoding) throws {
        let input = Self.sample(200_000)
        let encoder = try #require(try Codec.encoder(coding, level: CompressionLevels.streaming.level(for: coding)))
        var coded = ByteBuffer()
        var rest = input
        while rest.readableBytes > 0 {
            let piece = rest.readSlice(length: min(7001, rest.readableBytes))!
            try encoder.encode(piece, into: &coded)
        }
        try encoder.finish(into: &coded)
        #expect(coded.readableBytes < input.readableBytes / 2)

        let decoder = try #require(try Codec.decoder(coding))
        var decoded = ByteBuffer()
        while coded.readableBytes > 0 {
            let piece = coded.readSlice(length: min(333, coded.readableBytes))!
            try decoder.decode(piece, into: &decoded, limit: 1 << 20)
        }
        try decoder.finish()
        #expect(decoded == input)
    }

    @Test("a decoder refuses output beyond its limit (decompression bomb)", arguments: [ContentCoding.br, .zstd, .gzip])
    func bombLimit(coding: ContentCoding) throws {
        let zeros = ByteBuffer(repeating: 0, count: 4 << 20)
        let coded = try Codec.compress(zeros, coding: coding, level: 1)
        #expect(throws: CodecError.tooLarge) { try Codec.decompress(coded, coding: coding, limit: 1 << 20) }
    }

    @Test("truncated or corrupt input is an error", arguments: [ContentCoding.br, .zstd, .gzip])
    func truncated(coding: ContentCoding) throws {
        let coded = try Codec.compress(Self.sample(50_000), coding: coding, level: 5)
        let half = coded.getSlice(at: coded.readerIndex, length: coded.readableBytes / 2)!
        #expect(throws: CodecError.self) { try Codec.decompress(half, coding: coding, limit: 1 << 20) }
        let garbage = ByteBuffer(string: "this is not compressed at all, not even a little bit")
        #expect(throws: CodecError.self) { try Codec.decompress(garbage, coding: coding, limit: 1 << 20) }
    }

    @Test("higher stored levels compress text at least as well as fast levels", arguments: [ContentCoding.br, .zstd, .gzip])
    func levels(coding: ContentCoding) throws {
        let input = Self.sample(100_000)
        let fast = try Codec.compress(input, coding: coding, level: CompressionLevels.streaming.level(for: coding))
        let best = try Codec.compress(input, coding: coding, level: CompressionLevels.stored.level(for: coding))
        #expect(best.readableBytes <= fast.readableBytes)
    }

    @Test("identity has no encoder or decoder and leaves bytes as they are")
    func identity() throws {
        #expect(try Codec.encoder(.identity, level: 0) == nil)
        #expect(try Codec.decoder(.identity) == nil)
        let input = Self.sample(10)
        #expect(try Codec.compress(input, coding: .identity, level: 0) == input)
    }
}
