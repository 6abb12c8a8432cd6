/// The path of a request target with its dot segments resolved (RFC 3986 §5.2.4), as the cache keys
/// it and the origin receives it, so that `/a/./b` and `/a/b` are one object and no `..` ever reaches
/// an origin.
///
/// `%2e` is read as a dot, as origins that decode before resolving read it. Stricter than §5.2.4 on
/// purpose: a path that climbs above the root is refused instead of clamped (only an attack sends
/// one), and so is a `..` next to an encoded slash or a backslash (`..%2f`, `..\`), which origins
/// that decode or treat `\` as `/` would resolve while the edge could not. Other percent-encoding is
/// left as the client sent it.
public enum TargetPath {
    public enum Resolution: Sendable, Equatable {
        /// No dot segment: the target is sent and keyed as it is.
        case unchanged
        case resolved(String)
        case refused(String)
    }

    /// Resolves the path of an origin-form (`/a/../b?x`) or absolute-form (`http://h/a/../b`) target;
    /// the query is kept as it is. Other forms (`*`) are unchanged.
    public static func resolve(_ target: String) -> Resolution {
        let utf8 = target.utf8
        let pathStart: String.Index
        if utf8.first == UInt8(ascii: "/") {
            pathStart = target.startIndex
        } else if let schemeEnd = target.range(of: "://") {
            guard let slash = target[schemeEnd.upperBound...].firstIndex(where: { $0 == "/" || $0 == "?" }),
                  target[slash] == "/" else { return .unchanged }
            pathStart = slash
        } else {
            return .unchanged
        }
        let pathEnd = target[pathStart...].firstIndex(of: "?") ?? target.endIndex
        let path = target[pathStart..<pathEnd]
        guard mayHaveDotSegments(path.utf8) else { return .unchanged }
        switch removeDotSegments(path, clampAtRoot: false) {
        case .failure(let reason):
            return .refused(reason.message)
        case .success(nil):
            return .unchanged
        case .success(let resolved?):
            return .resolved(String(target[..<pathStart]) + resolved + String(target[pathEnd...]))
        }
    }

    /// Whether a path may hold a dot segment (plain or encoded), an encoded slash or a backslash: when
    /// not, it is its own resolution and nothing needs splitting.
    public static func mayHaveDotSegments<Bytes: Collection<UInt8>>(_ path: Bytes) -> Bool {
        var previous: UInt8 = 0
        var index = path.startIndex
        while index != path.endIndex {
            let byte = path[index]
            switch byte {
            case UInt8(ascii: "."):
                if previous == UInt8(ascii: "/") || previous == UInt8(ascii: ".") { return true }
            case UInt8(ascii: "\\"):
                return true
            case UInt8(ascii: "%"):
                let first = path.index(after: index)
                guard first != path.endIndex else { break }
                let second = path.index(after: first)
                guard second != path.endIndex else { break }
                switch (path[first], path[second] | 0x20) {
                case (UInt8(ascii: "2"), UInt8(ascii: "e")), (UInt8(ascii: "2"), UInt8(ascii: "f")), (UInt8(ascii: "5"), UInt8(ascii: "c")):
                    return true
                default:
                    break
                }
            default:
                break
            }
            previous = byte
            index = path.index(after: index)
        }
        return false
    }

    public struct Refusal: Error, Equatable {
        public var message: String
    }

    /// `path` (starting with "/") without its dot segments: nil when it had none. With `clampAtRoot`
    /// a `..` at the root is dropped, as §5.2.4 says, instead of refused (for purge keys, which name
    /// what is stored rather than what a client asked for).
    public static func removeDotSegments(_ path: Substring, clampAtRoot: Bool) -> Result<String?, Refusal> {
        var output: [Substring] = []
        var changed = false
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            switch kind(of: segment) {
            case .plain:
                output.append(segment)
            case .current:
                changed = true
                if isLast { output.append("") }
            case .parent:
                changed = true
                if output.isEmpty {
                    guard clampAtRoot else { return .failure(Refusal(message: "request path climbs above the root")) }
                } else {
                    output.removeLast()
                }
                if isLast { output.append("") }
            case .hiddenParent:
                return .failure(Refusal(message: "request path hides \"..\" behind an encoded slash or a backslash"))
            }
        }
        guard changed else { return .success(nil) }
        return .success("/" + output.joined(separator: "/"))
    }

    private enum SegmentKind {
        case plain, current, parent, hiddenParent
    }

    private static func kind(of segment: Substring) -> SegmentKind {
        let pieces = decodedPieces(segment)
        if pieces.count == 1 {
            switch pieces[0] {
            case ".": return .current
            case "..": return .parent
            default: return .plain
            }
        }
        return pieces.contains("..") ? .hiddenParent : .plain
    }

    /// The segment with `%2e` read as "." and split where an encoded slash (`%2f`, `%5c`) or a
    /// backslash stands, for telling dot segments apart; only short pieces are spelt out.
    private static func decodedPieces(_ segment: Substring) -> [String] {
        var pieces: [String] = []
        var current: [UInt8] = []
        let bytes = Array(segment.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count {
                let code = (bytes[index + 1] | 0x20, bytes[index + 2] | 0x20)
                if code == (UInt8(ascii: "2"), UInt8(ascii: "e")) {
                    current.append(UInt8(ascii: "."))
                    index += 3
                    continue
                }
                if code == (UInt8(ascii: "2"), UInt8(ascii: "f")) || code == (UInt8(ascii: "5"), UInt8(ascii: "c")) {
                    pieces.append(String(decoding: current, as: UTF8.self))
                    current = []
                    index += 3
                    continue
                }
            }
            if byte == UInt8(ascii: "\\") {
                pieces.append(String(decoding: current, as: UTF8.self))
                current = []
            } else {
                current.append(byte)
            }
            index += 1
        }
        pieces.append(String(decoding: current, as: UTF8.self))
        return pieces
    }
}
