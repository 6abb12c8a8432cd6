/// `EDGE_*` environment variables, which override both the file and the flags.
public enum EnvironmentOverrides {
    /// Applies `EDGE_ADMIN_TOKEN` (admin.token) and `EDGE_LOG_LEVEL` (logging.level).
    ///
    /// An unknown level is an error naming the variable; unset variables change nothing.
    public static func apply(to config: inout EdgeConfig, environment: [String: String]) throws(ConfigError) {
        if let token = environment["EDGE_ADMIN_TOKEN"] {
            config.admin.token = token
        }
        if let levelText = environment["EDGE_LOG_LEVEL"] {
            guard let level = LogLevel(rawValue: levelText.lowercased()) else {
                throw ConfigError(
                    file: "environment",
                    key: "EDGE_LOG_LEVEL",
                    message: "expected \(LogLevel.choices), got \"\(levelText)\""
                )
            }
            config.logging.level = level
        }
    }
}
