import ArgumentParser
import EdgeCore
import EdgeServer
import EdgeSettings
import Foundation

/// `edge check --config FILE`: validate, print the effective settings, exit 1 with file:line on error;
/// with a node running (found by `pid_file`), name the keys whose change would wait for a restart.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate a config file and print the effective settings.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        // As `serve` does, so that the effective values printed are the ones it would use.
        DescriptorLimit.raiseToHard()
        let config: EdgeConfig
        do {
            config = try options.resolve()
        } catch {
            exitWithConfigError(error)
        }
        // Certificates are read the way `serve` reads them: a file that would stop the server fails the check.
        for (index, certificate) in config.tls.certificates.enumerated() {
            do {
                _ = try CertificateStore(sources: [CertificateStore.Source(certificatePath: certificate.cert, keyPath: certificate.key, hosts: certificate.hosts)])
            } catch {
                exitWithConfigError(ConfigError(file: options.config ?? "--config", key: "tls.certificates[\(index)]", message: error.description))
            }
        }
        // The disk tier's directory is opened the way `serve` opens it.
        if let disk = config.cache.disk {
            do {
                if let warning = try DiskStore.check(path: disk.path, capacityBytes: disk.size.bytes) {
                    FileHandle.standardError.write(Data("edge: warning: \(warning)\n".utf8))
                }
            } catch {
                exitWithConfigError(ConfigError(file: options.config ?? "--config", key: "cache.disk.path", message: "\(error)"))
            }
        }
        print(config.rendered(), terminator: "")
        // Beside a running node: which of the file's changes it would keep waiting for a restart.
        if let pidFile = config.server.pidFile, let running = RunningConfigFile.read(pidFile: pidFile) {
            let keys = ConfigReloadPlan(running: running, loaded: config).restartKeys
            if !keys.isEmpty {
                FileHandle.standardError.write(Data("edge: needs a restart: \(keys.joined(separator: ", ")) (the running node keeps its values on edge reload)\n".utf8))
            }
        }
    }
}
