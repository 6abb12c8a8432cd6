import ArgumentParser
import EdgeCore
import EdgeServer
import EdgeSettings
import Foundation
import Logging

/// `edge serve`: the edge node as deployed.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the edge node in front of origin servers.",
        discussion: """
            Signals: SIGTERM or SIGINT drain and stop; SIGHUP reloads the whole configuration; SIGUSR1 \
            reopens the access log; SIGQUIT (sent by edge serve --upgrade) keeps accepting for a second, \
            starts no more disk writes, then drains and stops.
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: """
        Take over from the node running with this config (found by [server] pid_file): bind the same \
        addresses beside it, and once serving, write the pid file and tell the old node to drain (SIGQUIT).
        """)
    var upgrade = false

    func run() async throws {
        // Before the configuration is read: the disk tier's default of open files follows the limit.
        let raisedLimit = DescriptorLimit.raiseToHard()
        let config: EdgeConfig
        do {
            config = try options.resolve()
        } catch {
            exitWithConfigError(error)
        }
        let source = options.config ?? "--origin"
        do {
            try ConfigReloader.checkServesSomething(config, file: source)
        } catch {
            exitWithConfigError(error)
        }
        var predecessor: Predecessor?
        if upgrade {
            do {
                predecessor = try Predecessor.find(config, configPath: options.config)
            } catch {
                FileHandle.standardError.write(Data("edge: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        bootstrapLogging(config.logging.level)
        let logger = Logger(label: "edge")
        if let raisedLimit {
            logger.info("file descriptor limit raised to the hard limit", metadata: ["from": "\(raisedLimit.before)", "to": "\(raisedLimit.after)"])
        }
        let accessLog: AccessLog
        do {
            accessLog = try AccessLog(destination: config.logging.accessLog.description, format: config.logging.accessLogFormat == .json ? .json : .combined)
        } catch {
            exitWithConfigError(ConfigError(file: options.config ?? "logging", key: "logging.access_log", message: error.description))
        }

        // Before listening: once "serving on" is printed, SIGTERM must drain, not kill or go unnoticed.
        let signals = await SignalWaiter.install()
        let configuration: EdgeServer.Configuration
        let folders: [StaticSiteOrigin]
        do {
            (configuration, folders) = try await EdgeServer.Configuration.serving(config)
        } catch {
            FileHandle.standardError.write(Data("edge: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let server = EdgeServer(configuration: configuration, accessLog: accessLog, logger: logger, upgrading: predecessor != nil)
        do {
            try await server.start()
            // Before "serving on": whoever waits for that line may look for the node by its pid file.
            // An operator relies on it (systemd's PIDFile=, edge reload): better no node than one nobody can find.
            // On an upgrade, before the old node is told: it then leaves the file alone when it stops
            // (it removes only a file naming itself), and never is the file without a serving node.
            if let pidFile = config.server.pidFile {
                try PidFile.write(pidFile)
                if let problem = RunningConfigFile.write(config, pidFile: pidFile) {
                    logger.warning("edge check will not see the running configuration: \(problem)")
                }
            }
            for listener in server.listeners {
                print("edge: serving on \(listener)")
            }
            if let admin = server.adminAddress {
                print("edge: admin API on http://\(admin.ipAddress ?? "?"):\(admin.port ?? 0)")
            }
            fflush(nil)
            if let predecessor {
                takeOver(from: predecessor, server: server, logger: logger)
            }
        } catch {
            let message = error is ListenError || error is CertificateError || error is AdminListenerError || error is PidFile.Failure ? "\(error)" : "cannot listen: \(error)"
                + (predecessor != nil && error is ListenError ? " (--upgrade can share an address only with an edge node run by the same user)" : "")
            FileHandle.standardError.write(Data("edge: \(message)\n".utf8))
            await server.drainAndStop()
            for folder in folders { await folder.stop() }
            throw ExitCode(1)
        }
        // SIGHUP reloads the whole configuration: the same file, the same flags over it. Open
        // connections stay; a file that cannot be used changes nothing.
        let options = self.options
        let reloader = ConfigReloader(server: server, config: config, folders: folders, accessLog: accessLog, file: source, logger: logger) {
            () throws(ConfigError) -> EdgeConfig in try options.resolve()
        }
        let hangup = OperatorSignal(SIGHUP) {
            Task {
                guard await reloader.reload(), let pidFile = config.server.pidFile else { return }
                if let problem = RunningConfigFile.write(await reloader.runningConfig, pidFile: pidFile) {
                    logger.warning("edge check will not see the running configuration: \(problem)")
                }
            }
        }
        // SIGUSR1 opens the access log file again (logrotate moved the old one away).
        let reopen = OperatorSignal(SIGUSR1) {
            Task {
                Self.reopen(await reloader.accessLog, logger: logger)
            }
        }
        let signal = await signals.wait()
        withExtendedLifetime((hangup, reopen)) {}
        if let pidFile = config.server.pidFile {
            RunningConfigFile.remove(pidFile: pidFile)
            PidFile.remove(pidFile)
        }
        logger.info("draining", metadata: ["signal": "\(signal)", "in_flight": "\(server.activeRequests)"])
        if signal == "SIGQUIT" {
            await server.handOver()
        } else {
            await server.drainAndStop()
        }
        await reloader.stop()
        logger.info("stopped")
    }

    /// Tells the old node that this one serves, and takes the disk directory over once it has exited.
    private func takeOver(from predecessor: Predecessor, server: EdgeServer, logger: Logger) {
        if let failure = predecessor.handOver() {
            logger.error("the old node could not be told to drain; stop it with SIGQUIT or SIGTERM",
                         metadata: ["old_pid": "\(predecessor.pid)", "error": "\(failure)"])
        } else {
            print("edge: took over from process \(predecessor.pid), which drains and exits")
            fflush(nil)
            logger.notice("took over the listeners; the old node drains", metadata: ["old_pid": "\(predecessor.pid)"])
        }
        Task {
            await predecessor.exited()
            logger.notice("the old node has exited", metadata: ["old_pid": "\(predecessor.pid)"])
            server.predecessorExited()
        }
    }

    private static func reopen(_ accessLog: AccessLog, logger: Logger) {
        do {
            try accessLog.reopen()
            logger.notice("access log reopened")
        } catch {
            logger.error("access log not reopened; lines still go to the old file", metadata: ["error": "\(error)"])
        }
    }
}
