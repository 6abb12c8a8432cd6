#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CEdgeSystem
import EdgeCore
import NIOCore

/// Opening and reading one record file, in one of two modes. `.cachedOnly` never waits for the disk:
/// the open succeeds only when the path is in the kernel's lookup cache, and reads only when the bytes
/// are in the page cache (else `.wouldBlock`, and the caller goes to the disk threads), so an event
/// loop may use it. `.blocking` is for the disk threads.
enum DiskRecordFile {
    enum Mode {
        case cachedOnly
        case blocking
    }

    /// What opening a record gave.
    enum Opened {
        /// The whole record, for one no larger than the limit asked for.
        case whole(ByteBuffer)
        /// A larger record: its head's bytes (at least the head) and the open file, which the caller owns.
        case head(ByteBuffer, file: OpenRecord)
        case absent
        /// `.cachedOnly` could not do it without waiting for the disk.
        case wouldBlock
    }

    /// Bytes read first from a large record: any head the edge writes fits (a head is re-read whole if not).
    static let headProbe = 8192

    /// Opens the record `hash` (under `directory`, or kept open in `openRecords`) and reads it whole
    /// if it is no larger than `wholeLimit` bytes, else its head.
    static func open(_ hash: UInt64, in directory: Int32, root: String, openRecords: OpenRecordCache, mode: Mode, wholeLimit: Int,
                     allocator: ByteBufferAllocator) throws -> Opened {
        let seen = openRecords.lookup(hash)
        let file: OpenRecord
        if let kept = seen?.file {
            file = kept
        } else {
            switch try openFile(DiskFiles.relativePath(hash), in: directory, root: root, mode: mode) {
            case .opened(let opened): file = opened
            case .absent: return .absent
            case .wouldBlock: return .wouldBlock
            }
            if let seen { openRecords.keep(file, for: hash, seen: seen) }
        }
        let size = file.size
        let whole = size <= wholeLimit
        let first = whole ? size : min(size, headProbe)
        guard var bytes = try file.read(at: 0, count: first, mode: mode, allocator: allocator) else { return .wouldBlock }
        if whole {
            return .whole(bytes)
        }
        // A head longer than the probe (many or long fields): the rest of it too.
        if let headLength = try? DiskRecordHead.headLength(of: bytes), headLength > bytes.readableBytes, headLength <= size {
            guard var rest = try file.read(at: bytes.readableBytes, count: headLength - bytes.readableBytes, mode: mode, allocator: allocator) else { return .wouldBlock }
            bytes.writeBuffer(&rest)
        }
        return .head(bytes, file: file)
    }

    private enum OpenedFile {
        case opened(OpenRecord)
        case absent
        case wouldBlock
    }

    /// The record file at `relativePath`, open, with its size.
    private static func openFile(_ relativePath: String, in directory: Int32, root: String, mode: Mode) throws -> OpenedFile {
        let descriptor: Int32
        switch mode {
        case .cachedOnly:
            descriptor = edge_open_cached(directory, relativePath)
        case .blocking:
            descriptor = edge_open_record(directory, relativePath)
        }
        guard descriptor >= 0 else {
            let error = errno
            if error == ENOENT { return .absent }
            if mode == .cachedOnly { return .wouldBlock }
            throw DiskFiles.Failure(description: "cannot open \(root)/\(relativePath): \(String(cString: strerror(error)))")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let error = errno
            close(descriptor)
            throw DiskFiles.Failure(description: "cannot stat \(root)/\(relativePath): \(String(cString: strerror(error)))")
        }
        return .opened(OpenRecord(descriptor: descriptor, size: Int(info.st_size)))
    }
}

/// An open record file, closed when the last reference to it goes. Reads at an offset (`pread`), so
/// any thread may read it at any time.
final class OpenRecord: Sendable {
    let descriptor: Int32
    let size: Int

    init(descriptor: Int32, size: Int) {
        self.descriptor = descriptor
        self.size = size
    }

    deinit {
        close(descriptor)
    }

    /// `count` bytes at `offset`: all of them, or nil in `.cachedOnly` mode when they are not all in
    /// the page cache. Throws on an I/O error or a file shorter than asked.
    func read(at offset: Int, count: Int, mode: DiskRecordFile.Mode, allocator: ByteBufferAllocator) throws -> ByteBuffer? {
        var buffer = allocator.buffer(capacity: count)
        var done = 0
        while done < count {
            var failure: Int32 = 0
            let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { bytes -> Int in
                guard let base = bytes.baseAddress else { return 0 }
                let result: Int
                switch mode {
                case .cachedOnly: result = edge_pread_nowait(descriptor, base, count - done, off_t(offset + done))
                case .blocking: result = pread(descriptor, base, count - done, off_t(offset + done))
                }
                if result < 0 { failure = errno }
                return max(0, result)
            }
            if failure == EINTR { continue }
            if mode == .cachedOnly, failure != 0 || got < count - done {
                // Not all in memory (a short read means part of it is not): the disk threads read it.
                return nil
            }
            if failure != 0 { throw DiskFiles.Failure(description: "cannot read a disk record: \(String(cString: strerror(failure)))") }
            if got == 0 { throw DiskFiles.Failure(description: "a disk record is shorter than its length") }
            done += got
        }
        return buffer
    }
}
