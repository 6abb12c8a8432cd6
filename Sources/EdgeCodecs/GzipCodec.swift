import CZlib
import NIOCore

/// gzip compression through zlib.
public final class GzipEncoder: StreamingEncoder {
    // zlib checks that its stream never moves (deflateStateCheck), so it lives at a fixed address.
    private let stream: UnsafeMutablePointer<z_stream>

    /// `level` 1...9.
    public init(level: Int) throws(CodecError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16 asks for a gzip wrapper rather than zlib's.
        let status = deflateInit2_(stream, Int32(clamping: level), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw .setupFailed(.gzip)
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    public func encode(_ input: ByteBuffer, into output: inout ByteBuffer) throws(CodecError) {
        try run(input, flush: Z_NO_FLUSH, into: &output)
    }

    public func finish(into output: inout ByteBuffer) throws(CodecError) {
        try run(ByteBuffer(), flush: Z_FINISH, into: &output)
    }

    private func run(_ input: ByteBuffer, flush: Int32, into output: inout ByteBuffer) throws(CodecError) {
        let stream = self.stream
        try input.withReadable { (raw) throws(CodecError) in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: raw.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(raw.count)
            defer { stream.pointee.next_in = nil }
            while true {
                var status = Z_OK
                var filled = 0
                filled = try output.appendPiece { (out) throws(CodecError) -> Int in
                    stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_out = uInt(out.count)
                    status = deflate(stream, flush)
                    defer { stream.pointee.next_out = nil }
                    if status == Z_STREAM_ERROR { throw .corrupt(.gzip) }
                    return out.count - Int(stream.pointee.avail_out)
                }
                if flush == Z_FINISH {
                    if status == Z_STREAM_END { return }
                } else if stream.pointee.avail_in == 0, filled < Codec.piece {
                    return
                }
            }
        }
    }
}

/// gzip (and zlib-wrapped deflate) decompression through zlib.
public final class GzipDecoder: StreamingDecoder {
    private let stream: UnsafeMutablePointer<z_stream>
    private var ended = false

    public init() throws(CodecError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 32: detect a gzip or zlib header.
        guard inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            throw .setupFailed(.gzip)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    public func decode(_ input: ByteBuffer, into output: inout ByteBuffer, limit: Int) throws(CodecError) {
        let stream = self.stream
        let start = output.readableBytes
        var ended = self.ended
        try input.withReadable { (raw) throws(CodecError) in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: raw.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(raw.count)
            defer { stream.pointee.next_in = nil }
            while true {
                if ended {
                    if stream.pointee.avail_in > 0 { throw .corrupt(.gzip) }
                    return
                }
                var status = Z_OK
                var filled = 0
                filled = try output.appendPiece { (out) throws(CodecError) -> Int in
                    stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_out = uInt(out.count)
                    status = inflate(stream, Z_NO_FLUSH)
                    defer { stream.pointee.next_out = nil }
                    return out.count - Int(stream.pointee.avail_out)
                }
                if output.readableBytes - start > limit { throw .tooLarge }
                switch status {
                case Z_STREAM_END: ended = true
                case Z_OK, Z_BUF_ERROR:
                    if stream.pointee.avail_in == 0, filled < Codec.piece { return }
                default: throw .corrupt(.gzip)
                }
            }
        }
        self.ended = ended
    }

    public func finish() throws(CodecError) {
        guard ended else { throw .truncated(.gzip) }
    }
}
