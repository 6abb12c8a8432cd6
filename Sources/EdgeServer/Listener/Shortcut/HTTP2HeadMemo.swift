import NIOCore
import NIOHPACK

/// The HTTP/2 form of recently answered stored heads, per event loop, so that a hot object's fields are
/// lowercased and made into strings once rather than on every HTTP/2 hit (about 4 % of one).
///
/// Direct-mapped by the address of the prepared lines' bytes. A slot keeps the lines it was made from,
/// which keeps their storage alive: an equal address and length can then only be the same bytes, since
/// NIO copies a shared buffer before any change. The price is that up to `slotCount` prepared heads (a
/// stored response's fields, and its body when it is packed with them: at most 64 KiB) outlive their
/// eviction until their slot is taken: at most a few MiB per loop, outside `memory_size`.
final class HTTP2HeadMemo {
    static let slotCount = 64

    private struct Slot {
        var lines: ByteBuffer
        var status: Int
        var fields: HPACKHeaders
    }

    private var slots = [Slot?](repeating: nil, count: slotCount)

    /// `hit`'s header block for this hit: the stored part from the memo (made now when missing),
    /// then Cache-Status and Age.
    func fields(for hit: PreparedHit, cacheStatus: String, age: Int) -> HPACKHeaders {
        guard let (address, count) = Self.identity(of: hit.fieldLines) else {
            return hit.http2Fields(cacheStatus: cacheStatus, age: age)
        }
        let index = Int(truncatingIfNeeded: (address >> 4) ^ (address >> 12)) & (Self.slotCount - 1)
        var head: HPACKHeaders
        if let slot = slots[index], slot.status == hit.status, let (slotAddress, slotCount) = Self.identity(of: slot.lines),
           slotAddress == address, slotCount == count {
            head = slot.fields
        } else {
            guard let made = hit.http2StoredFields() else {
                return hit.http2Fields(cacheStatus: cacheStatus, age: age)
            }
            slots[index] = Slot(lines: hit.fieldLines, status: hit.status, fields: made)
            head = made
        }
        head.add(name: "cache-status", value: cacheStatus)
        head.add(name: "age", value: String(age))
        return head
    }

    private static func identity(of lines: ByteBuffer) -> (UInt, Int)? {
        lines.withUnsafeReadableBytes { bytes in
            bytes.baseAddress.map { (UInt(bitPattern: $0), bytes.count) }
        }
    }
}
