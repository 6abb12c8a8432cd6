/// A content coding the edge can produce or undo (RFC 9110 §8.4.1).
public enum ContentCoding: String, Sendable, Hashable, CaseIterable, Codable {
    case br
    case zstd
    case gzip
    case identity

    /// The codings the edge makes, best first: among equally acceptable codings the first wins.
    public static let preference: [ContentCoding] = [.br, .zstd, .gzip, .identity]

    /// The coding named by a `Content-Encoding` or `Accept-Encoding` token (`x-gzip` is gzip, RFC 9110 §8.4.1.3).
    public init?(token: Substring) {
        switch token.lowercased() {
        case "br": self = .br
        case "zstd": self = .zstd
        case "gzip", "x-gzip": self = .gzip
        case "identity": self = .identity
        default: return nil
        }
    }

    /// How a response with these header fields is coded: identity without `Content-Encoding`, nil
    /// when it names a coding (or a chain of codings) the edge cannot undo.
    public static func of(_ contentEncoding: [String]) -> ContentCoding? {
        var codings: [ContentCoding] = []
        for value in contentEncoding {
            for part in value.split(separator: ",") {
                let token = Substring(part.trimmingHTTPWhitespace())
                if token.isEmpty { continue }
                guard let coding = ContentCoding(token: token) else { return nil }
                if coding != .identity { codings.append(coding) }
            }
        }
        switch codings.count {
        case 0: return .identity
        case 1: return codings[0]
        default: return nil
        }
    }

    /// The file name suffix of a precompressed sibling (`app.js.br`).
    public var fileSuffix: String? {
        switch self {
        case .br: return ".br"
        case .zstd: return ".zst"
        case .gzip: return ".gz"
        case .identity: return nil
        }
    }
}
