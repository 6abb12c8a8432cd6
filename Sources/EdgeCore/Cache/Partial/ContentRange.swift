/// A `Content-Range` of one satisfied range with a known complete length (RFC 9110 §14.4):
/// `bytes 4-9/10`. Responses whose length is unknown (`bytes 4-9/*`) or that name an unsatisfied
/// range (`bytes */10`) are not pieces a cache can place, so they do not parse.
public struct ContentRange: Sendable, Hashable {
    public var first: Int
    public var last: Int
    /// The whole representation's length.
    public var total: Int

    public init?(first: Int, last: Int, total: Int) {
        guard first >= 0, first <= last, last < total else { return nil }
        self.first = first
        self.last = last
        self.total = total
    }

    public init?(_ value: String) {
        let trimmed = value.trimmingHTTPWhitespace()
        guard trimmed.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = trimmed.dropFirst(6).trimmingHTTPWhitespace()
        let halves = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2 else { return nil }
        let bounds = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Self.digits(bounds[0]), let last = Self.digits(bounds[1]),
              let total = Self.digits(halves[1]) else { return nil }
        self.init(first: first, last: last, total: total)
    }

    public var range: ClosedRange<Int> { first...last }
    public var count: Int { last - first + 1 }
    /// The piece is the whole representation.
    public var isComplete: Bool { first == 0 && last == total - 1 }

    /// `bytes 4-9/10`.
    public var headerValue: String { "bytes \(first)-\(last)/\(total)" }

    private static func digits(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int(text)
    }
}
