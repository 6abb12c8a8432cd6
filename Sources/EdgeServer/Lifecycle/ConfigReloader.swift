import CoreMetrics
import EdgeSettings
import Logging

/// Reloads a running node's whole configuration (on `SIGHUP`, `edge reload`): reads it again the way
/// the node first read it (the same file, the same command-line flags over it), validates it, and
/// applies it with `EdgeServer.reload(to:accessLog:)`. A file that cannot be used changes nothing:
/// the error is logged with its file, line and key. Every attempt is counted in
/// `edge_config_reloads_total{result="success"|"failure"}`.
///
/// Keys that cannot change while the node runs (`ConfigReloadPlan`) keep their running values until
/// a restart; the reload's log line names them. An actor: reloads run one after another.
public actor ConfigReloader {
    private let server: EdgeServer
    /// The file as the operator named it (or the flag the configuration came from), for log lines.
    private let file: String
    private let load: @Sendable () throws(ConfigError) -> EdgeConfig
    private let logger: Logger
    private var running: EdgeConfig
    private var folders: [StaticSiteOrigin]
    /// The configuration in force: the last one applied, with the running values of keys that need a restart.
    public var runningConfig: EdgeConfig { running }
    /// The access log lines go to now (`SIGUSR1` reopens this one).
    public private(set) var accessLog: AccessLog
    private let succeeded: Counter
    private let failed: Counter

    /// `config` is what the node started with, `folders` its static-folder origins (this reloader stops
    /// them when they leave the configuration, and all of them in `stop()`), and `load` reads the
    /// configuration again as at start.
    public init(server: EdgeServer, config: EdgeConfig, folders: [StaticSiteOrigin], accessLog: AccessLog, file: String,
                logger: Logger, load: @escaping @Sendable () throws(ConfigError) -> EdgeConfig) {
        self.server = server
        self.running = config
        self.folders = folders
        self.accessLog = accessLog
        self.file = file
        self.logger = logger
        self.load = load
        succeeded = server.metrics.counter("edge_config_reloads_total", ["result": "success"])
        failed = server.metrics.counter("edge_config_reloads_total", ["result": "failure"])
        succeeded.increment(by: 0)
        failed.increment(by: 0)
    }

    /// Reads and applies the configuration; false (having changed nothing) when it cannot be used.
    @discardableResult
    public func reload() async -> Bool {
        let loaded: EdgeConfig
        do {
            loaded = try load()
            try Self.checkServesSomething(loaded, file: file)
        } catch {
            return failure(error.description)
        }
        let plan = ConfigReloadPlan(running: running, loaded: loaded)
        let config = plan.effective
        var log = accessLog
        if config.logging.accessLog != running.logging.accessLog || config.logging.accessLogFormat != running.logging.accessLogFormat {
            do {
                log = try AccessLog(destination: config.logging.accessLog.description, format: config.logging.accessLogFormat == .json ? .json : .combined)
            } catch {
                return failure(ConfigError(file: file, key: "logging.access_log", message: error.description).description)
            }
        }
        let configuration: EdgeServer.Configuration
        let origins: [StaticSiteOrigin]
        let started: [StaticSiteOrigin]
        let outcome: EdgeServer.ReloadOutcome
        do {
            (configuration, origins, started) = try await EdgeServer.Configuration.serving(config, reusing: folders)
        } catch {
            return failure("\(error)")
        }
        do {
            outcome = try await server.reload(to: configuration, accessLog: log)
        } catch {
            for origin in started { await origin.stop() }
            return failure("\(error)")
        }
        let retired = folders.filter { folder in !origins.contains { $0 === folder } }
        folders = origins
        running = config
        accessLog = log
        succeeded.increment()
        if !retired.isEmpty {
            // Requests in flight to a folder that left the configuration finish first.
            let drain = configuration.settings.timeouts.drain
            Task {
                try? await Task.sleep(nanoseconds: UInt64(max(0, drain.nanoseconds)))
                for origin in retired { await origin.stop() }
            }
        }
        var metadata: Logger.Metadata = ["file": "\(file)"]
        for (name, values) in [
            ("sites_added", plan.sitesAdded), ("sites_removed", plan.sitesRemoved), ("pools_added", plan.poolsAdded),
            ("pools_removed", plan.poolsRemoved), ("servers_added", plan.serversAdded), ("servers_removed", plan.serversRemoved),
            ("listeners_opened", outcome.listenersOpened), ("listeners_closed", outcome.listenersClosed),
            ("needs_restart", plan.restartKeys),
        ] where !values.isEmpty {
            metadata[name] = "\(values.joined(separator: "; "))"
        }
        if let admin = outcome.adminMoved { metadata["admin_listen"] = "\(admin)" }
        logger.notice("config reloaded", metadata: metadata)
        if !plan.restartKeys.isEmpty {
            logger.warning("config keys that need a restart keep their running values: \(plan.restartKeys.joined(separator: ", "))",
                           metadata: ["file": "\(file)"])
        }
        return true
    }

    /// Stops every static-folder origin; after the server has drained.
    public func stop() async {
        for origin in folders { await origin.stop() }
        folders = []
    }

    /// A node must serve something: a pool or a static folder (as `edge serve` requires at start).
    public static func checkServesSomething(_ config: EdgeConfig, file: String) throws(ConfigError) {
        let servesFolders = config.sites.contains { if case .staticRoot = $0.target { true } else { false } }
        guard !config.pools.isEmpty || servesFolders else {
            throw ConfigError(file: file, message: "no origin: give --origin URL or a [[pools]] table")
        }
    }

    private func failure(_ reason: String) -> Bool {
        failed.increment()
        logger.error("config not reloaded; the running configuration stays", metadata: ["file": "\(file)", "error": "\(reason)"])
        return false
    }
}
