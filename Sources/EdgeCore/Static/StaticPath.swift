/// A request target turned into a path inside a static folder, or refused: percent-decoded once,
/// no `..` or `.` segments (however encoded), no NUL, no backslashes, no empty segments in between.
/// Symlinks that lead out of the folder are the file server's check, after resolving.
public enum StaticPath {
    public enum Resolution: Sendable, Equatable {
        /// Segments under the folder; `isDirectory` when the path ended in `/`.
        case file(segments: [String], isDirectory: Bool)
        case refused
    }

    public static func resolve(_ target: String) -> Resolution {
        var path = Substring(target)
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            path = path[..<query]
        }
        guard path.hasPrefix("/"), let decoded = percentDecoded(path) else { return .refused }
        if decoded.contains("\0") || decoded.contains("\\") { return .refused }
        let parts = decoded.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var segments: [String] = []
        for (index, part) in parts.enumerated() {
            if part.isEmpty {
                // Only a trailing slash may leave an empty segment.
                if index == parts.count - 1 { break }
                return .refused
            }
            if part == "." || part == ".." { return .refused }
            segments.append(String(part))
        }
        return .file(segments: segments, isDirectory: decoded.hasSuffix("/"))
    }

    /// `%XX` decoded once; nil for a malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
