import ArgumentParser
import EdgeCore
import EdgeServer
import EdgeSettings
import Foundation
import Logging

/// `edge preview DIR`: a static folder through the whole pipeline (cache, compression,
/// progressive delivery), with pages that reload themselves when a file changes.
struct Preview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve a static folder through the full pipeline, with live reload.")

    @Argument(help: "The folder to serve (its progressive.json, if any, names the enhancement bundles).")
    var folder: String

    @Option(name: .long, help: "Listener host:port.")
    var listen = "127.0.0.1:8080"

    @Option(name: .customLong("access-log"), help: "Where access-log lines go: stdout, off, or a file.")
    var accessLog = "stdout"

    func run() async throws {
        try await PreviewRunner(folder: folder, listen: listen, accessLog: accessLog).run()
    }
}

/// What `edge preview` and a bare `edge` run.
struct PreviewRunner {
    var folder: String
    var listen: String
    var accessLog: String

    func run() async throws {
        var config = EdgeConfig.defaults
        switch HostPort.parse(listen, defaultPort: nil) {
        case .success(let address): config.server.listen = [address]
        case .failure(let error): exitWithConfigError(ConfigError(file: "--listen", message: "\(error.message), got \"\(listen)\""))
        }
        config.sites = [SiteConfig(hosts: ["*"], target: .staticRoot(folder))]
        do {
            try config.validate()
        } catch {
            exitWithConfigError(error)
        }
        bootstrapLogging(config.logging.level)
        let logger = Logger(label: "edge")
        let log: AccessLog
        do {
            log = try AccessLog(destination: accessLog, format: .combined)
        } catch {
            exitWithConfigError(ConfigError(file: "--access-log", message: error.description))
        }

        let signals = await SignalWaiter.install()
        var configuration: EdgeServer.Configuration
        let folders: [StaticSiteOrigin]
        do {
            (configuration, folders) = try await EdgeServer.Configuration.serving(config, liveReload: true)
            // A preview has no admin API: it must not take the port of a node running beside it.
            configuration.admin = AdminSettings()
        } catch {
            FileHandle.standardError.write(Data("edge: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let server = EdgeServer(configuration: configuration, accessLog: log, logger: logger)
        do {
            try await server.start()
        } catch {
            FileHandle.standardError.write(Data("edge: \(error)\n".utf8))
            await server.drainAndStop()
            for origin in folders { await origin.stop() }
            throw ExitCode(1)
        }
        for listener in server.listeners {
            print("edge: serving on \(listener)")
        }
        print("edge: previewing \(folders.first?.site.root ?? folder); pages reload when a file changes")
        fflush(nil)

        let watchers = folders.map { origin in
            FolderWatcher(root: origin.site.root) { [server] changed in
                do {
                    try origin.site.reload()
                } catch {
                    logger.error("the folder's manifest is not usable; the previous one stays", metadata: ["error": "\(error)"])
                }
                // Every stored page may name a changed asset: a preview starts over.
                let purged = server.cache.purge(PurgeSelection(all: true), now: Date().timeIntervalSince1970)
                logger.info("files changed", metadata: ["paths": "\(changed.prefix(10))", "purged": "\(purged)"])
                origin.announceChange()
            }
        }
        let signal = await signals.wait()
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        for watcher in watchers { watcher.stop() }
        await server.drainAndStop()
        for origin in folders { await origin.stop() }
    }
}
