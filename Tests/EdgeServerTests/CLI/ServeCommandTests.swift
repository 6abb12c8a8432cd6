import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `edge serve` run as the real executable in front of a real test origin.
@Suite("edge serve as a process", .serialized)
struct ServeCommandTests {
    @Test("edge serve proxies a request and writes one combined access-log line per request to stdout")
    func servesAndLogsCombined() async throws {
        try await withTestOrigin({ _ in .init(headers: [("Cache-Control", "max-age=60")], body: "cached body") }) { origin in
            let edge = try await EdgeServeProcess.start { port in
                ["serve", "--listen", "127.0.0.1:\(port)", "--origin", origin.url]
            }
            let first = try await edge.get("/page?x=1", headers: [("User-Agent", "cli-test/1"), ("Referer", "http://ref.example/")])
            #expect(first.status == 200)
            #expect(first.text == "cached body")
            let second = try await edge.get("/page?x=1")
            #expect(second.status == 200)
            #expect(second.header("cache-status")?.hasPrefix("edge; hit") == true, "\(second)")
            #expect(origin.requestCount == 1)

            let lines = try await Self.accessLines(from: edge.process, count: 2)
            #expect(lines.count == 2, "\(lines)")
            let pattern = /^127\.0\.0\.1 - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/page\?x=1 HTTP\/1\.1" (\d{3}) (\d+) "([^"]*)" "([^"]*)" \d+us "([^"]*)" (\S+)$/
            // The two requests came on two connections, maybe on two event loops, and each loop
            // writes its own lines: tell them apart by the miss's forward, not by their order.
            let missLine = lines.first { $0.contains("fwd=") } ?? ""
            let hitLine = lines.first { !$0.contains("fwd=") } ?? ""
            guard lines.count == 2,
                  let miss = missLine.wholeMatch(of: pattern),
                  let hit = hitLine.wholeMatch(of: pattern) else {
                Issue.record("access log lines are not in combined format: \(lines)")
                return
            }
            #expect(miss.output.1 == "200")
            #expect(miss.output.2 == "11", "bytes are the body bytes sent")
            #expect(miss.output.3 == "http://ref.example/")
            #expect(miss.output.4 == "cli-test/1")
            #expect(miss.output.5.contains("fwd=") && miss.output.5.contains("stored"), "\(missLine)")
            #expect(miss.output.6 == "127.0.0.1:\(origin.port)")
            #expect(hit.output.1 == "200")
            #expect(hit.output.3 == "-" && hit.output.4 == "-")
            #expect(hit.output.5.hasPrefix("edge; hit"), "\(hitLine)")
            #expect(hit.output.6 == "-", "a hit has no origin")

            edge.process.send(SIGTERM)
            let outcome = try await edge.process.waitForExit()
            #expect(outcome.exitCode == 0, "\(outcome)")
        }
    }

    @Test("a JSON access log file from the config gets one valid JSON object per request with every field")
    func jsonAccessLogFile() async throws {
        try await withTestOrigin({ request in .init(body: "json \(request.uri)") }) { origin in
            let directory = try TemporaryDirectory()
            let logPath = directory.path("access.log")
            let edge = try await EdgeServeProcess.start { port in
                let config = try directory.write("edge.conf", """
                    [server]
                    listen = ["127.0.0.1:\(port)"]

                    [[pools]]
                    name = "default"
                    servers = [{ url = "\(origin.url)" }]

                    [logging]
                    access_log = "\(logPath)"
                    access_log_format = "json"
                    level = "warning"
                    """)
                return ["serve", "--config", config]
            }
            let paths = ["/one", "/two?q=\"quoted\"", "/three"]
            for path in paths {
                let response = try await edge.get(path.replacingOccurrences(of: "\"", with: "%22"))
                #expect(response.status == 200)
            }

            var lines: [String] = []
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                lines = text.split(separator: "\n").map(String.init)
                if lines.count >= paths.count { break }
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            #expect(lines.count == paths.count, "\(lines)")
            // Requests on different event loops are logged per loop: match lines to paths by target.
            let expectedTargets = paths.map { $0.replacingOccurrences(of: "\"", with: "%22") }
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                guard let object else {
                    Issue.record("not a JSON object: \(line)")
                    continue
                }
                for field in ["client", "method", "target", "status", "bytes", "duration_ms", "cache_status", "origin"] {
                    #expect(object[field] != nil, "\(field) missing in \(line)")
                }
                #expect(object["client"] as? String == "127.0.0.1")
                #expect(object["method"] as? String == "GET")
                let target = object["target"] as? String ?? ""
                #expect(expectedTargets.contains(target), "\(target)")
                #expect((object["status"] as? NSNumber)?.intValue == 200)
                #expect((object["bytes"] as? NSNumber)?.intValue == "json ".utf8.count + target.utf8.count)
                #expect(((object["duration_ms"] as? NSNumber)?.doubleValue ?? -1) >= 0)
                #expect((object["cache_status"] as? String)?.hasPrefix("edge;") == true, "\(line)")
                #expect(object["origin"] as? String == "127.0.0.1:\(origin.port)")
            }
            let logged = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["target"] as? String }
            #expect(logged.sorted() == expectedTargets.sorted())
            #expect(!edge.process.stdoutText.contains("GET /"), "the access log went to the file, not stdout")

            edge.process.send(SIGTERM)
            let outcome = try await edge.process.waitForExit()
            #expect(outcome.exitCode == 0, "\(outcome)")
        }
    }

