import ArgumentParser
import EdgeCore
import EdgeServer
import Foundation
import Logging

/// `edge serve`: the edge node as deployed.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the edge node in front of origin servers.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config: EdgeConfig
        do {
            config = try options.resolve()
        } catch {
            exitWithConfigError(error)
        }
        guard !config.pools.isEmpty else {
            exitWithConfigError(ConfigError(file: options.config ?? "--origin", message: "no origin: give --origin URL or a [[pools]] table"))
        }
        let level = Logger.Level(rawValue: config.logging.level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "edge")
        for site in config.effectiveSites {
            if case .staticRoot(let root) = site.target {
                logger.warning("site \(site.hosts) with root \(root): static folder sites are not served yet; requests for these hosts get 421")
            }
        }
        for pool in config.pools {
            // Balancing algorithms and weights arrive with the origin-pools work; say so instead of pretending.
            if pool.balancing != .roundRobin || pool.servers.contains(where: { $0.weight != 1 }) {
                logger.warning("pool \(pool.name): balancing \(pool.balancing.rawValue) and server weights are not implemented yet; using plain round robin")
            }
            if pool.servers.contains(where: \.backup) {
                logger.warning("pool \(pool.name): backup servers are not used yet (no health checks to fail over on)")
            }
        }

        let accessLog: AccessLog
        do {
            accessLog = try AccessLog(destination: config.logging.accessLog.description, format: config.logging.accessLogFormat == .json ? .json : .combined)
        } catch {
            exitWithConfigError(ConfigError(file: options.config ?? "logging", key: "logging.access_log", message: error.description))
        }

        // Before listening: once "serving on" is printed, SIGTERM must drain, not kill or go unnoticed.
        let signals = await SignalWaiter.install()
        let server = EdgeServer(configuration: EdgeServer.Configuration(config), accessLog: accessLog, logger: logger)
        do {
            try await server.start()
            for listener in server.listeners {
                print("edge: serving on \(listener)")
            }
            if let admin = server.adminAddress {
                print("edge: admin API on http://\(admin.ipAddress ?? "?"):\(admin.port ?? 0)")
            }
            fflush(nil)
        } catch {
            let message = error is ListenError || error is CertificateError || error is AdminListenerError ? "\(error)" : "cannot listen: \(error)"
            FileHandle.standardError.write(Data("edge: \(message)\n".utf8))
            await server.drainAndStop()
            throw ExitCode(1)
        }
        // SIGHUP re-reads the TLS certificates; open connections keep theirs.
        let hangup = HangupSignal {
            do {
                try server.reloadCertificates()
            } catch {
                logger.error("certificates not reloaded; the previous ones stay in use", metadata: ["error": "\(error)"])
            }
        }
        let signal = await signals.wait()
        withExtendedLifetime(hangup) {}
        logger.info("draining", metadata: ["signal": "\(signal)", "in_flight": "\(server.activeRequests)"])
        await server.drainAndStop()
        logger.info("stopped")
    }
}
