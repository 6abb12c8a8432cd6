import NIOHTTP1

/// A parsed `Accept-Encoding` field and the choice it makes among the codings on offer
/// (RFC 9110 §12.5.3).
///
/// - No field at all: the client states no preference; the edge sends identity.
/// - An empty field: only identity is acceptable.
/// - `q=0` refuses a coding; `*` stands for every coding not named; identity is acceptable unless
///   refused by `identity;q=0`, or by `*;q=0` when identity is not named.
/// - Among codings of equal quality the edge prefers br, then zstd, then gzip, then identity;
///   identity that is not named ranks below every named coding with a quality above zero.
public struct AcceptEncoding: Sendable, Equatable {
    /// Qualities of the codings the field names (`x-gzip` counts as gzip).
    public private(set) var named: [ContentCoding: Double] = [:]
    /// The quality `*` gives, when present.
    public private(set) var wildcard: Double?
    /// Whether the request carried the field.
    public let present: Bool

    public init(_ headers: HTTPHeaders) {
        self.init(fieldValues: headers.contains(name: "accept-encoding") ? headers[canonicalForm: "accept-encoding"].map(String.init) : nil)
    }

    /// `fieldValues` nil means the request had no `Accept-Encoding`.
    public init(fieldValues: [String]?) {
        present = fieldValues != nil
        for value in fieldValues ?? [] {
            for member in value.split(separator: ",") {
                let parts = member.split(separator: ";")
                guard let first = parts.first else { continue }
                let token = first.trimmingHTTPWhitespace()
                if token.isEmpty { continue }
                guard let quality = Self.quality(parts.dropFirst()) else { continue }
                if token == "*" {
                    wildcard = quality
                } else if let coding = ContentCoding(token: Substring(token)) {
                    // A repeated coding keeps its first quality, as most servers do.
                    if named[coding] == nil { named[coding] = quality }
                }
            }
        }
    }

    /// How much the client wants `coding`, 0 when refused. Identity that the field does not name
    /// gets a token quality below any named one.
    public func quality(of coding: ContentCoding) -> Double {
        guard present else { return coding == .identity ? 1 : 0 }
        if let quality = named[coding] { return quality }
        if coding == .identity {
            if let wildcard, wildcard == 0 { return 0 }
            return Self.implicitIdentity
        }
        return wildcard ?? 0
    }

    /// Whether the client refuses an uncoded response.
    public var refusesIdentity: Bool { quality(of: .identity) == 0 }

    /// The best of `available` for this client, nil when it accepts none of them (a 406 when
    /// identity is among them and refused).
    public func negotiate(_ available: [ContentCoding]) -> ContentCoding? {
        var best: (coding: ContentCoding, quality: Double)?
        for coding in ContentCoding.preference where available.contains(coding) {
            let quality = quality(of: coding)
            if quality > 0, quality > (best?.quality ?? 0) {
                best = (coding, quality)
            }
        }
        return best?.coding
    }

    static let implicitIdentity = 0.0001

    /// The `q` parameter (RFC 9110 §12.4.2): 1 when absent, nil when malformed.
    private static func quality(_ parameters: ArraySlice<Substring>) -> Double? {
        var quality = 1.0
        for parameter in parameters {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingHTTPWhitespace().lowercased() == "q" else { continue }
            let text = pair[1].trimmingHTTPWhitespace()
            guard text.utf8.count <= 5, let value = Double(text), value >= 0, value <= 1 else { return nil }
            quality = value
        }
        return quality
    }
}
