import NIOCore
import Synchronization

/// Counts the TLS records a client receives, from the bytes under its TLS handler (record headers
/// are in the clear: RFC 8446 §5.1). Only application-data records count: in TLS 1.3 everything
/// after the handshake, session tickets too, travels as such.
final class TLSRecordCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private struct State {
        /// Bytes of the current record's header seen so far (a header may straddle two reads).
        var header: [UInt8] = []
        /// Bytes of the current record's body still to come.
        var remaining = 0
        var applicationData = 0
    }

    private let state = Mutex(State())

    /// Application-data records received so far.
    var applicationData: Int { state.withLock { $0.applicationData } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        state.withLock { state in
            var view = bytes.readableBytesView[...]
            while !view.isEmpty {
                if state.remaining > 0 {
                    let skipped = min(state.remaining, view.count)
                    state.remaining -= skipped
                    view = view.dropFirst(skipped)
                    continue
                }
                state.header.append(view.removeFirst())
                if state.header.count == 5 {
                    if state.header[0] == 23 { state.applicationData += 1 }
                    state.remaining = Int(state.header[3]) << 8 | Int(state.header[4])
                    state.header = []
                }
            }
        }
        context.fireChannelRead(data)
    }
}
