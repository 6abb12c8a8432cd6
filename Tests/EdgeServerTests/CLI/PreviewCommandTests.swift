import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `edge preview DIR`, run as the real executable.
@Suite("edge preview as a process")
struct PreviewCommandTests {
    static func site() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        try StaticSiteHarness.write("<!doctype html><title>Hi</title><body><h1>First</h1></body>", to: folder.path("index.html"))
        try StaticSiteHarness.write("{\"bundles\": [{\"name\": \"core\", \"assets\": [\"/core.js\"], \"pages\": [\"/**\"]}]}", to: folder.path("progressive.json"))
        try StaticSiteHarness.write("document.documentElement.dataset.enhanced = 'core'", to: folder.path("core.js"))
        return folder
    }

    @Test("a preview serves the folder with the live-reload script, and a changed file makes connected pages reload")
    func liveReload() async throws {
        let folder = try Self.site()
        let preview = try await EdgeServeProcess.start { port in
            ["preview", folder.url.path, "--listen", "127.0.0.1:\(port)", "--access-log", "off"]
        }
        let first = try await preview.get("/")
        #expect(first.status == 200)
        #expect(first.text.contains("<h1>First</h1>"))
        #expect(first.text.contains("new EventSource(\"/__edge/reload\")"))
        #expect(first.text.contains("<script type=\"module\" src=\"/core."))

        // A browser's event stream, read on its own thread; it ends at the first event.
        let port = preview.port
        let events = Task {
            try await onThread { () -> String in
                let stream = try StreamingHTTPClient(port: port, timeoutSeconds: 15)
                try stream.send(EdgeHarness.request(path: "/__edge/reload"))
                let head = try stream.readHead()
                guard head.status == 200 else { return "status \(head.status)" }
                return try stream.readUntil("data: reload")
            }
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        try StaticSiteHarness.write("<!doctype html><title>Hi</title><body><h1>Second</h1></body>", to: folder.path("index.html"))
        let received = try await events.value
        #expect(received.contains("data: reload"))
        let second = try await preview.get("/")
        #expect(second.text.contains("<h1>Second</h1>"))

        preview.process.send(SIGTERM)
        let outcome = try await preview.process.waitForExit()
        #expect(outcome.exitCode == 0, "\(outcome)")
    }

    @Test("a folder that does not exist, or a manifest that is wrong, stops preview with one line naming it")
    func badFolders() async throws {
        let missing = try await EdgeProcess.run(["preview", "/nonexistent/site", "--listen", "127.0.0.1:\(try FreePort.pick())"])
        #expect(missing.exitCode == 1, "\(missing)")
        #expect(missing.stderr.contains("/nonexistent/site: no such folder"), "\(missing.stderr)")

        let folder = try Self.site()
        try StaticSiteHarness.write("{\"bundles\": [{\"name\": \"core\", \"assets\": [\"/gone.js\"], \"pages\": [\"/**\"]}]}", to: folder.path("progressive.json"))
        let broken = try await EdgeProcess.run(["preview", folder.url.path, "--listen", "127.0.0.1:\(try FreePort.pick())"])
        #expect(broken.exitCode == 1, "\(broken)")
        #expect(broken.stderr.contains("progressive.json: bundle \"core\""), "\(broken.stderr)")
        #expect(!broken.stdout.contains("serving on"))
    }
}
