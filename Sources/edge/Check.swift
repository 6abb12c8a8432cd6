import ArgumentParser
import EdgeCore

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
        print(config.rendered(), terminator: "")
    }
}
