import NIOHTTP1

/// Vary secondary key (RFC 9111 §4.1): the normalised values of the request fields a response's Vary names.
public struct SecondaryKey: Sendable, Hashable {
    /// Lowercased field names from Vary, de-duplicated, in order.
    public var varyNames: [String]
    /// Normalised request values, one per name; nil when the request lacked the field.
    public var values: [String?]

    /// A key as it was recorded (a disk record's).
    public init(varyNames: [String], values: [String?]) {
        self.varyNames = varyNames
        self.values = values
    }

    /// nil when Vary contains "*" (never matches). No Vary -> empty key (matches every request).
    public init?(vary responseHeaders: HTTPHeaders, request requestHeaders: HTTPHeaders) {
        var names: [String] = []
        for line in responseHeaders["vary"] {
            for name in CacheControl.fieldNames(line) {
                if name == "*" { return nil }
                if !names.contains(name) { names.append(name) }
            }
        }
        varyNames = names
        values = names.map { Self.normalisedValue(of: $0, in: requestHeaders) }
    }

    /// Does this stored variant match a new request? Every named field must have the same normalised
    /// value; a field absent from both matches, absent from one only does not.
    public func matches(_ requestHeaders: HTTPHeaders) -> Bool {
        matches { Self.normalisedValue(of: $0, in: requestHeaders) }
    }

    /// `normalisedValue(name)`: the request's value of the (lowercase) field `name` as
    /// `normalisedValue(of:lines:)` gives it, for callers that keep normalised values between requests.
    public func matches(normalisedValue: (String) -> String?) -> Bool {
        zip(varyNames, values).allSatisfy { name, value in normalisedValue(name) == value }
    }

    /// Fields whose members are case-insensitive and whose order carries no meaning (preference is
    /// expressed by q-values), so they are compared as sorted, lowercased lists (RFC 9111 §4.1).
    static let unorderedCaseInsensitiveFields: Set<String> = ["accept", "accept-charset", "accept-encoding", "accept-language"]

    /// All field lines combined with ",", list members trimmed, inner whitespace runs collapsed,
    /// so `a,b`, `a, b` and two lines `a` / `b` are equal. Accept-* members are also lowercased and sorted.
    static func normalisedValue(of name: String, in headers: HTTPHeaders) -> String? {
        normalisedValue(of: name, lines: headers[name])
    }

    public static func normalisedValue(of name: String, lines: [String]) -> String? {
        guard !lines.isEmpty else { return nil }
        let unordered = unorderedCaseInsensitiveFields.contains(name)
        var members: [String] = []
        for line in lines {
            for member in line.split(separator: ",", omittingEmptySubsequences: false) {
                var collapsed = member.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
                if unordered {
                    collapsed = collapsed.lowercased().split(separator: ";").map { $0.trimmingHTTPWhitespace() }
                        .joined(separator: ";")
                }
                if !collapsed.isEmpty { members.append(collapsed) }
            }
        }
        if unordered { members.sort() }
        return members.joined(separator: ",")
    }
}

extension SecondaryKey {
    /// The key a request has for a response that varies on `names` (lowercase field names).
    public init(varyNames names: [String], request requestHeaders: HTTPHeaders) {
        varyNames = names
        values = names.map { Self.normalisedValue(of: $0, in: requestHeaders) }
    }

    /// One line per name, `name` or `name=value` (a field the request lacked has no `=`): names the
    /// variant among a URL's others (a disk record's name).
    public var identity: String {
        zip(varyNames, values).map { name, value in value.map { "\(name)=\($0)" } ?? name }.joined(separator: "\n")
    }
}
