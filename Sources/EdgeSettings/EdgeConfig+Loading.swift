import Foundation
import TOMLKit

extension EdgeConfig {
    /// Reads, decodes and validates the TOML file at `path`.
    ///
    /// Errors name `path` as given, the line and the key: `edge.conf:12: cache.memory_size: …`.
    public static func load(path: String) throws(ConfigError) -> EdgeConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let message = FileManager.default.fileExists(atPath: path)
                ? "cannot read the file as UTF-8 text"
                : "no such file"
            throw ConfigError(file: path, message: message)
        }
        return try parse(text, fileName: path)
    }

    /// Decodes and validates TOML text; `fileName` is used in error messages.
    ///
    /// Unknown keys are errors (strict decoding), so a misspelt key never goes unnoticed.
    public static func parse(_ text: String, fileName: String) throws(ConfigError) -> EdgeConfig {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: fileName,
                line: error.source.begin.line,
                column: error.source.begin.column,
                message: error.description
            )
        } catch {
            throw ConfigError(file: fileName, message: "not valid TOML")
        }

        let locator = TOMLKeyLocator(text: text)
        let config: EdgeConfig
        do {
            config = try TOMLDecoder(strictDecoding: true).decode(EdgeConfig.self, from: table)
        } catch {
            throw DecodingErrorTranslator(fileName: fileName, locator: locator).configError(for: error)
        }

        do {
            try config.validate()
        } catch {
            var located = error
            located.file = fileName
            located.line = locator.line(for: ConfigPath.parse(error.key ?? ""))
            throw located
        }
        return config
    }
}

/// Turns TOMLKit decoding errors and `ConfigIssue`s into one-line `ConfigError`s.
struct DecodingErrorTranslator {
    var fileName: String
    var locator: TOMLKeyLocator

    func configError(for error: any Error) -> ConfigError {
        switch error {
        case let issue as ConfigIssue:
            return located(issue.path, issue.message, showsActual: issue.showsActual)
        case let unexpected as UnexpectedKeysError:
            return unknownKey(unexpected)
        case let decoding as DecodingError:
            return translate(decoding)
        default:
            return ConfigError(file: fileName, message: "cannot be read: \(error)")
        }
    }

    private func located(_ path: [ConfigPath.Component], _ message: String, showsActual: Bool) -> ConfigError {
        var message = message
        if showsActual, let raw = locator.entry(for: ConfigPath.render(path))?.rawValue {
            message += ", got \(raw)"
        }
        return ConfigError(
            file: fileName,
            line: locator.line(for: path),
            key: ConfigPath.render(path),
            message: message
        )
    }

    private func unknownKey(_ error: UnexpectedKeysError) -> ConfigError {
        let paths = error.keys.values.map { ConfigPath.components($0) }
        // Report the first unknown key in the file, so fixing errors top-down works.
        let first = paths.min { a, b in
            let (lineA, lineB) = (locator.line(for: a), locator.line(for: b))
            return lineA != lineB ? lineA < lineB : ConfigPath.render(a) < ConfigPath.render(b)
        } ?? []
        var message = "unknown key"
        if case .key(let name)? = first.last,
           let suggestion = KnownKeys.suggestion(for: name, in: Array(first.dropLast())) {
            message += " (did you mean \"\(suggestion)\"?)"
        }
        return located(first, message, showsActual: false)
    }

    private func translate(_ error: DecodingError) -> ConfigError {
        switch error {
        case .typeMismatch(let type, let context):
            return located(ConfigPath.components(context.codingPath), Self.expectation(for: type), showsActual: true)
        case .keyNotFound(_, let context), .valueNotFound(_, let context):
            // TOMLKit reports a present key of the wrong type as "key not found".
            return located(ConfigPath.components(context.codingPath), "has the wrong type", showsActual: true)
        case .dataCorrupted(let context):
            return located(ConfigPath.components(context.codingPath), context.debugDescription, showsActual: true)
        @unknown default:
            return ConfigError(file: fileName, message: "cannot be read: \(error)")
        }
    }

    private static func expectation(for type: Any.Type) -> String {
        switch type {
        case is TOMLTable.Type: return "expected a table"
        case is TOMLArray.Type: return "expected an array"
        case is String.Type: return String.expectation
        case is Int.Type: return Int.expectation
        case is Bool.Type: return Bool.expectation
        case is Double.Type: return Double.expectation
        default: return "has the wrong type"
        }
    }
}

/// The keys each table accepts, for "did you mean" hints.
enum KnownKeys {
    static func keys(in table: [ConfigPath.Component]) -> [String] {
        let names = table.compactMap { component -> String? in
            if case .key(let name) = component { return name }
            return nil
        }
        switch names.joined(separator: ".") {
        case "": return EdgeConfig.CodingKeys.allCases.map(\.rawValue)
        case "server": return ServerConfig.CodingKeys.allCases.map(\.rawValue)
        case "tls": return TLSConfig.CodingKeys.allCases.map(\.rawValue)
        case "tls.certificates": return CertificateConfig.CodingKeys.allCases.map(\.rawValue)
        case "http2": return HTTP2Config.CodingKeys.allCases.map(\.rawValue)
        case "cache": return CacheConfig.CodingKeys.allCases.map(\.rawValue)
        case "pools": return PoolConfig.CodingKeys.allCases.map(\.rawValue)
        case "pools.tls": return OriginTLSConfig.CodingKeys.allCases.map(\.rawValue)
        case "pools.servers": return OriginServerConfig.CodingKeys.allCases.map(\.rawValue)
        case "pools.health_check": return HealthCheckConfig.CodingKeys.allCases.map(\.rawValue)
        case "degradation": return DegradationConfig.CodingKeys.allCases.map(\.rawValue)
        case "sites": return SiteConfig.CodingKeys.allCases.map(\.rawValue)
        case "admin": return AdminConfig.CodingKeys.allCases.map(\.rawValue)
        case "purge": return PurgeConfig.CodingKeys.allCases.map(\.rawValue)
        case "logging": return LoggingConfig.CodingKeys.allCases.map(\.rawValue)
        default: return []
        }
    }

    /// The known key closest to `name`, if it is a plausible misspelling.
    static func suggestion(for name: String, in table: [ConfigPath.Component]) -> String? {
        let candidates = keys(in: table).map { ($0, editDistance($0, name)) }
        guard let best = candidates.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 3) else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension ConfigPath {
    /// Reads `pools[1].servers[0].url` back into components.
    static func parse(_ text: String) -> [Component] {
        var components: [Component] = []
        for segment in text.split(separator: ".") {
            var rest = Substring(segment)
            if let bracket = rest.firstIndex(of: "[") {
                let name = rest[..<bracket]
                if !name.isEmpty { components.append(.key(String(name))) }
                rest = rest[bracket...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    if let index = Int(rest[rest.index(after: rest.startIndex)..<close]) {
                        components.append(.index(index))
                    }
                    rest = rest[rest.index(after: close)...]
                }
            } else if !rest.isEmpty {
                components.append(.key(String(rest)))
            }
        }
        return components
    }
}
