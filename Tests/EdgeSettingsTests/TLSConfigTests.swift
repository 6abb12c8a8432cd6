import Testing
@testable import EdgeSettings

@Suite("TLS and HTTP/2 config")
struct TLSConfigTests {
    static let text = """
        [server]
        listen = ["127.0.0.1:8080"]
        h2c_listen = ["127.0.0.1:8081"]

        [tls]
        listen = ["0.0.0.0:8443"]
        min_version = "1.3"
        certificates = [
          { cert = "/etc/edge/shop.pem", key = "/etc/edge/shop.key" },
          { cert = "/etc/edge/blog.pem", key = "/etc/edge/blog.key", hosts = ["blog.example", "*.blog.example"] },
        ]

        [http2]
        max_concurrent_streams = 64
        initial_window_size = "256KiB"
        max_resets = 50
        reset_window = "10s"

        [[pools]]
        name = "web"
        servers = [{ url = "https://10.0.0.5" }, { url = "https://10.0.0.6:8443" }]
        tls = { ca_file = "/etc/edge/origin-ca.pem", server_name = "origin.example" }
        http2 = true
        """

    @Test("TLS listeners, certificates with and without host names, h2c listeners and HTTP/2 limits decode")
    func decodes() throws {
        let config = try EdgeConfig.parse(Self.text, fileName: "edge.conf")
        #expect(config.server.h2cListen == [HostPort(host: "127.0.0.1", port: 8081)])
        #expect(config.tls.listen == [HostPort(host: "0.0.0.0", port: 8443)])
        #expect(config.tls.minVersion == .tls13)
        #expect(config.tls.http2)
        #expect(config.tls.certificates == [
            CertificateConfig(cert: "/etc/edge/shop.pem", key: "/etc/edge/shop.key"),
            CertificateConfig(cert: "/etc/edge/blog.pem", key: "/etc/edge/blog.key", hosts: ["blog.example", "*.blog.example"]),
        ])
        #expect(config.http2.maxConcurrentStreams == 64)
        #expect(config.http2.initialWindowSize == .kibibytes(256))
        #expect(config.http2.maxResets == 50)
        #expect(config.http2.resetWindow == .seconds(10))
        #expect(config.http2.maxContinuationFrames == HTTP2Config().maxContinuationFrames)
        #expect(config.pools[0].servers.map(\.url) == ["https://10.0.0.5:443", "https://10.0.0.6:8443"])
        #expect(config.pools[0].http2)
        #expect(config.pools[0].tls == OriginTLSConfig(caFile: "/etc/edge/origin-ca.pem", verify: true, serverName: "origin.example"))
    }

    @Test("the rendered settings parse back to the same configuration")
    func roundTrips() throws {
        let config = try EdgeConfig.parse(Self.text, fileName: "edge.conf")
        #expect(try EdgeConfig.parse(config.rendered(), fileName: "rendered") == config)
    }

    func problem(_ change: (inout EdgeConfig) -> Void) -> String? {
        var config = EdgeConfigValidationTests.valid
        change(&config)
        do {
            try config.validate()
            return nil
        } catch {
            return error.description
        }
    }

    @Test("TLS and HTTP/2 rules name their key")
    func rules() {
        #expect(problem { $0.pools[0].tls.serverName = "*.origin.example" } == "pools[0].tls.server_name: expected one host name, got \"*.origin.example\"")
        #expect(problem { $0.tls.listen = [HostPort(host: "0.0.0.0", port: 443)] }?
            .hasPrefix("tls.certificates: a TLS listener needs at least one certificate") == true)
        #expect(problem { $0.tls.certificates = [CertificateConfig(cert: "", key: "k.pem")] } == "tls.certificates[0].cert: expected the path of a PEM certificate chain")
        #expect(problem { $0.tls.certificates = [CertificateConfig(cert: "c.pem", key: "k.pem", hosts: ["bad host"])] }?
            .hasPrefix("tls.certificates[0].hosts[0]: expected a host name") == true)
        #expect(problem {
            $0.server.h2cListen = [HostPort(host: "127.0.0.1", port: 8080)]
        } == "server.h2c_listen[0]: 127.0.0.1:8080 is also server.listen[0]")
        #expect(problem { $0.http2.maxConcurrentStreams = 0 } == "http2.max_concurrent_streams: expected 1 to 1000000, got 0")
        #expect(problem { $0.http2.maxFrameSize = .kibibytes(8) } == "http2.max_frame_size: expected 16KiB to 16MiB - 1, got 8KiB")
        #expect(problem { $0.http2.initialWindowSize = .gibibytes(4) }?.hasPrefix("http2.initial_window_size: expected 1 byte to 2GiB - 1") == true)
        #expect(problem { $0.http2.resetWindow = .zero } == "http2.reset_window: must be more than 0, got 0s")
    }

    @Test("a misspelt key in [tls] is an error with a suggestion")
    func misspeltKey() {
        #expect {
            _ = try EdgeConfig.parse("[tls]\nlistn = []\n", fileName: "edge.conf")
        } throws: { error in
            "\(error)".contains("listn") && "\(error)".contains("listen")
        }
    }
}
