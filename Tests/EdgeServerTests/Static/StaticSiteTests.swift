import EdgeCore
import Foundation
import Testing
@testable import EdgeServer

/// Static folders served through the edge: the right file, type and validators, and nothing outside.
@Suite("Static folders through the edge")
struct StaticSiteTests {
    static let files = [
        "index.html": "<!doctype html><title>Home</title><body><h1>Home</h1></body>",
        "catalog/index.html": "<!doctype html><title>Catalog</title><body><h1>Catalog</h1></body>",
        "404.html": "<!doctype html><title>Missing</title><body><h1>Not here</h1></body>",
        "assets/site.css": String(repeating: "body { color: #333 }\n", count: 100),
        "assets/logo.svg": "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>",
        "data/notes.txt": "0123456789abcdefghij",
    ]

    @Test("folders serve their index.html, a folder without its slash is redirected, and files get their type and validators")
    func indexTypesAndValidators() async throws {
        try await withStaticSite(Self.files) { site in
            let home = try site.edge.get("/")
            #expect(home.status == 200)
            #expect(home.text.contains("<h1>Home</h1>"))
            #expect(home.header("content-type") == "text/html; charset=utf-8")
            let catalog = try site.edge.get("/catalog/")
            #expect(catalog.text.contains("<h1>Catalog</h1>"))
            let redirect = try site.edge.get("/catalog")
            #expect(redirect.status == 301)
            #expect(redirect.header("location") == "/catalog/")
            let css = try site.edge.get("/assets/site.css")
            #expect(css.header("content-type") == "text/css; charset=utf-8")
            #expect(css.header("etag") != nil)
            #expect(css.header("last-modified") != nil)
            #expect(try site.edge.get("/assets/logo.svg").header("content-type") == "image/svg+xml")
            // A conditional request with the file's ETag gets a 304 (answered from the edge's cache).
            let again = try site.edge.get("/assets/site.css", headers: [("If-None-Match", css.header("etag") ?? "")])
            #expect(again.status == 304)
        }
    }

    @Test("a missing file gets the folder's 404.html with status 404")
    func notFoundPage() async throws {
        try await withStaticSite(Self.files) { site in
            let missing = try site.edge.get("/no/such/page")
            #expect(missing.status == 404)
            #expect(missing.text.contains("<h1>Not here</h1>"))
        }
    }

    @Test("Range requests on a static file get 206 with the bytes asked for")
    func ranges() async throws {
        try await withStaticSite(Self.files) { site in
            let part = try site.edge.get("/data/notes.txt", headers: [("Range", "bytes=10-14")])
            #expect(part.status == 206)
            #expect(part.text == "abcde")
            #expect(part.header("content-range") == "bytes 10-14/20")
        }
    }

    @Test("paths that escape the folder get 404: dot segments, encoded ones, and symlinks that lead outside", arguments: [
        "/../secret.txt", "/%2e%2e/secret.txt", "/catalog/%2E%2E/%2e%2e/secret.txt", "/catalog/..%2fsecret.txt", "/outside/secret.txt", "/leak.txt",
    ])
    func noEscapes(path: String) async throws {
        let outside = try TemporaryDirectory()
        let secret = try outside.write("secret.txt", "top secret")
        try await withStaticSite(Self.files) { site in
            try FileManager.default.createSymbolicLink(atPath: site.folder.path("leak.txt"), withDestinationPath: secret)
            try FileManager.default.createSymbolicLink(atPath: site.folder.path("outside"), withDestinationPath: outside.url.path)
            let connection = try site.edge.connect()
            try connection.send("GET \(path) HTTP/1.1\r\nHost: test.example\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 404 || response.status == 400, "\(path): \(response.status)")
            #expect(!response.text.contains("top secret"))
        }
    }

    @Test("a precompressed sibling newer than its source is sent as it is to clients that accept its coding")
    func precompressedSibling() async throws {
        let source = String(repeating: "const answer = 42;\n", count: 200)
        try await withStaticSite(["app.js": source]) { site in
            // A sibling whose bytes are told apart from anything the edge would make: brotli at level 1.
            let sibling = site.folder.path("app.js.br")
            let outcome = try await ExternalTool.run("brotli", ["-q", "1", "-o", sibling, site.folder.path("app.js")])
            #expect(outcome.exitCode == 0, "\(outcome)")
            // brotli keeps the source's time (to the second, so older than it): make the sibling newer.
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: sibling)
            let siblingBytes = try Array(Data(contentsOf: URL(fileURLWithPath: sibling)))
            let coded = try site.edge.get("/app.js", headers: [("Accept-Encoding", "br")])
            #expect(coded.header("content-encoding") == "br")
            #expect(coded.body == siblingBytes)
            let plain = try site.edge.get("/app.js", headers: [("Accept-Encoding", "identity")])
            #expect(plain.header("content-encoding") == nil)
            #expect(plain.text == source)
        }
    }

    @Test("a precompressed sibling older than its source is not used")
    func staleSibling() async throws {
        let source = String(repeating: "const answer = 42;\n", count: 200)
        try await withStaticSite(["app.js": source, "app.js.br": "not brotli at all"]) { site in
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: site.folder.path("app.js.br"))
            let plain = try site.edge.get("/app.js", headers: [("Accept-Encoding", "identity")])
            #expect(plain.text == source)
        }
    }

    @Test("methods other than GET and HEAD get 405 from a static folder")
    func onlyGetAndHead() async throws {
        try await withStaticSite(Self.files) { site in
            let connection = try site.edge.connect()
            try connection.send(EdgeHarness.request(method: "POST", path: "/", body: "x"))
            let response = try connection.readResponse()
            #expect(response.status == 405)
            #expect(response.header("allow") == "GET, HEAD")
        }
    }
}
