import Foundation

/// The body of `POST /purge`: `{"urls":[...],"prefixes":[...],"tags":[...],"all":false,"soft":false}`.
///
/// Decoded strictly: unknown fields, wrong types and malformed URLs are errors that name the field.
public struct PurgeRequest: Sendable, Equatable, Codable {
    public var urls: [String]
    public var prefixes: [String]
    public var tags: [String]
    public var all: Bool
    public var soft: Bool

    public init(urls: [String] = [], prefixes: [String] = [], tags: [String] = [], all: Bool = false, soft: Bool = false) {
        self.urls = urls
        self.prefixes = prefixes
        self.tags = tags
        self.all = all
        self.soft = soft
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case urls, prefixes, tags, all, soft
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let names = try decoder.container(keyedBy: AnyKey.self)
        for key in names.allKeys where CodingKeys(rawValue: key.stringValue) == nil {
            throw PurgeRequestError(field: key.stringValue, message: "unknown field (expected urls, prefixes, tags, all, soft)")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        urls = try c.decodeIfPresent([String].self, forKey: .urls) ?? []
        prefixes = try c.decodeIfPresent([String].self, forKey: .prefixes) ?? []
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        all = try c.decodeIfPresent(Bool.self, forKey: .all) ?? false
        soft = try c.decodeIfPresent(Bool.self, forKey: .soft) ?? false
    }

    /// Decodes a request body; errors name the offending field.
    public static func parse(_ body: [UInt8]) throws(PurgeRequestError) -> PurgeRequest {
        do {
            return try JSONDecoder().decode(PurgeRequest.self, from: Data(body))
        } catch let error as PurgeRequestError {
            throw error
        } catch let DecodingError.typeMismatch(type, context) {
            throw PurgeRequestError(field: fieldName(context.codingPath), message: "expected \(type == Bool.self ? "true or false" : type == String.self ? "a string" : "an array of strings")")
        } catch let DecodingError.valueNotFound(_, context) {
            throw PurgeRequestError(field: fieldName(context.codingPath), message: "null is not allowed")
        } catch {
            throw PurgeRequestError(field: nil, message: "malformed JSON: expected an object like {\"urls\":[\"http://host/path\"]}")
        }
    }

    private static func fieldName(_ path: [any CodingKey]) -> String? {
        guard let first = path.first else { return nil }
        return path.dropFirst().reduce(first.stringValue) { name, key in
            key.intValue.map { "\(name)[\($0)]" } ?? "\(name).\(key.stringValue)"
        }
    }

    /// The purge as cache keys. `serves` says whether this node serves a host (a URL for another
    /// host is an error: it would purge nothing and hide a mistake).
    public func selection(serves: (String) -> Bool) throws(PurgeRequestError) -> PurgeSelection {
        var selection = PurgeSelection(all: all, soft: soft)
        for (index, url) in urls.enumerated() {
            selection.keys.append(try Self.key(url, field: "urls[\(index)]", serves: serves))
        }
        for (index, prefix) in prefixes.enumerated() {
            selection.prefixes.append(try Self.key(prefix, field: "prefixes[\(index)]", serves: serves))
        }
        for (index, tag) in tags.enumerated() {
            guard PurgeTags.isValid(tag) else {
                throw PurgeRequestError(field: "tags[\(index)]", message: "a tag is a non-empty word without spaces or commas")
            }
            selection.tags.append(tag)
        }
        if selection.isEmpty {
            throw PurgeRequestError(field: nil, message: "nothing to purge: give urls, prefixes, tags or \"all\": true")
        }
        return selection
    }

    private static func key(_ url: String, field: String, serves: (String) -> Bool) throws(PurgeRequestError) -> CacheKey {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), let key = CacheKey(absoluteURL: url) else {
            throw PurgeRequestError(field: field, message: "expected an absolute http(s) URL like \"http://shop.example/a\", got \"\(url)\"")
        }
        guard serves(key.host) else {
            throw PurgeRequestError(field: field, message: "this node serves no site for host \"\(key.host)\"")
        }
        return key
    }
}

/// Why a purge request was refused; `field` names the offending field when there is one.
public struct PurgeRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String?
    public var message: String

    public init(field: String?, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.map { "\($0): \(message)" } ?? message }
}
