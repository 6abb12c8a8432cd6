import Testing
@testable import EdgeSettings

@Suite("HostPort")
struct HostPortTests {
    @Test("IPv4, bracketed IPv6 and names parse", arguments: [
        ("127.0.0.1:8080", "127.0.0.1", 8080), ("[::1]:8080", "::1", 8080), ("localhost:80", "localhost", 80),
        ("0.0.0.0:65535", "0.0.0.0", 65535),
    ])
    func parses(text: String, host: String, port: Int) throws {
        #expect(try HostPort.parse(text).get() == HostPort(host: host, port: port))
    }

    @Test("ports outside 1-65535 are refused", arguments: ["127.0.0.1:0", "127.0.0.1:65536", "[::1]:99999"])
    func portRange(text: String) {
        #expect(throws: HostPortError.portOutOfRange) { try HostPort.parse(text).get() }
    }

    @Test("malformed addresses are refused", arguments: ["127.0.0.1", "::1:80", ":80", "host:", "host:http", "[::1]8080", "a b:80"])
    func malformed(text: String) {
        #expect(throws: HostPortError.malformed) { try HostPort.parse(text).get() }
    }

    @Test("description brackets IPv6 hosts")
    func description() {
        #expect(HostPort(host: "::1", port: 80).description == "[::1]:80")
        #expect(HostPort(host: "example.com", port: 443).description == "example.com:443")
    }
}
