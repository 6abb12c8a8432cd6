/// An entity-tag (RFC 9110 §8.8.3): an opaque validator, optionally marked weak with `W/`.
///
/// `opaque` holds the characters between the double quotes, without the quotes, so
/// `EntityTag("W/\"a1\"")` has `isWeak == true` and `opaque == "a1"`; `description`
/// puts the quotes (and `W/`) back, giving the original text for any valid input.
///
/// `==` compares exactly (weakness included). Use ``strongMatch(_:)`` and
/// ``weakMatch(_:)`` for the comparisons HTTP defines.
public struct EntityTag: Sendable, Hashable, CustomStringConvertible {
    /// Marked weak (`W/`): equivalent content, not byte-identical.
    public var isWeak: Bool
    /// The tag's characters between the quotes (quotes not included).
    public var opaque: String

    /// Parse one entity-tag such as `"xyzzy"` or `W/"xyzzy"`; surrounding whitespace is
    /// allowed. Nil if the value is not exactly one valid entity-tag (an unquoted value,
    /// a lowercase `w/`, a `"` or control character inside the tag).
    public init?(_ value: String) {
        var scanner = EntityTagScanner(Array(value.utf8))
        scanner.skipWhitespace()
        guard let tag = scanner.scanEntityTag() else { return nil }
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { return nil }
        self = tag
    }

    /// Make an entity-tag from its opaque characters (without quotes). Nil if `opaque`
    /// holds a character an entity-tag cannot carry (`"`, space, control characters).
    public init?(opaque: String, isWeak: Bool = false) {
        guard opaque.utf8.allSatisfy(EntityTagScanner.isETagChar) else { return nil }
        self.opaque = opaque
        self.isWeak = isWeak
    }

    /// The field-value form: `"opaque"` or `W/"opaque"`.
    public var description: String {
        (isWeak ? "W/\"" : "\"") + opaque + "\""
    }

    /// Strong comparison (RFC 9110 §8.8.3.2): neither tag is weak and the opaque parts are identical.
    public func strongMatch(_ other: EntityTag) -> Bool {
        !isWeak && !other.isWeak && opaque == other.opaque
    }

    /// Weak comparison (RFC 9110 §8.8.3.2): the opaque parts are identical, weakness ignored.
    public func weakMatch(_ other: EntityTag) -> Bool {
        opaque == other.opaque
    }

    /// Parse a comma-separated list of entity-tags (`If-None-Match`, `If-Match` lines joined
    /// with commas). Empty list members are skipped, as RFC 9110 §5.6.1 allows.
    /// Nil if any member is not a valid entity-tag — including `*`; use
    /// ``EntityTagCondition`` for fields where `*` is allowed.
    public static func parseList(_ value: String) -> [EntityTag]? {
        var scanner = EntityTagScanner(Array(value.utf8))
        var tags: [EntityTag] = []
        while true {
            scanner.skipWhitespace()
            if scanner.isAtEnd { return tags }
            if scanner.consume(UInt8(ascii: ",")) { continue }
            guard let tag = scanner.scanEntityTag() else { return nil }
            tags.append(tag)
            scanner.skipWhitespace()
            if scanner.isAtEnd { return tags }
            guard scanner.consume(UInt8(ascii: ",")) else { return nil }
        }
    }
}

/// The value of `If-Match` or `If-None-Match`: `*` or a list of entity-tags.
public enum EntityTagCondition: Sendable, Hashable {
    /// `*`: any current representation.
    case any
    /// An explicit list (possibly empty if the field held only commas).
    case tags([EntityTag])

    /// Parse a field value; several field lines should be joined with `", "` first.
    /// Nil if the value is neither `*` nor a valid list of entity-tags.
    public init?(_ value: String) {
        if value.trimmingHTTPWhitespace() == "*" {
            self = .any
        } else if let tags = EntityTag.parseList(value) {
            self = .tags(tags)
        } else {
            return nil
        }
    }

    /// Whether this condition names `tag`, using weak or strong comparison.
    /// `.any` matches whenever a representation exists (`tag` may be nil when it has no ETag).
    public func matches(_ tag: EntityTag?, representationExists: Bool = true, weak: Bool) -> Bool {
        switch self {
        case .any:
            return representationExists
        case .tags(let tags):
            guard let tag else { return false }
            return tags.contains { weak ? $0.weakMatch(tag) : $0.strongMatch(tag) }
        }
    }
}

/// A byte scanner for the entity-tag grammar; works on UTF-8 so that obs-text passes through.
private struct EntityTagScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index >= bytes.count }

    /// etagc = %x21 / %x23-7E / obs-text
    static func isETagChar(_ byte: UInt8) -> Bool {
        byte == 0x21 || (0x23...0x7E).contains(byte) || byte >= 0x80
    }

    mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; leaves the index unspecified on failure.
    mutating func scanEntityTag() -> EntityTag? {
        var weak = false
        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "W"), bytes[index + 1] == UInt8(ascii: "/") {
            weak = true
            index += 2
        }
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count, Self.isETagChar(bytes[index]) { index += 1 }
        let end = index
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let opaque = String(decoding: bytes[start..<end], as: UTF8.self)
        return EntityTag(uncheckedOpaque: opaque, isWeak: weak)
    }
}

extension EntityTag {
    fileprivate init(uncheckedOpaque opaque: String, isWeak: Bool) {
        self.opaque = opaque
        self.isWeak = isWeak
    }
}
