import NIOCore
import Testing

@testable import EdgeServer

#if os(Linux)
@Suite("The process allocates with jemalloc")
struct AllocatorTests {
    @Test("blocks the process allocates (Swift objects, NIO's buffers) come from jemalloc, not the C library's malloc")
    func jemallocServesTheProcess() throws {
        let version = try #require(Allocator.version)
        #expect(version.hasPrefix("5."), "\(version)")
        let block = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)
        defer { block.deallocate() }
        #expect(Allocator.owns(block))
        var buffer = ByteBufferAllocator().buffer(capacity: 300)
        buffer.writeString("stored fields and body")
        buffer.withUnsafeReadableBytes { bytes in
            if let base = bytes.baseAddress { #expect(Allocator.owns(base)) }
        }
        // A block jemalloc did not hand out is not its own: the check can fail.
        var onTheStack = 0
        withUnsafeBytes(of: &onTheStack) { bytes in
            if let base = bytes.baseAddress { #expect(!Allocator.owns(base)) }
        }
        let figures = try #require(Allocator.figures)
        #expect(figures.allocated > 0 && figures.resident >= figures.allocated / 2, "\(figures)")
    }
}
#endif
