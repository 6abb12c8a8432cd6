import Foundation
import Testing
@testable import EdgeSettings

@Suite("EdgeConfig loading")
struct EdgeConfigLoadingTests {
    func error(_ text: String) -> String? {
        do {
            _ = try EdgeConfig.parse(text, fileName: "edge.conf")
            return nil
        } catch {
            return error.description
        }
    }

    @Test("an empty file gives the defaults")
    func emptyFile() throws {
        #expect(try EdgeConfig.parse("", fileName: "edge.conf") == .defaults)
        #expect(EdgeConfig.defaults.server.listen == [HostPort(host: "127.0.0.1", port: 8080)])
        #expect(EdgeConfig.defaults.pools.isEmpty)
    }

    @Test("missing keys in a present table take their defaults")
    func partialTable() throws {
        let config = try EdgeConfig.parse("[cache]\nmemory_size = \"1GiB\"\n", fileName: "edge.conf")
        var expected = EdgeConfig.defaults
        expected.cache.memorySize = .gibibytes(1)
        #expect(config == expected)
    }

    @Test("an unknown key in [cache] names its line and suggests the real key")
    func unknownKeyInCache() {
        let text = "[server]\nvia = \"x\"\n\n[cache]\nmemory_size = \"1GiB\"\nmemroy_size = \"2GiB\"\n"
        #expect(error(text) == "edge.conf:6: cache.memroy_size: unknown key (did you mean \"memory_size\"?)")
    }

    @Test("a misspelt table is reported at its header")
    func misspeltTable() {
        let text = "# cache\n\n[cahce]\nmemory_size = \"1GiB\"\n"
        #expect(error(text) == "edge.conf:3: cahce: unknown key (did you mean \"cache\"?)")
    }

    @Test("an unknown key inside an inline origin server table is found")
    func unknownServerKey() {
        let text = """
            [[pools]]
            name = "a"
            servers = [{ url = "http://127.0.0.1:9000" }]
            [[pools]]
            name = "b"
            servers = [
              { url = "http://127.0.0.1:9001" },
              { url = "http://127.0.0.1:9002", wieght = 2 },
            ]
            """
        #expect(error(text) == "edge.conf:8: pools[1].servers[1].wieght: unknown key (did you mean \"weight\"?)")
    }

    @Test("the first of several unknown keys in file order is reported")
    func firstUnknownKey() {
        let text = "[logging]\nbogus_b = 1\n[server]\nbogus_a = 1\n"
        #expect(error(text) == "edge.conf:2: logging.bogus_b: unknown key")
    }

    @Test("a bad size says what was expected and what was written")
    func badSize() {
        let text = "[cache]\n\n\nmemory_size = \"lots\"\n"
        #expect(error(text) == "edge.conf:4: cache.memory_size: expected a size like \"256MiB\", got \"lots\"")
    }

    @Test("a bad duration says what was expected and what was written")
    func badDuration() {
        let text = "[[pools]]\nservers = [{ url = \"http://a:1\" }]\nconnect_timeout = \"soon\"\n"
        #expect(error(text) == "edge.conf:3: pools[0].connect_timeout: expected a duration like \"10s\", \"250ms\", \"5m\", \"1h\" or \"1d\", got \"soon\"")
    }

    @Test("a bad port names the listen element")
    func badPort() {
        let text = "[server]\nlisten = [\"127.0.0.1:8080\",\n  \"127.0.0.1:70000\"]\n"
        #expect(error(text) == "edge.conf:3: server.listen[1]: expected a port from 1 to 65535, got \"127.0.0.1:70000\"")
    }

    @Test("a scalar of the wrong TOML type is reported with its value")
    func wrongType() {
        #expect(error("[server]\nmax_header_count = \"many\"\n") == "edge.conf:2: server.max_header_count: expected an integer, got \"many\"")
        #expect(error("[cache]\nkeep_cdn_cache_control = 1\n") == "edge.conf:2: cache.keep_cdn_cache_control: expected true or false, got 1")
        #expect(error("server = 3\n") == "edge.conf:1: server: expected a table, got 3")
        #expect(error("[[sites]]\nhosts = [1]\npool = \"x\"\n") == "edge.conf:2: sites[0].hosts[0]: expected a string, got 1")
    }

