import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `edge serve` with a small descriptor limit: its disk tier keeps record files open in
/// the descriptors connections leave, and gives them back as connections arrive, so no connection
/// is ever refused for want of a descriptor.
@Suite("Open record files give way to connections", .serialized)
struct OpenFilesGiveWayTests {
    /// The child's descriptor limit: 256 are kept free, and a quarter (250) is what a fixed share
    /// would have given the files.
    static let limit = 1_000
    static let objects = 300
    static let objectBytes = 32 * 1024

    static func conf(port: Int, directory: TemporaryDirectory, origin: String) -> String {
        """
        [server]
        listen = ["127.0.0.1:\(port)"]
        client_header_timeout = "2m"
        client_idle_timeout = "2m"
        [cache]
        memory_size = "1MiB"
        max_object_size = "256KiB"
        [cache.disk]
        path = "\(directory.path("cache"))"
        size = "256MiB"

        """ + EdgeConfText.originSite(origin)
    }

    /// The `disk` object of `GET /stats`.
    static func diskStats(_ admin: Int) throws -> [String: Any] {
        let connection = try RawHTTPConnection(port: admin)
        try connection.send(EdgeHarness.request(path: "/stats", host: "127.0.0.1"))
        let json = try JSONSerialization.jsonObject(with: Data(try connection.readResponse().body)) as? [String: Any]
        return try #require(json?["disk"] as? [String: Any])
    }

    static func number(_ admin: Int, _ name: String) -> Int {
        ((try? diskStats(admin))?[name] as? Int) ?? -1
    }

    /// Asks for every object once, each on its own connection; true when all were answered whole.
    static func askForAll(port: Int) throws -> Bool {
        try (0..<objects).allSatisfy { index in
            let connection = try RawHTTPConnection(port: port)
            try connection.send(EdgeHarness.request(path: "/o/\(index)"))
            let response = try connection.readResponse()
            return response.status == 200 && response.body.count == objectBytes
        }
    }

    /// `count` idle client connections to `port`, as descriptors.
    static func connect(_ count: Int, port: Int) throws -> [Int32] {
        try (0..<count).map { _ in try LoopbackSocket.connect(port: port, timeoutSeconds: 10) }
    }

    /// One request on each of the idle connections `fds`, all sent before any answer is read and
    /// none closed: true when every one is answered whole (a connection the edge could not accept
    /// for want of a descriptor is not, and none closing frees one for it). Stops at the first miss.
    static func everyOneAnswered(_ fds: [Int32]) throws -> Bool {
        let request = Array(EdgeHarness.request(path: "/o/1").utf8)
        for fd in fds { try LoopbackSocket.sendAll(fd, request) }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        return fds.allSatisfy { fd in
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let got = recv(fd, &chunk, chunk.count, 0)
                guard got > 0 else { return false }
                received += chunk[0..<got]
                if let end = received.firstRange(of: Array("\r\n\r\n".utf8)), received.count - end.upperBound >= objectBytes {
                    return String(decoding: received.prefix(15), as: UTF8.self) == "HTTP/1.1 200 OK"
                }
            }
        }
    }

    @Test("record files fill the descriptors connections leave, give them back as 800 connections arrive 200 at a time, and every connection is answered")
    func recordFilesGiveWay() async throws {
        let directory = try TemporaryDirectory()
        let origin = try await TestOrigin { request in
            var response = TestOrigin.Response(headers: [("Cache-Control", "max-age=600")])
            response.generatedLength = Self.objectBytes
            return response
        }
        let admin = try FreePort.pick()
        let node = try await EdgeServeProcess.start(descriptorLimit: Self.limit) { port in
            let path = try directory.write("edge.conf", Self.conf(port: port, directory: directory, origin: origin.url))
            return ["serve", "--config", path, "--admin", "127.0.0.1:\(admin)"]
        }
        let port = node.port

        // Stored on disk, then read back from it: each read keeps its record file open.
        #expect(try await onThread { try Self.askForAll(port: port) })
        #expect(await eventually(within: 20) { Self.number(admin, "writes") == Self.objects })
        #expect(await eventually(within: 10) { Self.number(admin, "open_files_allowed") > 600 },
                "with few connections most descriptors may hold files")
        #expect(try await onThread { try Self.askForAll(port: port) })
        #expect(try await onThread { try Self.askForAll(port: port) })
        #expect(Self.number(admin, "open_files") > 250, "more files held than the fixed quarter would allow")

        // 200 connections at a time, fewer than the reserve: after each look the files held make
        // room for the next 200. Held all together they need more descriptors than files could leave.
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        for _ in 0..<4 {
            held += try await onThread { try Self.connect(200, port: port) }
            let connections = held.count
            #expect(await eventually(within: 10) {
                let allowed = Self.number(admin, "open_files_allowed")
                return allowed >= 0 && allowed <= max(0, Self.limit - 256 - connections) && Self.number(admin, "open_files") <= allowed
            }, "after \(connections) connections")
        }
        let all = held
        #expect(try await onThread { try Self.everyOneAnswered(all) }, "every connection accepted and answered")
        held.forEach { close($0) }
        held = []
        #expect(await eventually(within: 10) { Self.number(admin, "open_files_allowed") > 600 }, "the room comes back when they close")
        await origin.stop()
    }
}
