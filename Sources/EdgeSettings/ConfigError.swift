/// A configuration problem, told in one line: `edge.conf:12: cache.memory_size: expected …`.
///
/// Every failure of loading, parsing, validating or overriding a configuration is one of
/// these, so the command line can print `description` and exit 1.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file (as given by the user), `environment`, or empty for a configuration built in code.
    public var file: String
    /// 1-based line in `file`, when known.
    public var line: Int?
    /// 1-based column in `file`, known only for TOML syntax errors.
    public var column: Int?
    /// The key path, e.g. `pools[1].servers[0].url`, when the problem belongs to one key.
    public var key: String?
    /// What is wrong, without the location.
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    public var description: String {
        var location = file
        if let line {
            location += location.isEmpty ? "line \(line)" : ":\(line)"
            if let column { location += ":\(column)" }
        }
        var parts: [String] = []
        if !location.isEmpty { parts.append(location) }
        if let key, !key.isEmpty { parts.append(key) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
