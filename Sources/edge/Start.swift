import ArgumentParser
import Foundation

/// `edge` with no arguments. DESIGN.md wants the demo site preview here; until the demo site and
/// `edge preview` exist, it says exactly what to run instead, and exits 0.
struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", shouldDisplay: false)

    func run() throws {
        print("""
            Edge — a caching HTTP edge server.

            The bundled demo preview is not built yet. To put Edge in front of an origin:

              edge serve --listen 127.0.0.1:8080 --origin http://127.0.0.1:9000

            then:  curl -i http://127.0.0.1:8080/   (the Cache-Status header tells hit or miss)

            With a config file (every key is documented in edge.conf.sample):

              edge check --config edge.conf.sample
              edge serve --config edge.conf

            All commands: edge --help
            """)
    }
}
