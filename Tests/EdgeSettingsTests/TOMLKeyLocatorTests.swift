import Testing
@testable import EdgeSettings

@Suite("TOMLKeyLocator")
struct TOMLKeyLocatorTests {
    let text = """
        # comment [not] a = table
        top = 1
        [server]
        listen = ["a:1",
          "b:2"]
        via = "x # not a comment" # comment

        [[pools]]
        name = "one"
        [[pools]]
        name = "two"
        servers = [
          { url = "http://a", weight = 2 },
          { url = "http://b" },
        ]
        [pools.extra]
        deep.key = 'v'
        """

    @Test("keys, array elements and table headers have their lines")
    func lines() {
        let locator = TOMLKeyLocator(text: text)
        #expect(locator.entry(for: "top")?.line == 2)
        #expect(locator.entry(for: "server")?.line == 3)
        #expect(locator.entry(for: "server.listen")?.line == 4)
        #expect(locator.entry(for: "server.listen[1]")?.line == 5)
        #expect(locator.entry(for: "server.via")?.line == 6)
        #expect(locator.entry(for: "pools[0]")?.line == 8)
        #expect(locator.entry(for: "pools[0].name")?.line == 9)
        #expect(locator.entry(for: "pools[1].name")?.line == 11)
        #expect(locator.entry(for: "pools[1].servers[1].url")?.line == 14)
        #expect(locator.entry(for: "pools[1].servers[0].weight")?.line == 13)
        #expect(locator.entry(for: "pools[1].extra.deep.key")?.line == 17)
        #expect(locator.entry(for: "pools[1].servers[0]")?.line == 13)
    }

    @Test("raw values are kept as written")
    func rawValues() {
        let locator = TOMLKeyLocator(text: text)
        #expect(locator.entry(for: "server.via")?.rawValue == "\"x # not a comment\"")
        #expect(locator.entry(for: "pools[1].servers[0].weight")?.rawValue == "2")
        #expect(locator.entry(for: "pools[1].extra.deep.key")?.rawValue == "'v'")
    }

    @Test("unknown paths fall back to the enclosing key, then line 1")
    func fallback() {
        let locator = TOMLKeyLocator(text: text)
        #expect(locator.line(for: ConfigPath.parse("pools[1].servers[1].weight")) == 14)
        #expect(locator.line(for: ConfigPath.parse("pools[1].missing")) == 10)
        #expect(locator.line(for: ConfigPath.parse("nowhere.at.all")) == 1)
    }

    @Test("key paths render and parse back")
    func paths() {
        let path = "pools[1].servers[0].url"
        #expect(ConfigPath.render(ConfigPath.parse(path)) == path)
    }
}
