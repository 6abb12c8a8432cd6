import ArgumentParser
import EdgeSettings
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `edge reload`: asks the running node (found by `[server] pid_file`) to reload (`SIGHUP`).
struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Signal the running node to reload its whole configuration (SIGHUP): the same file and flags, read again and applied without dropping a connection.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        try signalRunningNode(options, SIGHUP, what: "reload")
    }
}

/// `edge reopen-logs`: asks the running node to open its access log file again (`SIGUSR1`), as
/// logrotate expects after it moved the old file away.
struct ReopenLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen-logs",
        abstract: "Signal the running node to reopen its access log file (SIGUSR1), after logrotate moved it.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        try signalRunningNode(options, SIGUSR1, what: "reopen its logs")
    }
}

private func signalRunningNode(_ options: ConfigOptions, _ signal: Int32, what: String) throws {
    let config: EdgeConfig
    do {
        config = try options.resolve()
    } catch {
        exitWithConfigError(error)
    }
    do {
        let pid = try PidFile.signalNode(config, configPath: options.config, signal)
        print("edge: asked process \(pid) to \(what)")
    } catch {
        FileHandle.standardError.write(Data("edge: \(error)\n".utf8))
        throw ExitCode(1)
    }
}
