/// Just enough of RFC 8941 (Structured Field Values) to validate and read a dictionary such as
/// `CDN-Cache-Control`. Parameters are checked for syntax and then dropped.
enum StructuredDictionary {
    enum Item: Equatable {
        case integer(Int), decimal, string(String), token(String), bytes, boolean(Bool), innerList([String])
    }

    static func parse(_ text: String) -> [(String, Item)]? {
        var parser = Parser(bytes: Array(text.utf8))
        return parser.dictionary()
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skip(_ isSkipped: (UInt8) -> Bool) {
            while let byte = current, isSkipped(byte) { index += 1 }
        }

        mutating func dictionary() -> [(String, Item)]? {
            var members: [(String, Item)] = []
            skip { $0 == 0x20 }
            guard current != nil else { return nil }  // empty field: ignored like an invalid one
            while current != nil {
                guard let name = key() else { return nil }
                var item = Item.boolean(true)
                if current == .equals {
                    index += 1
                    if current == UInt8(ascii: "(") {
                        guard let list = innerList() else { return nil }
                        item = list
                    } else {
                        guard let bare = bareItem() else { return nil }
                        item = bare
                    }
                }
                guard parameters() else { return nil }
                if let existing = members.firstIndex(where: { $0.0 == name }) {
                    members[existing].1 = item  // RFC 8941: the last duplicate key wins
                } else {
                    members.append((name, item))
                }
                skip { $0.isHTTPWhitespace }
                guard current != nil else { return members }
                guard current == .comma else { return nil }
                index += 1
                skip { $0.isHTTPWhitespace }
                guard current != nil else { return nil }  // trailing comma
            }
            return members
        }

        mutating func key() -> String? {
            guard let first = current, first == UInt8(ascii: "*") || (0x61...0x7A).contains(first) else { return nil }
            let start = index
            skip { byte in
                (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || "_-.*".utf8.contains(byte)
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func parameters() -> Bool {
            while current == UInt8(ascii: ";") {
                index += 1
                skip { $0 == 0x20 }
                guard key() != nil else { return false }
                if current == .equals {
                    index += 1
                    guard bareItem() != nil else { return false }
                }
            }
            return true
        }

        mutating func innerList() -> Item? {
            index += 1  // "("
            var names: [String] = []
            while true {
                skip { $0 == 0x20 }
                guard let byte = current else { return nil }
                if byte == UInt8(ascii: ")") {
                    index += 1
                    return parameters() ? .innerList(names) : nil
                }
                guard let item = bareItem(), parameters() else { return nil }
                switch item {
                case .string(let text), .token(let text): names.append(text)
                default: names.append("")
                }
                guard let next = current, next == 0x20 || next == UInt8(ascii: ")") else { return nil }
            }
        }

        mutating func bareItem() -> Item? {
            guard let byte = current else { return nil }
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return number()
            case .quote:
                return string()
            case UInt8(ascii: "*"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                let start = index
                skip { $0.isTchar || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") }
                return .token(String(decoding: bytes[start..<index], as: UTF8.self))
            case UInt8(ascii: ":"):
                index += 1
                skip { $0 != UInt8(ascii: ":") && ($0.isTchar || $0 == UInt8(ascii: "/") || $0 == .equals) }
                guard current == UInt8(ascii: ":") else { return nil }
                index += 1
                return .bytes
            case UInt8(ascii: "?"):
                index += 1
                guard let digit = current, digit == UInt8(ascii: "0") || digit == UInt8(ascii: "1") else { return nil }
                index += 1
                return .boolean(digit == UInt8(ascii: "1"))
            default:
                return nil
            }
        }

        mutating func number() -> Item? {
            var negative = false
            if current == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            let start = index
            skip { (0x30...0x39).contains($0) }
            let integerDigits = index - start
            guard integerDigits > 0 else { return nil }
            if current == UInt8(ascii: ".") {
                index += 1
                let fractionStart = index
                skip { (0x30...0x39).contains($0) }
                let fractionDigits = index - fractionStart
                guard integerDigits <= 12, (1...3).contains(fractionDigits) else { return nil }
                return .decimal
            }
            guard integerDigits <= 15, let value = Int(String(decoding: bytes[start..<index], as: UTF8.self)) else {
                return nil
            }
            return .integer(negative ? -value : value)
        }

        mutating func string() -> Item? {
            index += 1
            var out: [UInt8] = []
            while let byte = current {
                index += 1
                if byte == .backslash {
                    guard let escaped = current, escaped == .quote || escaped == .backslash else { return nil }
                    out.append(escaped)
                    index += 1
                } else if byte == .quote {
                    return .string(String(decoding: out, as: UTF8.self))
                } else if byte < 0x20 || byte > 0x7E {
                    return nil
                } else {
                    out.append(byte)
                }
            }
            return nil
        }
    }
}
