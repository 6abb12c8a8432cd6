// The response head of a hit turned into wire bytes. Kept apart so that a faster path (a header
// block serialised once when the response is stored) can be measured against it.
import NIOCore
import NIOHTTP1

enum HitHeadSerialiser {
    /// What NIOHTTP1's `HTTPResponseEncoder` writes for an HTTP/1.1 head: a fresh 256-byte buffer,
    /// the status line (a static string for 200), then `name: value\r\n` per field and `\r\n`.
    static func serialise(status: HTTPResponseStatus, headers: HTTPHeaders, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 256)
        if status == .ok {
            buffer.writeStaticString("HTTP/1.1 200 OK\r\n")
        } else {
            buffer.writeStaticString("HTTP/1.1 ")
            buffer.writeString(String(status.code))
            buffer.writeStaticString(" ")
            buffer.writeString(status.reasonPhrase)
            buffer.writeStaticString("\r\n")
        }
        for (name, value) in headers {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// The status line and prepared fields of a 200, serialised once (what could be kept beside the
    /// stored response); the hit then appends only its own fields.
    static func preserialisedBlock(prepared: HTTPHeaders, allocator: ByteBufferAllocator) -> ByteBuffer {
        var block = serialise(status: .ok, headers: prepared, allocator: allocator)
        // Without the blank line that ends the head: the per-hit fields follow.
        block.moveWriterIndex(to: block.writerIndex - 2)
        return block
    }

    /// A hit's head from a pre-serialised block: one copy of the block, then Cache-Status and Age.
    static func serialise(block: ByteBuffer, cacheStatus: String, age: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: block.readableBytes + 64)
        buffer.writeImmutableBuffer(block)
        buffer.writeStaticString("cache-status: ")
        buffer.writeString(cacheStatus)
        buffer.writeStaticString("\r\nage: ")
        buffer.writeString(String(age))
        buffer.writeStaticString("\r\n\r\n")
        return buffer
    }
}
