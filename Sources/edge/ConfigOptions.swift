import ArgumentParser
import EdgeCore
import EdgeSettings
import Foundation

/// The options `serve` and `check` share: a config file, flags that override it, and `EDGE_*` variables.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (TOML). Flags override it.")
    var config: String?

    @Option(name: .long, help: "Traffic listener host:port (repeatable).")
    var listen: [String] = []

    @Option(name: .long, help: "Origin server URL, e.g. http://127.0.0.1:9000 (repeatable; replaces the config's pools).")
    var origin: [String] = []

    @Option(name: .long, help: "Admin API listener host:port (default 127.0.0.1:9090).")
    var admin: String?

    /// The effective configuration, or a one-line error naming file, line and key.
    func resolve() throws(ConfigError) -> EdgeConfig {
        var result = EdgeConfig.defaults
        if let config {
            result = try EdgeConfig.load(path: config)
        }
        if !listen.isEmpty {
            result.server.listen = try listen.map { text throws(ConfigError) in
                switch HostPort.parse(text, defaultPort: nil) {
                case .success(let address): return address
                case .failure(let error): throw ConfigError(file: "--listen", message: "\(error.message), got \"\(text)\"")
                }
            }
        }
        if !origin.isEmpty {
            var pool = PoolConfig(name: "default")
            pool.servers = try origin.map { url throws(ConfigError) in
                do {
                    return try OriginServerConfig(url: url)
                } catch let error as ConfigError {
                    throw ConfigError(file: "--origin", message: error.message)
                } catch {
                    throw ConfigError(file: "--origin", message: "\(error)")
                }
            }
            result.pools = [pool]
            result.sites = []
        }
        if let admin {
            switch HostPort.parse(admin, defaultPort: nil) {
            case .success(let address): result.admin.listen = address
            case .failure(let error): throw ConfigError(file: "--admin", message: "\(error.message), got \"\(admin)\"")
            }
        }
        try EnvironmentOverrides.apply(to: &result, environment: ProcessInfo.processInfo.environment)
        try result.validate()
        return result
    }
}

/// Prints a configuration error as one line on stderr and exits 1: never a stack trace.
func exitWithConfigError(_ error: ConfigError) -> Never {
    FileHandle.standardError.write(Data("edge: \(error)\n".utf8))
    exit(1)
}
