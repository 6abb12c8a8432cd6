import EdgeCore
import EdgeSettings
import Logging

/// Log lines to stderr at the configured level, for `serve` and `preview`.
func bootstrapLogging(_ level: LogLevel) {
    let level = Logger.Level(rawValue: level.rawValue) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}
