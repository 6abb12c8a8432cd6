#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeCore
import NIOCore
import Synchronization

/// One record written while its response streams to the client (from `CacheFill`), so that an object
/// too large for memory is stored without being held in memory. The pieces are written in order by
/// one task at a time on the disk threads, into a file in `tmp` that is renamed into place only when
/// the body is whole and its head rewritten with its length; an abandoned fill (the origin failed,
/// the client left, the disk fell too far behind) removes its file and leaves nothing visible.
final class DiskFill: StorageFill, Sendable {
    private enum Ending {
        case finish
        case abandon
    }

    /// The open temporary file; held by at most one task at a time (taken out of `State` while written).
    private struct Writer {
        let descriptor: Int32
        let temporary: String
        var bodyBytes = 0
        var checksum: UInt32 = 0
    }

    private struct State {
        var queued: [ByteBuffer] = []
        var queuedBytes = 0
        /// A task is draining the queue (and holds the writer).
        var draining = false
        var writer: Writer?
        var ending: Ending?
        var done = false
    }

    private let store: DiskStore
    private let hash: UInt64
    private let head: DiskRecordHead
    /// The head's length, which does not change when its body length is filled in at the end.
    private let headLength: Int
    private let state = Mutex(State())
    /// Past this many bytes waiting for the disk the fill gives up rather than hold more in memory.
    static let maxQueuedBytes = 8 << 20

    init(store: DiskStore, hash: UInt64, head: DiskRecordHead) {
        self.store = store
        self.hash = hash
        self.head = head
        headLength = head.encoded().readableBytes
    }

    /// The next piece of the body (from the event loop); false once the fill was given up.
    @discardableResult
    func write(_ piece: ByteBuffer) -> Bool {
        let (accepted, start) = state.withLock { state -> (Bool, Bool) in
            guard !state.done, state.ending == nil else { return (false, false) }
            if state.queuedBytes + piece.readableBytes > Self.maxQueuedBytes {
                state.ending = .abandon
                store.stats.shed.add()
                return (false, Self.claimDrain(&state))
            }
            state.queued.append(piece)
            state.queuedBytes += piece.readableBytes
            return (true, Self.claimDrain(&state))
        }
        if start { scheduleDrain() }
        return accepted
    }

    /// The body is whole: the record goes into place once the pieces before it are written.
    func finish() -> StorageFillOutcome {
        end(.finish)
        return .pending
    }

    /// Nothing of this fill is stored.
    func abandon() {
        end(.abandon)
    }

    private func end(_ ending: Ending) {
        let start = state.withLock { state -> Bool in
            guard !state.done, state.ending == nil else { return false }
            state.ending = ending
            return Self.claimDrain(&state)
        }
        if start { scheduleDrain() }
    }

    private static func claimDrain(_ state: inout State) -> Bool {
        guard !state.draining else { return false }
        state.draining = true
        return true
    }

    private func scheduleDrain() {
        store.submit { [self] active in drain(active: active) }
    }

    /// Writes what is queued, then ends the record if it was asked to; runs on a disk thread, the only
    /// one draining this fill (`State.draining`).
    private func drain(active: Bool) {
        var writer = state.withLock { $0.writer }
        while true {
            let (pieces, ending) = state.withLock { state -> ([ByteBuffer], Ending?) in
                let pieces = state.queued
                state.queued = []
                state.queuedBytes = 0
                return (pieces, state.ending)
            }
            let abandoned: Bool
            if case .abandon = ending { abandoned = true } else { abandoned = !active }
            if abandoned || (pieces.isEmpty && ending != nil) {
                complete(writer, finish: !abandoned)
                state.withLock { state in
                    state.writer = nil
                    state.done = true
                    state.draining = false
                }
                return
            }
            if pieces.isEmpty {
                // Hand the writer back, unless a piece or an ending arrived meanwhile.
                let handedBack = state.withLock { state -> Bool in
                    guard state.queued.isEmpty, state.ending == nil else { return false }
                    state.writer = writer
                    state.draining = false
                    return true
                }
                if handedBack { return }
                continue
            }
            do {
                var current = try writer ?? createFile()
                for piece in pieces {
                    try DiskFiles.write(piece, to: current.descriptor, at: headLength + current.bodyBytes)
                    current.bodyBytes += piece.readableBytes
                    current.checksum = piece.withUnsafeReadableBytes { CRC32C.extend(current.checksum, $0) }
                }
                writer = current
                if current.bodyBytes > store.settings.maxObjectBytes {
                    state.withLock { $0.ending = .abandon }
                }
            } catch {
                store.writeFailed(error)
                state.withLock { $0.ending = .abandon }
            }
        }
    }

    /// Creates the temporary file and writes the head (its body length still 0).
    private func createFile() throws -> Writer {
        let (descriptor, temporary) = try store.files.createTemporary(hash)
        do {
            try DiskFiles.write(head.encoded(), to: descriptor, at: 0)
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        return Writer(descriptor: descriptor, temporary: temporary)
    }

    /// Puts the record into place (`finish`), or removes it.
    private func complete(_ writer: Writer?, finish: Bool) {
        guard let writer else {
            store.fillAbandoned()
            return
        }
        defer { close(writer.descriptor) }
        guard finish else {
            unlink(writer.temporary)
            store.fillAbandoned()
            return
        }
        var final = head
        final.bodyLength = writer.bodyBytes
        var trailer = ByteBuffer()
        trailer.writeInteger(writer.checksum)
        do {
            try DiskFiles.write(trailer, to: writer.descriptor, at: headLength + writer.bodyBytes)
            try DiskFiles.write(final.encoded(), to: writer.descriptor, at: 0)
        } catch {
            unlink(writer.temporary)
            store.writeFailed(error)
            store.fillAbandoned()
            return
        }
        store.commit(writer.temporary, hash: hash, size: headLength + writer.bodyBytes + 4)
    }
}
