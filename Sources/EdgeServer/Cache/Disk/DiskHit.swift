import EdgeCore
import NIOCore

/// What the disk tier found for a request.
enum DiskHit: Sendable {
    /// A small record, read and checked whole: the response with its body, ready to be promoted into memory.
    case whole(CachedResponse)
    /// A larger record, its head and body checked: the response's fields (its `body` empty) and the
    /// body, which streams from the file.
    case streamed(CachedResponse, DiskBody)
}

/// A stored body in its record file: any range of it can be read, at any time, from any thread.
struct DiskBody: Sendable {
    let file: OpenRecord
    /// Where the body starts in the file.
    let offset: Int
    let length: Int

    /// The body's bytes `range` (relative to the body): from the page cache without waiting when
    /// `mode` is `.cachedOnly` (nil when they are not all there), else from the disk.
    func read(_ range: Range<Int>, mode: DiskRecordFile.Mode, allocator: ByteBufferAllocator) throws -> ByteBuffer? {
        try file.read(at: offset + range.lowerBound, count: range.count, mode: mode, allocator: allocator)
    }
}
