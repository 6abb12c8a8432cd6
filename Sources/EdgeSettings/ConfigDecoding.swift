/// A problem found while decoding one value, before its file and line are known.
///
/// Thrown from `init(from:)` of config types; the loader turns it into a `ConfigError`,
/// adding the line and (when `showsActual`) what the file actually says.
struct ConfigIssue: Error {
    var path: [ConfigPath.Component]
    var message: String
    /// Whether the loader should append `, got <value as written>`.
    var showsActual: Bool

    init(path: [ConfigPath.Component], message: String, showsActual: Bool = true) {
        self.path = path
        self.message = message
        self.showsActual = showsActual
    }

    init(at decoder: any Decoder, _ message: String, showsActual: Bool = true) {
        self.init(path: ConfigPath.components(decoder.codingPath), message: message, showsActual: showsActual)
    }
}

/// TOML scalars read by config types; decoding failures say what was expected.
protocol ConfigScalar: Decodable {
    /// For messages: "an integer", "a string"…
    static var expectation: String { get }
    static func decodeValue<K: CodingKey>(_ container: KeyedDecodingContainer<K>, _ key: K) throws -> Self
}

extension ConfigScalar {
    static func decodeValue<K: CodingKey>(_ container: KeyedDecodingContainer<K>, _ key: K) throws -> Self {
        try container.decode(Self.self, forKey: key)
    }
}

extension Int: ConfigScalar {
    static var expectation: String { "expected an integer" }
}

extension Bool: ConfigScalar {
    static var expectation: String { "expected true or false" }
}

extension String: ConfigScalar {
    static var expectation: String { "expected a string" }
}

extension Double: ConfigScalar {
    static var expectation: String { "expected a number" }

    static func decodeValue<K: CodingKey>(_ container: KeyedDecodingContainer<K>, _ key: K) throws -> Double {
        // TOML keeps integers and floats apart; `heuristic_fraction = 1` should still work.
        if let value = try? container.decode(Double.self, forKey: key) { return value }
        return Double(try container.decode(Int.self, forKey: key))
    }
}

extension KeyedDecodingContainer {
    /// The scalar at `key`, or `defaultValue` when the key is absent.
    func field<T: ConfigScalar>(_ key: Key, default defaultValue: T) throws -> T {
        guard contains(key) else { return defaultValue }
        return try scalar(T.self, key)
    }

    private func scalar<T: ConfigScalar>(_ type: T.Type, _ key: Key) throws -> T {
        do {
            return try T.decodeValue(self, key)
        } catch let issue as ConfigIssue {
            throw issue
        } catch {
            throw ConfigIssue(path: ConfigPath.components(codingPath + [key]), message: T.expectation)
        }
    }

    /// The value at `key`, or `defaultValue` when the key is absent.
    func field<T: Decodable>(_ key: Key, default defaultValue: T) throws -> T {
        guard contains(key) else { return defaultValue }
        return try decode(T.self, forKey: key)
    }

    /// The scalar at `key`, or nil when the key is absent.
    func optionalField<T: ConfigScalar>(_ key: Key) throws -> T? {
        guard contains(key) else { return nil }
        return try scalar(T.self, key)
    }

}

extension SingleValueDecodingContainer {
    /// Reads a string, or throws an issue that says what was expected.
    func configString(_ expectation: String, at decoder: any Decoder) throws -> String {
        do {
            return try decode(String.self)
        } catch {
            throw ConfigIssue(at: decoder, expectation)
        }
    }
}

/// Config enums: spelt in TOML as their raw value, e.g. `eviction = "s3fifo"`.
public protocol ConfigEnum: RawRepresentable<String>, CaseIterable, Codable, Sendable, Hashable {}

extension ConfigEnum {
    /// "one of "a", "b", "c"", for messages.
    static var choices: String {
        "one of " + allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.configString("expected \(Self.choices)", at: decoder)
        guard let value = Self(rawValue: raw) else {
            throw ConfigIssue(at: decoder, "expected \(Self.choices)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
