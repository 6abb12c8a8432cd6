import NIOCore

/// Inserts bytes just before a page's `</body>` while the page streams past, chunk by chunk,
/// without holding the page: only a few bytes that may start a tag stay behind between chunks.
///
/// `</body>` counts only in markup: not inside comments, nor in the raw text of `script`,
/// `style`, `textarea` and `title` elements. The first such `</body>` gets the insertion; a page
/// without one passes through unchanged. Pieces handed back are slices of the input (no copies)
/// plus the insertion itself.
public struct BodyEndInjector {
    private enum Mode: Equatable {
        case markup
        case comment
        /// Inside an element whose content is text, until its end tag (lower-case name).
        case rawText([UInt8])
        case done
    }

    private let insertion: ByteBuffer
    private var mode = Mode.markup
    /// Bytes from the end of the previous chunk that may begin a token.
    private var pending = ByteBuffer()
    public private(set) var inserted = false

    public init(insertion: String) {
        self.insertion = ByteBuffer(string: insertion)
    }

    /// The pieces to send for `chunk`, in order (possibly none while bytes are held back).
    public mutating func feed(_ chunk: ByteBuffer) -> [ByteBuffer] {
        if mode == .done, pending.readableBytes == 0 { return [chunk] }
        var input: ByteBuffer
        if pending.readableBytes > 0 {
            input = pending
            var chunk = chunk
            input.writeBuffer(&chunk)
            pending = ByteBuffer()
        } else {
            input = chunk
        }
        return scan(input, final: false)
    }

    /// The bytes still held back, at the end of the body.
    public mutating func finish() -> [ByteBuffer] {
        guard pending.readableBytes > 0 else { return [] }
        let rest = pending
        pending = ByteBuffer()
        return scan(rest, final: true)
    }

    private mutating func scan(_ input: ByteBuffer, final: Bool) -> [ByteBuffer] {
        let view = input.readableBytesView
        let base = view.startIndex
        let count = view.count
        var index = 0
        func byte(_ offset: Int) -> UInt8 { view[base + offset] }
        /// Whether the bytes at `offset` are `text` (ASCII, case-insensitive); nil when the input ends first.
        func matches(_ offset: Int, _ text: [UInt8]) -> Bool? {
            for (position, expected) in text.enumerated() {
                guard offset + position < count else { return final ? false : nil }
                var actual = byte(offset + position)
                if actual >= 65, actual <= 90 { actual += 32 }
                if actual != expected { return false }
            }
            return true
        }
        /// Whether a tag name ends at `offset` (space, `/` or `>`); nil when the input ends first.
        func endsName(_ offset: Int) -> Bool? {
            guard offset < count else { return final ? true : nil }
            switch byte(offset) {
            case 9, 10, 12, 13, 32, UInt8(ascii: "/"), UInt8(ascii: ">"): return true
            default: return false
            }
        }
        func holdBack(from offset: Int) -> [ByteBuffer] {
            pending = input.getSlice(at: input.readerIndex + offset, length: count - offset) ?? ByteBuffer()
            guard offset > 0, let emitted = input.getSlice(at: input.readerIndex, length: offset) else { return [] }
            return [emitted]
        }

        while index < count {
            switch mode {
            case .done:
                return [input]
            case .markup:
                guard byte(index) == UInt8(ascii: "<") else {
                    index += 1
                    continue
                }
                guard let comment = matches(index, Array("<!--".utf8)) else { return holdBack(from: index) }
                if comment {
                    mode = .comment
                    index += 4
                    continue
                }
                guard let closeBody = matches(index, Array("</body".utf8)) else { return holdBack(from: index) }
                if closeBody {
                    guard let ended = endsName(index + 6) else { return holdBack(from: index) }
                    if ended {
                        mode = .done
                        inserted = true
                        var pieces: [ByteBuffer] = []
                        if index > 0, let before = input.getSlice(at: input.readerIndex, length: index) { pieces.append(before) }
                        pieces.append(insertion)
                        if let after = input.getSlice(at: input.readerIndex + index, length: count - index) { pieces.append(after) }
                        return pieces
                    }
                }
                var entered = false
                for name in ["script", "style", "textarea", "title"] {
                    let opening = Array(("<" + name).utf8)
                    guard let opens = matches(index, opening) else { return holdBack(from: index) }
                    guard opens else { continue }
                    guard let ended = endsName(index + opening.count) else { return holdBack(from: index) }
                    if ended {
                        mode = .rawText(Array(name.utf8))
                        index += opening.count
                        entered = true
                    }
                    break
                }
                if !entered { index += 1 }
            case .comment:
                guard byte(index) == UInt8(ascii: "-") else {
                    index += 1
                    continue
                }
                guard let end = matches(index, Array("-->".utf8)) else { return holdBack(from: index) }
                if end {
                    mode = .markup
                    index += 3
                } else {
                    index += 1
                }
            case .rawText(let name):
                guard byte(index) == UInt8(ascii: "<") else {
                    index += 1
                    continue
                }
                let closing = Array("</".utf8) + name
                guard let closes = matches(index, closing) else { return holdBack(from: index) }
                if closes {
                    guard let ended = endsName(index + closing.count) else { return holdBack(from: index) }
                    if ended {
                        mode = .markup
                        index += closing.count
                        continue
                    }
                }
                index += 1
            }
        }
        return [input]
    }
}
