import CZstd
import NIOCore

/// Zstandard compression through libzstd.
public final class ZstdEncoder: StreamingEncoder {
    private let context: OpaquePointer

    /// `level` 1...19; `sizeHint` (when known) is written into the frame and sizes the window;
    /// `windowLog` caps the window, and with it the memory, for streams.
    public init(level: Int, sizeHint: Int? = nil, windowLog: Int? = nil) throws(CodecError) {
        guard let context = ZSTD_createCCtx() else { throw .setupFailed(.zstd) }
        self.context = context
        guard ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(clamping: level))) == 0 else {
            throw .setupFailed(.zstd)
        }
        // Browsers decode windows of at most 8 MiB (RFC 8878 §3.1.1.1.2 for HTTP).
        if let windowLog {
            _ = ZSTD_CCtx_setParameter(context, ZSTD_c_windowLog, Int32(clamping: windowLog))
        } else if level >= 17 {
            _ = ZSTD_CCtx_setParameter(context, ZSTD_c_windowLog, 23)
        }
        if let sizeHint, sizeHint >= 0 {
            _ = ZSTD_CCtx_setPledgedSrcSize(context, UInt64(sizeHint))
        }
    }

    deinit { ZSTD_freeCCtx(context) }

    public func encode(_ input: ByteBuffer, into output: inout ByteBuffer) throws(CodecError) {
        try run(input, directive: ZSTD_e_continue, into: &output)
    }

    public func finish(into output: inout ByteBuffer) throws(CodecError) {
        try run(ByteBuffer(), directive: ZSTD_e_end, into: &output)
    }

    private func run(_ input: ByteBuffer, directive: ZSTD_EndDirective, into output: inout ByteBuffer) throws(CodecError) {
        let context = self.context
        try input.withReadable { (raw) throws(CodecError) in
            var inBuffer = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            while true {
                var remaining = 0
                _ = try output.appendPiece { (out) throws(CodecError) -> Int in
                    var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    remaining = ZSTD_compressStream2(context, &outBuffer, &inBuffer, directive)
                    if ZSTD_isError(remaining) != 0 { throw .corrupt(.zstd) }
                    return outBuffer.pos
                }
                if directive == ZSTD_e_end ? remaining == 0 : inBuffer.pos == inBuffer.size { return }
            }
        }
    }
}

/// Zstandard decompression through libzstd, with the window bounded to 128 MiB.
public final class ZstdDecoder: StreamingDecoder {
    private let context: OpaquePointer
    /// Whether the input so far ends exactly at the end of a frame.
    private var frameComplete = false

    public init() throws(CodecError) {
        guard let context = ZSTD_createDCtx() else { throw .setupFailed(.zstd) }
        self.context = context
        _ = ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, 27)
    }

    deinit { ZSTD_freeDCtx(context) }

    public func decode(_ input: ByteBuffer, into output: inout ByteBuffer, limit: Int) throws(CodecError) {
        guard input.readableBytes > 0 else { return }
        let context = self.context
        let start = output.readableBytes
        var complete = self.frameComplete
        try input.withReadable { (raw) throws(CodecError) in
            var inBuffer = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            while true {
                var filled = 0
                filled = try output.appendPiece { (out) throws(CodecError) -> Int in
                    var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    let taken = inBuffer.pos
                    let hint = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                    if ZSTD_isError(hint) != 0 { throw .corrupt(.zstd) }
                    // 0 means a frame ended here; a later call that takes no input must not undo that.
                    if hint == 0 {
                        complete = true
                    } else if inBuffer.pos > taken {
                        complete = false
                    }
                    return outBuffer.pos
                }
                if output.readableBytes - start > limit { throw .tooLarge }
                // Done when all input is taken and the last call did not fill its output piece.
                if inBuffer.pos == inBuffer.size, filled < Codec.piece { return }
            }
        }
        self.frameComplete = complete
    }

    public func finish() throws(CodecError) {
        guard frameComplete else { throw .truncated(.zstd) }
    }
}
