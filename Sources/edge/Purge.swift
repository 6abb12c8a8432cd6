import ArgumentParser
import EdgeCore
import EdgeServer
import EdgeSettings
import Foundation

/// `edge purge`: asks a node's admin API to purge, prints what was purged (here and on each peer),
/// and exits non-zero when the node or any peer did not purge.
struct Purge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Purge URLs, URL prefixes, tags or everything from an edge node (and its peers).",
        discussion: """
            Examples:
              edge purge http://shop.example/a?x=1
              edge purge --prefix http://shop.example/img/
              edge purge --tag product-42 --soft
              edge purge --all
            --soft marks entries stale (the next request revalidates) instead of removing them.
            """)

    @Argument(help: "Absolute URLs to purge (every variant of each).")
    var urls: [String] = []

    @Option(name: .long, help: "URL prefix to purge, e.g. http://shop.example/img/ (repeatable).")
    var prefix: [String] = []

    @Option(name: .long, help: "Tag to purge (repeatable).")
    var tag: [String] = []

    @Flag(name: .long, help: "Purge the whole cache.")
    var all = false

    @Flag(name: .long, help: "Mark stale instead of removing: the next request revalidates.")
    var soft = false

    @Option(name: .long, help: "The node's admin API.")
    var admin = "http://127.0.0.1:9090"

    @Option(name: .long, help: "Admin token (default: $EDGE_ADMIN_TOKEN).")
    var token: String?

    @Option(name: .long, help: "Seconds to wait for the answer.")
    var timeout: Int = 30

    func validate() throws {
        if urls.isEmpty, prefix.isEmpty, tag.isEmpty, !all {
            throw ValidationError("nothing to purge: give a URL, --prefix, --tag or --all")
        }
        if PeerURL(admin) == nil {
            throw ValidationError("--admin: expected an admin URL like http://127.0.0.1:9090, got \"\(admin)\"")
        }
        if timeout < 1 { throw ValidationError("--timeout: must be at least 1") }
    }

    func run() async throws {
        guard let target = PeerURL(admin) else { throw ExitCode(2) }
        let request = PurgeRequest(urls: urls, prefixes: prefix, tags: tag, all: all, soft: soft)
        let body = try JSONEncoder().encode(request)
        var headers: [(String, String)] = []
        let secret = token ?? ProcessInfo.processInfo.environment["EDGE_ADMIN_TOKEN"] ?? ""
        if !secret.isEmpty { headers.append(("authorization", "Bearer \(secret)")) }
        let response: AdminHTTPClient.Response
        do {
            response = try await AdminHTTPClient.postJSON(
                host: target.host, port: target.port, path: "/purge", headers: headers, body: Array(body), timeoutSeconds: timeout)
        } catch {
            fail("cannot reach the admin API at \(target): \(error)")
        }
        guard response.status == 200 else {
            let message = (try? JSONDecoder().decode(ErrorAnswer.self, from: Data(response.body.utf8))).map { answer in
                answer.field.map { "\($0): \(answer.error)" } ?? answer.error
            } ?? response.body
            fail("\(target) answered \(response.status): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard let answer = try? JSONDecoder().decode(PurgeAnswer.self, from: Data(response.body.utf8)) else {
            fail("unexpected answer from \(target): \(response.body)")
        }
        let what = soft ? "marked stale" : "purged"
        print("\(target): \(what) \(answer.purged) \(answer.purged == 1 ? "entry" : "entries")")
        var failed = false
        for peer in answer.peers {
            if peer.ok {
                print("\(peer.peer): \(what) \(peer.purged ?? 0) \(peer.purged == 1 ? "entry" : "entries")")
            } else {
                failed = true
                print("\(peer.peer): FAILED (\(peer.error ?? "status \(peer.status ?? 0)"))")
            }
        }
        if failed {
            FileHandle.standardError.write(Data("edge: purge: some peers did not purge\n".utf8))
            throw ExitCode(1)
        }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("edge: purge: \(message)\n".utf8))
        Foundation.exit(1)
    }

    private struct ErrorAnswer: Decodable {
        var error: String
        var field: String?
    }

    private struct PurgeAnswer: Decodable {
        struct Peer: Decodable {
            var peer: String
            var ok: Bool
            var status: Int?
            var purged: Int?
            var error: String?
        }

        var purged: Int
        var peers: [Peer]
    }
}
