import Foundation
import Testing
@testable import EdgeSettings

@Suite("edge.conf.sample")
struct EdgeConfSampleTests {
    /// The repository root, found from this file's path (Tests/EdgeSettingsTests/…).
    static let samplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("edge.conf.sample").path

    @Test("the sample loads, validates, and equals the defaults plus its one pool and site")
    func sampleIsDefaults() throws {
        let config = try EdgeConfig.load(path: Self.samplePath)
        var expected = EdgeConfig.defaults
        expected.pools = [PoolConfig(name: "default", servers: [OriginServerConfig(host: "127.0.0.1", port: 9000)])]
        expected.sites = [SiteConfig(hosts: ["*"], target: .pool("default"))]
        #expect(config == expected)
    }

    @Test("the sample mentions every key that rendered() writes")
    func sampleDocumentsEveryKey() throws {
        let sample = try String(contentsOfFile: Self.samplePath, encoding: .utf8)
        var config = EdgeConfig.defaults
        config.pools = [PoolConfig(name: "p", servers: [OriginServerConfig(host: "a", port: 1)])]
        config.sites = [SiteConfig(hosts: ["*"], target: .staticRoot("Sites/demo"))]
        for key in RenderedKeys.keys(in: config.rendered()) {
            #expect(sample.contains("\(key) = "), "edge.conf.sample does not document \(key)")
        }
    }
}

/// Keys (left of `=`) and table headers in rendered TOML.
enum RenderedKeys {
    static func keys(in text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), !line.hasPrefix("["), let equals = line.range(of: " = ") else { return nil }
            return String(line[..<equals.lowerBound])
        }
    }
}
