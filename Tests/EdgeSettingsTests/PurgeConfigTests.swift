import Testing
@testable import EdgeSettings

@Suite("[purge] config")
struct PurgeConfigTests {
    @Test("the [purge] keys decode, render and parse back")
    func decodesAndRenders() throws {
        let text = """
            [purge]
            allow = ["10.0.0.0/8", "::1"]
            peers = ["http://10.0.0.2:9090", "http://edge-b:9090/"]
            peer_timeout = "500ms"
            peer_retries = 0
            keep_tag_headers = true
            """
        let config = try EdgeConfig.parse(text, fileName: "edge.conf")
        #expect(config.purge.allow == ["10.0.0.0/8", "::1"])
        #expect(config.purge.peers == ["http://10.0.0.2:9090", "http://edge-b:9090/"])
        #expect(config.purge.peerTimeout == .milliseconds(500))
        #expect(config.purge.peerRetries == 0)
        #expect(config.purge.keepTagHeaders)
        #expect(try EdgeConfig.parse(config.rendered(showingSecrets: true), fileName: "rendered") == config)
    }

    @Test("bad [purge] values are errors naming file, line and key", arguments: [
        ("allow = [\"not-an-ip\"]", "purge.allow[0]"),
        ("peers = [\"https://x:1\"]", "purge.peers[0]"),
        ("peers = [\"http://x:99999\"]", "purge.peers[0]"),
        ("peer_timeout = \"0s\"", "purge.peer_timeout"),
        ("peer_retries = 11", "purge.peer_retries"),
        ("peer_retry = 1", "peer_retry"),
    ])
    func errors(line: String, key: String) {
        do {
            _ = try EdgeConfig.parse("[purge]\n\(line)\n", fileName: "edge.conf")
            Issue.record("\(line) was accepted")
        } catch {
            #expect(error.description.hasPrefix("edge.conf:2: "), "\(error)")
            #expect(error.description.contains(key), "\(error)")
        }
    }
}
