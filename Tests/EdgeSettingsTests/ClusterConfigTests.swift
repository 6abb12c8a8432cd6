import Testing
@testable import EdgeSettings

@Suite("[cluster] config")
struct ClusterConfigTests {
    @Test("the [cluster] keys decode, render and parse back")
    func decodesAndRenders() throws {
        let text = """
            [cluster]
            self = "http://10.0.0.2:8080"
            nodes = ["http://10.0.0.2:8080", "http://10.0.0.3:8080", "http://10.0.0.4:8080"]
            shield = "http://10.0.1.9:8080"
            max_loop_hops = 1
            connect_timeout = "500ms"
            first_byte_timeout = "10s"
            """
        let config = try EdgeConfig.parse(text, fileName: "edge.conf")
        let cluster = try #require(config.cluster)
        #expect(cluster.selfNode?.description == "http://10.0.0.2:8080")
        #expect(cluster.nodeURLs.count == 3)
        #expect(cluster.shieldNode?.port == 8080)
        #expect(cluster.maxLoopHops == 1)
        #expect(cluster.connectTimeout == .milliseconds(500))
        #expect(config.rendered().contains("[cluster]\nself = \"http://10.0.0.2:8080\"\n"))
        #expect(try EdgeConfig.parse(config.rendered(showingSecrets: true), fileName: "rendered") == config)
    }

    @Test("without [cluster] a node caches alone, and max_loop_hops defaults to 0")
    func defaults() throws {
        #expect(try EdgeConfig.parse("", fileName: "edge.conf").cluster == nil)
        let config = try EdgeConfig.parse("[cluster]\nself = \"http://a:80\"\nnodes = [\"http://a:80\"]\n", fileName: "edge.conf")
        #expect(config.cluster?.maxLoopHops == 0)
    }

    @Test("bad [cluster] values are errors naming file, line and key", arguments: [
        ("self = \"http://10.0.0.9:8080\"\nnodes = [\"http://10.0.0.2:8080\"]", "cluster.self", "not one of cluster.nodes"),
        ("self = \"10.0.0.2:8080\"\nnodes = [\"http://10.0.0.2:8080\"]", "cluster.self", "expected this node's traffic URL"),
        ("self = \"http://10.0.0.2:8080\"\nnodes = [\"http://10.0.0.2:8080\", \"https://10.0.0.3\"]", "cluster.nodes[1]", "expected a traffic URL"),
        ("self = \"http://10.0.0.2:8080\"\nnodes = [\"http://10.0.0.2:8080\", \"http://10.0.0.2:8080/\"]", "cluster.nodes[1]", "listed twice"),
        ("self = \"http://a:1\"\nnodes = [\"http://a:1\", \"http://b:1\"]\nshield = \"http://b:1\"", "cluster.shield", "tier above"),
        ("self = \"http://a:1\"\nnodes = [\"http://a:1\"]\nmax_loop_hops = -1", "cluster.max_loop_hops", "0 to 16"),
        ("self = \"http://a:1\"\nnodes = [\"http://a:1\"]\nconnect_timeout = \"0s\"", "cluster.connect_timeout", "more than 0"),
        ("self = \"http://a:1\"\nnodes = [\"http://a:1\"]\nnode = []", "node", "unknown key"),
    ])
    func errors(lines: String, key: String, message: String) {
        do {
            _ = try EdgeConfig.parse("[cluster]\n\(lines)\n", fileName: "edge.conf")
            Issue.record("\(lines) was accepted")
        } catch {
            #expect(error.description.hasPrefix("edge.conf:"), "\(error)")
            #expect(error.description.contains(key), "\(error)")
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test("edge.conf.sample documents every [cluster] key")
    func sampleDocumentsClusterKeys() throws {
        let sample = try String(contentsOfFile: EdgeConfSampleTests.samplePath, encoding: .utf8)
        var config = EdgeConfig.defaults
        var cluster = ClusterConfig()
        cluster.selfURL = "http://a:1"
        cluster.nodes = ["http://a:1"]
        cluster.shield = "http://s:1"
        config.cluster = cluster
        let rendered = config.rendered()
        let after = rendered[try #require(rendered.range(of: "[cluster]\n")).upperBound...]
        let section = after.range(of: "\n[").map { after[..<$0.lowerBound] } ?? after
        let keys = RenderedKeys.keys(in: String(section))
        #expect(keys.count == 6)
        for key in keys {
            #expect(sample.contains("# \(key) = "), "edge.conf.sample does not document cluster.\(key)")
        }
    }

    @Test("the shield's own node may be left out of nodes")
    func shieldNode() throws {
        let text = "[cluster]\nself = \"http://s:1\"\nshield = \"http://s:1\"\nnodes = [\"http://a:1\", \"http://b:1\"]\n"
        #expect(try EdgeConfig.parse(text, fileName: "edge.conf").cluster?.shield == "http://s:1")
    }
}
