import EdgeCore
import NIOCore

/// Why a codec stopped.
public enum CodecError: Error, Sendable, Equatable {
    /// The library could not set up its state (out of memory, bad level).
    case setupFailed(ContentCoding)
    /// The input is not valid for the coding, or the library reported an error.
    case corrupt(ContentCoding)
    /// The coded input ended before the coded stream did.
    case truncated(ContentCoding)
    /// Decoding would give more bytes than allowed (a decompression bomb, or a body too large to keep).
    case tooLarge
}

/// A compressor fed piece by piece: output is appended to `output` as the library makes it, so
/// memory stays bounded by the library's window plus one piece.
public protocol StreamingEncoder: AnyObject {
    func encode(_ input: ByteBuffer, into output: inout ByteBuffer) throws(CodecError)
    /// Ends the stream; the encoder is not used afterwards.
    func finish(into output: inout ByteBuffer) throws(CodecError)
}

/// A decompressor fed piece by piece; each call may append at most `limit` bytes.
public protocol StreamingDecoder: AnyObject {
    func decode(_ input: ByteBuffer, into output: inout ByteBuffer, limit: Int) throws(CodecError)
    /// Checks that the coded stream ended properly.
    func finish() throws(CodecError)
}

/// Makes encoders and decoders, and compresses or decompresses whole bodies.
public enum Codec {
    /// Output grows in pieces of this size.
    static let piece = 16 * 1024

    /// Window (log2 bytes) of encoders for bodies of unknown size: 512 KiB, so that each streamed
    /// response holds little memory (gzip's window is 32 KiB anyway).
    public static let streamingWindowLog = 19

    /// An encoder for `coding` at `level`; nil for identity. Without `sizeHint` (a stream) the
    /// window is `streamingWindowLog`.
    public static func encoder(_ coding: ContentCoding, level: Int, sizeHint: Int? = nil) throws(CodecError) -> (any StreamingEncoder)? {
        let window = sizeHint == nil ? streamingWindowLog : nil
        switch coding {
        case .br: return try BrotliEncoder(quality: level, sizeHint: sizeHint, windowLog: window)
        case .zstd: return try ZstdEncoder(level: level, sizeHint: sizeHint, windowLog: window)
        case .gzip: return try GzipEncoder(level: level)
        case .identity: return nil
        }
    }

    /// A decoder for `coding`; nil for identity.
    public static func decoder(_ coding: ContentCoding) throws(CodecError) -> (any StreamingDecoder)? {
        switch coding {
        case .br: return try BrotliDecoder()
        case .zstd: return try ZstdDecoder()
        case .gzip: return try GzipDecoder()
        case .identity: return nil
        }
    }

    /// The whole of `body` coded with `coding` at `level` (a copy of `body` for identity).
    public static func compress(_ body: ByteBuffer, coding: ContentCoding, level: Int) throws(CodecError) -> ByteBuffer {
        var output = ByteBufferAllocator().buffer(capacity: body.readableBytes / 3 + 64)
        guard let encoder = try encoder(coding, level: level, sizeHint: body.readableBytes) else { return body }
        try encoder.encode(body, into: &output)
        try encoder.finish(into: &output)
        return output
    }

    /// The whole of `body` decoded from `coding`; throws `tooLarge` past `limit` bytes.
    public static func decompress(_ body: ByteBuffer, coding: ContentCoding, limit: Int) throws(CodecError) -> ByteBuffer {
        guard let decoder = try decoder(coding) else { return body }
        var output = ByteBufferAllocator().buffer(capacity: min(limit, body.readableBytes * 4))
        try decoder.decode(body, into: &output, limit: limit)
        try decoder.finish()
        return output
    }
}

extension ByteBuffer {
    /// Runs `body` on a writable region of at least `Codec.piece` bytes; it returns how many it filled.
    mutating func appendPiece(_ body: (UnsafeMutableRawBufferPointer) throws(CodecError) -> Int) throws(CodecError) -> Int {
        do {
            return try writeWithUnsafeMutableBytes(minimumWritableBytes: Codec.piece) { pointer in try body(pointer) }
        } catch let error as CodecError {
            throw error
        } catch {
            throw .tooLarge
        }
    }

    /// Runs `body` on the readable bytes.
    func withReadable<T>(_ body: (UnsafeRawBufferPointer) throws(CodecError) -> T) throws(CodecError) -> T {
        do {
            return try withUnsafeReadableBytes { pointer in try body(pointer) }
        } catch let error as CodecError {
            throw error
        } catch {
            throw .tooLarge
        }
    }
}
