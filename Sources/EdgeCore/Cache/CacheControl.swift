import NIOHTTP1

/// How much staleness a request accepts (`max-stale` request directive, RFC 9111 §5.2.1.2).
public enum MaxStale: Sendable, Equatable {
    /// `max-stale` without a value: any staleness.
    case any
    /// `max-stale=N`: at most N seconds past the freshness lifetime.
    case seconds(Int)
}

/// Parsed Cache-Control-style directives (used for Cache-Control, CDN-Cache-Control, Surrogate-Control).
///
/// Parsing follows RFC 9111 §5.2: comma-separated directives, case-insensitive names,
/// token or quoted-string arguments. A malformed directive (e.g. `max-age =5`) is dropped on its own;
/// for valued directives the first occurrence wins (§4.2.1 allows "first occurrence").
/// An invalid `max-age`/`s-maxage` argument (`-1`, `a1`, `'5'`) means "stale at once" (lifetime 0).
public struct CacheControl: Sendable, Equatable {
    public typealias MaxStale = EdgeCore.MaxStale

    /// One directive as it appeared, name lowercased, argument unquoted.
    public struct Directive: Sendable, Equatable {
        public var name: String
        public var value: String?
        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    /// Every well-formed directive in field order, including extensions.
    public var directives: [Directive] = []

    public var maxAge: Int?
    public var sMaxAge: Int?
    public var noStore = false
    /// Unqualified `no-cache` only; `no-cache="a, b"` fills `noCacheFields` instead.
    public var noCache = false
    public var noCacheFields: [String] = []
    /// Unqualified `private` only; `private="a"` fills `privateFields` instead.
    public var isPrivate = false
    public var privateFields: [String] = []
    public var isPublic = false
    public var mustRevalidate = false
    public var proxyRevalidate = false
    public var noTransform = false
    public var immutable = false
    /// `must-understand` (RFC 9111 §5.2.2.3): store only if the status code's caching rules are known.
    public var mustUnderstand = false
    public var staleWhileRevalidate: Int?
    public var staleIfError: Int?
    public var maxStale: MaxStale?
    public var minFresh: Int?
    public var onlyIfCached = false

    /// No directives at all.
    public var isEmpty: Bool { directives.isEmpty }

    /// An empty set of directives.
    public init() {}

    /// Parses every line of `field` in `headers`, joined as one comma-separated list.
    /// `cdn-cache-control` is parsed as an RFC 8941 dictionary (RFC 9213); if it is not a valid one,
    /// the result is empty, i.e. the field is ignored.
    public init(_ headers: HTTPHeaders, field: String = "cache-control") {
        let lines = headers[field]
        guard !lines.isEmpty else {
            self.init()
            return
        }
        let joined = lines.joined(separator: ", ")
        if field.lowercased() == "cdn-cache-control" {
            self = CacheControl(structured: joined) ?? CacheControl()
        } else {
            self.init(parsing: joined)
        }
    }

    /// Parses one Cache-Control field value (RFC 9111 syntax).
    public init(parsing value: String) {
        self.init(directives: Self.parseDirectives(value))
    }

    /// Parses an RFC 9213 targeted field (`CDN-Cache-Control`) as a Structured Fields dictionary.
    /// Returns nil when the value is not a valid dictionary or a known directive has the wrong type
    /// (e.g. `max-age="60"`); RFC 9213 §2.1 says such a field is ignored.
    public init?(structured value: String) {
        guard let members = StructuredDictionary.parse(value.lowercased()) else { return nil }
        var list: [Directive] = []
        for (key, item) in members {
            switch key {
            case "max-age", "s-maxage", "stale-while-revalidate", "stale-if-error", "min-fresh", "max-stale":
                guard case .integer(let number) = item, number >= 0 else { return nil }
                list.append(Directive(name: key, value: String(min(number, CacheLimits.maxDeltaSeconds))))
            case "no-cache", "private":
                switch item {
                case .boolean(true): list.append(Directive(name: key, value: nil))
                case .boolean(false): continue
                case .string(let text), .token(let text): list.append(Directive(name: key, value: text))
                case .innerList(let names): list.append(Directive(name: key, value: names.joined(separator: ", ")))
                default: return nil
                }
            default:
                switch item {
                case .boolean(true): list.append(Directive(name: key, value: nil))
                case .boolean(false): continue
                case .integer(let number): list.append(Directive(name: key, value: String(number)))
                case .string(let text), .token(let text): list.append(Directive(name: key, value: text))
                default: list.append(Directive(name: key, value: ""))
                }
            }
        }
        self.init(directives: list)
    }

