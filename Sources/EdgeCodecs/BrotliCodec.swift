import CBrotli
import NIOCore

/// Brotli compression through libbrotlienc.
public final class BrotliEncoder: StreamingEncoder {
    private let state: OpaquePointer

    /// `quality` 0...11; `sizeHint` lets the library pick a smaller window for small bodies;
    /// `windowLog` (10...24) caps the window, and with it the memory, for streams.
    public init(quality: Int, sizeHint: Int? = nil, windowLog: Int? = nil) throws(CodecError) {
        guard let state = BrotliEncoderCreateInstance(nil, nil, nil) else { throw .setupFailed(.br) }
        self.state = state
        guard BrotliEncoderSetParameter(state, BROTLI_PARAM_QUALITY, UInt32(clamping: max(0, min(11, quality)))) == BROTLI_TRUE else {
            throw .setupFailed(.br)
        }
        if let windowLog {
            _ = BrotliEncoderSetParameter(state, BROTLI_PARAM_LGWIN, UInt32(clamping: max(10, min(24, windowLog))))
        }
        if let sizeHint, sizeHint > 0 {
            _ = BrotliEncoderSetParameter(state, BROTLI_PARAM_SIZE_HINT, UInt32(clamping: sizeHint))
        }
    }

    deinit { BrotliEncoderDestroyInstance(state) }

    public func encode(_ input: ByteBuffer, into output: inout ByteBuffer) throws(CodecError) {
        try run(input, operation: BROTLI_OPERATION_PROCESS, into: &output)
    }

    public func finish(into output: inout ByteBuffer) throws(CodecError) {
        try run(ByteBuffer(), operation: BROTLI_OPERATION_FINISH, into: &output)
    }

    private func run(_ input: ByteBuffer, operation: BrotliEncoderOperation, into output: inout ByteBuffer) throws(CodecError) {
        let state = self.state
        try input.withReadable { (raw) throws(CodecError) in
            var availableIn = raw.count
            var nextIn = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            while true {
                _ = try output.appendPiece { (out) throws(CodecError) -> Int in
                    var availableOut = out.count
                    var nextOut = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
                    guard BrotliEncoderCompressStream(state, operation, &availableIn, &nextIn, &availableOut, &nextOut, nil) == BROTLI_TRUE else {
                        throw .corrupt(.br)
                    }
                    return out.count - availableOut
                }
                let more = BrotliEncoderHasMoreOutput(state) == BROTLI_TRUE
                let done = operation == BROTLI_OPERATION_FINISH ? BrotliEncoderIsFinished(state) == BROTLI_TRUE : availableIn == 0
                if done, !more { return }
            }
        }
    }
}

/// Brotli decompression through libbrotlidec.
public final class BrotliDecoder: StreamingDecoder {
    private let state: OpaquePointer
    private var ended = false

    public init() throws(CodecError) {
        guard let state = BrotliDecoderCreateInstance(nil, nil, nil) else { throw .setupFailed(.br) }
        self.state = state
    }

    deinit { BrotliDecoderDestroyInstance(state) }

    public func decode(_ input: ByteBuffer, into output: inout ByteBuffer, limit: Int) throws(CodecError) {
        let state = self.state
        let start = output.readableBytes
        var ended = self.ended
        try input.withReadable { (raw) throws(CodecError) in
            var availableIn = raw.count
            var nextIn = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            while true {
                if ended {
                    // Bytes after the end of the stream are not part of it.
                    if availableIn > 0 { throw .corrupt(.br) }
                    return
                }
                var result = BROTLI_DECODER_RESULT_ERROR
                _ = try output.appendPiece { (out) throws(CodecError) -> Int in
                    var availableOut = out.count
                    var nextOut = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
                    result = BrotliDecoderDecompressStream(state, &availableIn, &nextIn, &availableOut, &nextOut, nil)
                    return out.count - availableOut
                }
                if output.readableBytes - start > limit { throw .tooLarge }
                switch result {
                case BROTLI_DECODER_RESULT_SUCCESS: ended = true
                case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: return
                case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: continue
                default: throw .corrupt(.br)
                }
            }
        }
        self.ended = ended
    }

    public func finish() throws(CodecError) {
        guard ended else { throw .truncated(.br) }
    }
}
