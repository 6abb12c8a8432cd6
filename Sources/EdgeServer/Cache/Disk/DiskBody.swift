import EdgeCore
import NIOCore

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
