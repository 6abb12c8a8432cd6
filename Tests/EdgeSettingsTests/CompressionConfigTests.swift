import EdgeCore
import Testing
@testable import EdgeSettings

@Suite("Compression config")
struct CompressionConfigTests {
    @Test("defaults: on, 1 KiB minimum, br 11 / zstd 19 / gzip 9 stored, 4 / 3 / 5 streaming")
    func defaults() {
        let settings = EdgeConfig.defaults.compression.settings
        #expect(settings.enabled)
        #expect(settings.minSize == 1024)
        #expect(settings.storedLevels == CompressionLevels(br: 11, zstd: 19, gzip: 9))
        #expect(settings.streamingLevels == CompressionLevels(br: 4, zstd: 3, gzip: 5))
        #expect(settings.types.contains("text/*"))
    }

    @Test("the section and the per-site switch decode, render and read back equal")
    func decodeAndRender() throws {
        let text = """
        [compression]
        enabled = true
        types = ["text/*", "application/json"]
        min_size = "2KiB"
        br_level = 9
        stream_gzip_level = 1

        [[pools]]
        name = "web"
        servers = [{ url = "http://127.0.0.1:9000" }]

        [[sites]]
        hosts = ["*"]
        pool = "web"
        compression = false
        """
        let config = try EdgeConfig.parse(text, fileName: "edge.conf")
        #expect(config.compression.types == ["text/*", "application/json"])
        #expect(config.compression.minSize.bytes == 2048)
        #expect(config.compression.brLevel == 9)
        #expect(config.compression.streamGzipLevel == 1)
        #expect(config.sites[0].compression == false)
        let rendered = config.rendered()
        #expect(rendered.contains("[compression]"))
        #expect(rendered.contains("compression = false"))
        #expect(try EdgeConfig.parse(rendered, fileName: "rendered") == config)
    }

    @Test("bad levels, types and misspelt keys name file, line and key")
    func errors() {
        func problem(_ body: String) -> String? {
            do {
                _ = try EdgeConfig.parse("[compression]\n" + body, fileName: "edge.conf")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(problem("br_level = 12")?.contains("compression.br_level") == true)
        #expect(problem("zstd_level = 0")?.contains("compression.zstd_level") == true)
        #expect(problem("types = [\"nonsense\"]")?.contains("compression.types[0]") == true)
        #expect(problem("min_szie = 1")?.contains("min_szie") == true)
        #expect(problem("br_level = 12")?.contains("edge.conf:2") == true)
    }
}