    @Test("an unknown enum value lists the choices")
    func badEnum() {
        #expect(error("[cache]\neviction = \"fifo\"\n") == "edge.conf:2: cache.eviction: expected one of \"lru\", \"s3fifo\", \"tinylfu\", got \"fifo\"")
    }

    @Test("a pool that mixes http and https servers is refused at the second scheme")
    func mixedSchemes() {
        let text = "[[pools]]\nservers = [{ url = \"https://example.com\" }, { url = \"http://example.com:8080\" }]\n"
        #expect(error(text) == "edge.conf:2: pools[0].servers[1].url: a pool's servers all speak http or all speak https; servers[0] is https")
    }

    @Test("a TOML syntax error gives line and column")
    func syntaxError() throws {
        let message = try #require(error("[server]\nvia = \"edge\"\nlisten = [\n"))
        #expect(message.hasPrefix("edge.conf:3:"))
        let parts = message.split(separator: ":")
        #expect(parts.count >= 4 && Int(parts[2]) != nil)
    }

    @Test("a site referencing a missing pool is reported at the pool key")
    func missingPool() {
        let text = "[[pools]]\nname = \"web\"\nservers = [{ url = \"http://a:1\" }]\n\n[[sites]]\nhosts = [\"*\"]\npool = \"api\"\n"
        #expect(error(text) == "edge.conf:7: sites[0].pool: no pool named \"api\" (pools are \"web\")")
    }

    @Test("a duplicate pool name is reported at the second definition")
    func duplicatePool() {
        let text = "[[pools]]\nname = \"web\"\nservers = [{ url = \"http://a:1\" }]\n[[pools]]\nname = \"web\"\nservers = [{ url = \"http://b:1\" }]\n"
        #expect(error(text) == "edge.conf:5: pools[1].name: pool \"web\" is already defined by pools[0]")
    }

    @Test("a single listen address may be written without brackets")
    func singleListen() throws {
        let config = try EdgeConfig.parse("[server]\nlisten = \"[::1]:8081\"\n", fileName: "edge.conf")
        #expect(config.server.listen == [HostPort(host: "::1", port: 8081)])
    }

    @Test("a missing file is an error naming it")
    func missingFile() {
        #expect(throws: ConfigError(file: "/nonexistent/edge.conf", message: "no such file")) {
            try EdgeConfig.load(path: "/nonexistent/edge.conf")
        }
    }

    @Test("load reads a file and names it in errors")
    func loadFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("edge-\(UUID().uuidString).conf").path
        try "[cache]\ngrace = \"later\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ConfigError.self) { try EdgeConfig.load(path: path) }
        do {
            _ = try EdgeConfig.load(path: path)
        } catch {
            #expect(error.file == path)
            #expect(error.line == 2)
            #expect(error.key == "cache.grace")
        }
    }
}

@Suite("EdgeConfig loading: structure errors")
struct EdgeConfigStructureErrorTests {
    func error(_ text: String) -> String? {
        do {
            _ = try EdgeConfig.parse(text, fileName: "edge.conf")
            return nil
        } catch {
            return error.description
        }
    }

    @Test("a table where an array of tables belongs says so")
    func tableForArray() {
        #expect(error("[pools]\nname = \"a\"\n") == "edge.conf:1: pools: expected an array, got a table")
    }

    @Test("an array where a scalar belongs says so")
    func arrayForScalar() {
        #expect(error("[cache]\nmemory_size = [1]\n") == "edge.conf:2: cache.memory_size: expected a size like \"256MiB\", got an array")
    }

    @Test("a server without url is refused at its entry")
    func serverWithoutURL() {
        #expect(error("[[pools]]\nservers = [{ weight = 2 }]\n") == "edge.conf:2: pools[0].servers[0]: a server needs a url, like { url = \"http://127.0.0.1:9000\" }")
    }

    @Test("a disk tier smaller than 1GiB without its own max_object_size takes objects up to its size")
    func smallDiskDefaultObjectLimit() throws {
        let small = try EdgeConfig.parse("[cache.disk]\npath = \"/tmp/c\"\nsize = \"256MiB\"\n", fileName: "edge.conf")
        #expect(small.cache.disk?.maxObjectSize == .mebibytes(256))
        let large = try EdgeConfig.parse("[cache.disk]\npath = \"/tmp/c\"\nsize = \"20GiB\"\n", fileName: "edge.conf")
        #expect(large.cache.disk?.maxObjectSize == .gibibytes(1))
    }
}
