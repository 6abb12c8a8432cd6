import EdgeCore
import Foundation
import NIOCore
import Testing
@testable import EdgeServer

@Suite("Interim responses from the origin are relayed, never stored")
struct InterimResponseEndToEndTests {
    static let hintedPage: FaultyOrigin.Decide = { _, _ in
        .interim(status: 103, fields: [("Link", "</app.css>; rel=preload; as=style"), ("Link", "</app.js>; rel=modulepreload")],
                 then: .after(.milliseconds(200), .answer(status: 200, body: "page", cacheControl: "max-age=60")))
    }

    /// An edge in front of one `FaultyOrigin`, with `configure` applied.
    func withOrigin(_ decide: @escaping FaultyOrigin.Decide, configure: (inout EdgeServer.Configuration) -> Void = { _ in },
                    _ body: (EdgeHarness, FaultyOrigin) async throws -> Void) async throws {
        let origin = try await FaultyOrigin(decide)
        try await withEdge(faulty: [origin], configure: configure) { edge in
            try await body(edge, origin)
        }
    }

    @Test("an origin's 103 reaches an HTTP/1.1 client before the 200, and the stored response is served later without it")
    func earlyHintsOverHTTP1() async throws {
        try await withOrigin(Self.hintedPage) { edge, origin in
            let connection = try edge.connect()
            try connection.send(EdgeHarness.request(path: "/page"))
            let hints = try connection.readStatusAndHeaders()
            #expect(hints.status == 103)
            #expect(hints.headers("link") == ["</app.css>; rel=preload; as=style", "</app.js>; rel=modulepreload"])
            let page = try connection.readResponse()
            #expect(page.status == 200)
            #expect(page.text == "page")

            let hit = try edge.get("/page")
            #expect(hit.status == 200)
            #expect(hit.interim.isEmpty, "an interim response is never stored or reused")
            #expect(hit.header("cache-status")?.hasPrefix("edge; hit") == true)
            #expect(origin.targets.count == 1)
        }
    }

    @Test("102 and other interim responses are relayed too; HTTP/1.0 clients get none")
    func otherInterimsAndHTTP10() async throws {
        let decide: FaultyOrigin.Decide = { _, _ in
            .interim(status: 102, fields: [], then: .answer(status: 200, body: "done"))
        }
        try await withOrigin(decide) { edge, _ in
            let response = try edge.get("/work")
            #expect(response.interim.map(\.status) == [102])
            #expect(response.text == "done")

            let old = try edge.connect()
            try old.send("GET /work HTTP/1.0\r\nHost: test.example\r\n\r\n")
            let oldResponse = try old.readResponse()
            #expect(oldResponse.status == 200)
            #expect(oldResponse.interim.isEmpty)
        }
    }

    @Test("an origin's 103 reaches an HTTP/2 client as an informational HEADERS frame before the 200")
    func earlyHintsOverHTTP2() async throws {
        try await withOrigin(Self.hintedPage, configure: { $0.h2cListen = [("127.0.0.1", 0)] }) { edge, _ in
            let outcome = try await ExternalTool.run("curl", ["-sv", "--http2-prior-knowledge", "http://127.0.0.1:\(edge.port(.h2c))/h2page"])
            let lines = outcome.stderr.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("< HTTP/2") || $0.hasPrefix("< link") }
            #expect(lines.map(String.init) == [
                "< HTTP/2 103 ", "< link: </app.css>; rel=preload; as=style", "< link: </app.js>; rel=modulepreload", "< HTTP/2 200 ",
            ], "\(outcome.stderr)")
            #expect(outcome.stdoutText == "page")
        }
    }

    @Test("for a progressive page the origin's hints add only the links the manifest's 103 did not give")
    func mergedWithManifestHints() async throws {
        let manifest = try ProgressiveManifest.parse(Data(#"{"bundles":[{"name":"core","assets":["/app.js"],"pages":["/**"]}]}"#.utf8))
        let decide: FaultyOrigin.Decide = { _, _ in
            .interim(status: 103, fields: [("Link", "</app.js>; rel=modulepreload, </font.woff2>; rel=preload; as=font")],
                     then: .answer(status: 200, body: "<html><body>page</body></html>", contentType: "text/html"))
        }
        try await withOrigin(decide, configure: { $0.sites[0].progressive = ProgressiveSettings(manifest: manifest) }) { edge, _ in
            let response = try edge.get("/shop/")
            #expect(response.interim.map(\.status) == [103, 103])
            #expect(response.interim.first?.headers("link").contains { $0.hasPrefix("</app.js>") } == true)
            #expect(response.interim.last?.headers("link") == ["</font.woff2>; rel=preload; as=font"])
            #expect(response.status == 200)
        }
    }
}
