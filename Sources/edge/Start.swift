import ArgumentParser
import Foundation

/// `edge` with no arguments: a preview of the bundled demo site (`Sites/demo`, found in the working
/// directory or beside the executable's checkout). Without it, says how to start instead.
struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", shouldDisplay: false)

    func run() async throws {
        guard let demo = Self.findDemoSite() else {
            print("""
                Edge — a caching HTTP edge server.

                The demo site (Sites/demo) is not here. To preview a folder of your own:

                  edge preview path/to/site

                To put Edge in front of an origin:

                  edge serve --listen 127.0.0.1:8080 --origin http://127.0.0.1:9000

                All commands: edge --help
                """)
            return
        }
        try await PreviewRunner(folder: demo, listen: "127.0.0.1:8080", accessLog: "stdout").run()
    }

    /// `Sites/demo` in the working directory, else in the checkout an executable under `.build/` came from.
    static func findDemoSite() -> String? {
        var candidates = [FileManager.default.currentDirectoryPath + "/Sites/demo"]
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("Sites/demo").path)
                directory = directory.deletingLastPathComponent()
            }
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/index.html") }
    }
}