    /// Builds the typed view from a directive list.
    public init(directives: [Directive]) {
        self.directives = directives
        for directive in directives {
            switch directive.name {
            // The first occurrence sets them (never to nil), so nil means none came before.
            case "max-age":
                if maxAge == nil { maxAge = directive.value.flatMap { parseDeltaSeconds($0) } ?? 0 }
            case "s-maxage":
                if sMaxAge == nil { sMaxAge = directive.value.flatMap { parseDeltaSeconds($0) } ?? 0 }
            case "no-store": noStore = true
            case "no-cache":
                if let value = directive.value {
                    noCacheFields.append(contentsOf: Self.fieldNames(value))
                } else {
                    noCache = true
                }
            case "private":
                if let value = directive.value {
                    privateFields.append(contentsOf: Self.fieldNames(value))
                } else {
                    isPrivate = true
                }
            case "public": isPublic = true
            case "must-revalidate": mustRevalidate = true
            case "proxy-revalidate": proxyRevalidate = true
            case "no-transform": noTransform = true
            case "immutable": immutable = true
            case "must-understand": mustUnderstand = true
            case "only-if-cached": onlyIfCached = true
            case "stale-while-revalidate":
                if staleWhileRevalidate == nil { staleWhileRevalidate = directive.value.flatMap { parseDeltaSeconds($0) } }
            case "stale-if-error":
                if staleIfError == nil { staleIfError = directive.value.flatMap { parseDeltaSeconds($0) } }
            case "min-fresh":
                if minFresh == nil { minFresh = directive.value.flatMap { parseDeltaSeconds($0) } }
            case "max-stale":
                if maxStale == nil {
                    if let value = directive.value {
                        maxStale = parseDeltaSeconds(value).map { .seconds($0) }
                    } else {
                        maxStale = .any
                    }
                }
            default: break
            }
        }
    }

    /// The value of the first directive called `name` (lowercase), `.some(nil)` when it has no argument.
    public func value(of name: String) -> String?? {
        directives.first { $0.name == name }.map { $0.value }
    }

    /// `"a, B"` -> `["a", "b"]`.
    static func fieldNames(_ value: String) -> [String] {
        value.split(separator: ",").compactMap {
            let name = $0.trimmingHTTPWhitespace().lowercased()
            return name.isEmpty ? nil : name
        }
    }

    static func parseDirectives(_ value: String) -> [Directive] {
        // Parsed again by each policy that asks on a miss: the bytes are read where they lie.
        var value = value
        return value.withUTF8 { parseDirectives(utf8: $0) }
    }

    private static func parseDirectives(utf8 bytes: UnsafeBufferPointer<UInt8>) -> [Directive] {
        var result: [Directive] = []
        var index = 0
        while index < bytes.count {
            while index < bytes.count, bytes[index] == .comma || bytes[index].isHTTPWhitespace { index += 1 }
            guard index < bytes.count else { break }
            let nameStart = index
            while index < bytes.count, bytes[index].isTchar { index += 1 }
            var valid = index > nameStart
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<index]), as: UTF8.self).lowercased()
            var argument: String?
            if valid, index < bytes.count, bytes[index] == .equals {
                index += 1
                if index < bytes.count, bytes[index] == .quote {
                    index += 1
                    var unquoted: [UInt8] = []
                    var closed = false
                    while index < bytes.count {
                        let byte = bytes[index]
                        index += 1
                        if byte == .backslash, index < bytes.count {
                            unquoted.append(bytes[index])
                            index += 1
                        } else if byte == .quote {
                            closed = true
                            break
                        } else {
                            unquoted.append(byte)
                        }
                    }
                    valid = closed
                    argument = String(decoding: unquoted, as: UTF8.self)
                } else {
                    let valueStart = index
                    while index < bytes.count, bytes[index].isTchar { index += 1 }
                    valid = index > valueStart
                    argument = String(decoding: UnsafeBufferPointer(rebasing: bytes[valueStart..<index]), as: UTF8.self)
                }
            }
            while index < bytes.count, bytes[index].isHTTPWhitespace { index += 1 }
            if index < bytes.count, bytes[index] != .comma {
                // Malformed directive (e.g. "max-age =5"): skip to the next comma outside quotes.
                valid = false
                var inQuotes = false
                while index < bytes.count {
                    let byte = bytes[index]
                    if inQuotes {
                        if byte == .backslash { index += 1 } else if byte == .quote { inQuotes = false }
                    } else if byte == .quote {
                        inQuotes = true
                    } else if byte == .comma {
                        break
                    }
                    index += 1
                }
            }
            if valid { result.append(Directive(name: name, value: argument)) }
        }
        return result
    }
}

extension UInt8 {
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")

    var isHTTPWhitespace: Bool { self == 0x20 || self == 0x09 }

    /// RFC 9110 §5.6.2 tchar.
    var isTchar: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(self)
        }
    }
}
