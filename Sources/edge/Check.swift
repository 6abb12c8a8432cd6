import ArgumentParser
import EdgeCore
import EdgeServer
import EdgeSettings

/// `edge check --config FILE`: validate, print the effective settings, exit 1 with file:line on error.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate a config file and print the effective settings.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
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
        print(config.rendered(), terminator: "")
    }
}