    @Test("a listen address already in use exits 1 with one clear line naming the address")
    func listenAddressInUse() async throws {
        try await withTestOrigin { occupant in
            let outcome = try await EdgeProcess.run(["serve", "--listen", "127.0.0.1:\(occupant.port)", "--origin", occupant.url])
            #expect(outcome.exitCode == 1, "\(outcome)")
            CheckCommandTests.expectNoCrashOutput(outcome)
            let errorLines = outcome.stderrLines.filter { $0.hasPrefix("edge: ") }
            #expect(errorLines.count == 1, "\(outcome.stderr)")
            let line = errorLines.first ?? ""
            #expect(line.contains("127.0.0.1:\(occupant.port)"), "\(line)")
            #expect(line.lowercased().contains("in use"), "\(line)")
            #expect(!outcome.stdout.contains("serving on"), "\(outcome.stdout)")
        }
    }

    @Test("an access log file that cannot be opened exits 1 with one line naming the path, before listening")
    func unopenableAccessLog() async throws {
        let directory = try TemporaryDirectory()
        let logPath = directory.path("missing-dir/access.log")
        let config = try directory.write("edge.conf", """
            [[pools]]
            name = "default"
            servers = [{ url = "http://127.0.0.1:9" }]

            [logging]
            access_log = "\(logPath)"
            """)
        let port = try FreePort.pick()
        let outcome = try await EdgeProcess.run(["serve", "--config", config, "--listen", "127.0.0.1:\(port)"])
        #expect(outcome.exitCode == 1, "\(outcome)")
        CheckCommandTests.expectNoCrashOutput(outcome)
        #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("edge: \(config): logging.access_log: "), "\(outcome.stderr)")
        #expect(outcome.stderr.contains(logPath), "\(outcome.stderr)")
        #expect(!outcome.stdout.contains("serving on"), "never a half-started server: \(outcome.stdout)")
    }

    @Test("edge serve without an origin exits 1 with one clear line")
    func serveWithoutOrigin() async throws {
        let port = try FreePort.pick()
        let outcome = try await EdgeProcess.run(["serve", "--listen", "127.0.0.1:\(port)"])
        #expect(outcome.exitCode == 1, "\(outcome)")
        CheckCommandTests.expectNoCrashOutput(outcome)
        #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("edge: "), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("--origin"), "says how to give one: \(outcome.stderr)")
        #expect(outcome.stdout.isEmpty, "\(outcome.stdout)")
    }

    @Test("EDGE_LOG_LEVEL with an unknown level exits 1 with one line naming the variable", arguments: [["serve"], ["check"]])
    func bogusLogLevel(command: [String]) async throws {
        let port = try FreePort.pick()
        let outcome = try await EdgeProcess.run(
            command + ["--listen", "127.0.0.1:\(port)", "--origin", "http://127.0.0.1:9"],
            environment: ["EDGE_LOG_LEVEL": "bogus"])
        #expect(outcome.exitCode == 1, "\(outcome)")
        CheckCommandTests.expectNoCrashOutput(outcome)
        #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("edge: "), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("EDGE_LOG_LEVEL"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("\"bogus\""), "\(outcome.stderr)")
        #expect(!outcome.stdout.contains("serving on"), "never a half-started server: \(outcome.stdout)")
    }

    /// Waits for `count` access-log lines (every stdout line but the announcement).
    static func accessLines(from process: EdgeProcess, count: Int) async throws -> [String] {
        let deadline = Date().addingTimeInterval(5)
        var lines: [String] = []
        while Date() < deadline {
            lines = process.stdoutText.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("edge: ") }
            if lines.count >= count { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return lines
    }
}
