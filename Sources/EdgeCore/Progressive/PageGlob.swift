/// A glob over request paths from a progressive manifest: `*` matches any characters except `/`,
/// `**` any characters including `/` (or none). Everything else matches itself.
public struct PageGlob: Sendable, Hashable, CustomStringConvertible {
    private enum Piece: Hashable {
        case literal([UInt8])
        case segmentWildcard
        case anyWildcard
    }

    private let pieces: [Piece]
    public let description: String

    public init(_ pattern: String) {
        description = pattern
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        let bytes = Array(pattern.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "*") {
                if !literal.isEmpty {
                    pieces.append(.literal(literal))
                    literal = []
                }
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                    pieces.append(.anyWildcard)
                    index += 2
                } else {
                    pieces.append(.segmentWildcard)
                    index += 1
                }
            } else {
                literal.append(bytes[index])
                index += 1
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    /// Whether `path` (without query) matches the whole pattern.
    public func matches(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        return Self.match(pieces[...], bytes[...])
    }

    private static func match(_ pieces: ArraySlice<Piece>, _ path: ArraySlice<UInt8>) -> Bool {
        guard let first = pieces.first else { return path.isEmpty }
        let rest = pieces.dropFirst()
        switch first {
        case .literal(let literal):
            guard path.starts(with: literal) else { return false }
            return match(rest, path.dropFirst(literal.count))
        case .segmentWildcard, .anyWildcard:
            // Try every split point; patterns are short, paths are short.
            var candidate = path
            while true {
                if match(rest, candidate) { return true }
                guard let next = candidate.first else { return false }
                if case .segmentWildcard = first, next == UInt8(ascii: "/") { return false }
                candidate = candidate.dropFirst()
            }
        }
    }
}
