/// `[logging]`: access log and diagnostic log level.
public struct LoggingConfig: Sendable, Codable, Equatable {
    /// Where access log lines go.
    public var accessLog: AccessLogTarget = .stdout
    /// Access log line format.
    public var accessLogFormat: AccessLogFormat = .combined
    /// Diagnostic log level. `EDGE_LOG_LEVEL` overrides it.
    public var level: LogLevel = .info

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case accessLog = "access_log"
        case accessLogFormat = "access_log_format"
        case level
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LoggingConfig()
        accessLog = try c.field(.accessLog, default: d.accessLog)
        accessLogFormat = try c.field(.accessLogFormat, default: d.accessLogFormat)
        level = try c.field(.level, default: d.level)
    }
}

/// Access log destination: `"stdout"`, `"off"`, or a file path.
public enum AccessLogTarget: Sendable, Hashable, Codable, CustomStringConvertible {
    case stdout
    case off
    case file(path: String)

    public init(_ text: String) {
        switch text {
        case "stdout": self = .stdout
        case "off": self = .off
        default: self = .file(path: text)
        }
    }

    /// As written in the config.
    public var description: String {
        switch self {
        case .stdout: return "stdout"
        case .off: return "off"
        case .file(let path): return path
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.configString("expected \"stdout\", \"off\" or a file path", at: decoder)
        guard !text.isEmpty else { throw ConfigIssue(at: decoder, "expected \"stdout\", \"off\" or a file path") }
        self.init(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Access log line format.
public enum AccessLogFormat: String, ConfigEnum {
    /// Apache/NGINX combined log format.
    case combined
    /// One JSON object per line.
    case json
}

/// Diagnostic log level; the names match swift-log's `Logger.Level`.
public enum LogLevel: String, ConfigEnum {
    case trace, debug, info, notice, warning, error, critical
}
