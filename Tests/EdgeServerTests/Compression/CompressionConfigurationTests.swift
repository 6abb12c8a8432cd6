import EdgeCore
import EdgeSettings
import Testing
@testable import EdgeServer

@Suite("Compression configuration in the server")
struct CompressionConfigurationTests {
    @Test("[compression] and per-site switches reach the server's settings")
    func mapping() throws {
        let config = try EdgeConfig.parse("""
        [compression]
        min_size = "4KiB"
        br_level = 7
        stream_zstd_level = 1
        types = ["text/css"]

        [[pools]]
        name = "web"
        servers = [{ url = "http://127.0.0.1:9000" }]

        [[sites]]
        hosts = ["a.example"]
        pool = "web"

        [[sites]]
        hosts = ["b.example"]
        pool = "web"
        compression = false
        """, fileName: "edge.conf")
        let configuration = EdgeServer.Configuration(config)
        let settings = configuration.settings.compression
        #expect(settings.minSize == 4096)
        #expect(settings.storedLevels.br == 7)
        #expect(settings.streamingLevels.zstd == 1)
        #expect(settings.types == ["text/css"])
        #expect(configuration.sites.map(\.compression) == [true, false])
        #expect(configuration.sites[1].hosts == ["b.example"])
    }
}
