// Purge cost next to live traffic: a prefix purge over 1,000,000 entries and a tag purge over
// 100,000 tagged entries, each sent to a running EdgeServer's admin API while clients keep asking
// it for cache hits and a writer keeps storing new entries. Prints the purge time and the request
// and insert latencies before and during the purge.
// Run: swift run -c release PurgeBenchmark [entries=1000000] [tagged=100000]
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeCore
import EdgeServer
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

let arguments = CommandLine.arguments.dropFirst().compactMap(Int.init)
let entryCount = arguments.first ?? 1_000_000
let taggedCount = arguments.dropFirst().first ?? 100_000
let hotCount = 1000

func monotonicNanos() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

func response(tags: String? = nil) -> CachedResponse {
    var headers = HTTPHeaders([("cache-control", "max-age=86400"), ("content-type", "text/plain"), ("date", HTTPDate.format(Date().timeIntervalSince1970))])
    if let tags { headers.add(name: "surrogate-key", value: tags) }
    let now = Date().timeIntervalSince1970
    var response = CachedResponse(status: 200, headers: headers, body: ByteBuffer(string: "0123456789abcdef"),
                                  timing: StoredResponseTiming(requestTime: now, responseTime: now),
                                  secondaryKey: SecondaryKey(vary: headers, request: HTTPHeaders())!)
    // As the server stores responses: freshness worked out once.
    response.prepare(settings: CachePolicySettings()) { stored in
        var fields = stored.headers
        fields.replaceOrAdd(name: "content-length", value: String(stored.body.readableBytes))
        return fields
    }
    return response
}

/// A blocking keep-alive HTTP/1.1 client, enough for `GET` and small answers with Content-Length.
final class Connection {
    let fd: Int32
    var buffer: [UInt8] = []

    init(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        precondition(result == 0, "connect failed")
    }

    deinit { close(fd) }

    /// Sends `request`, reads one response; returns its status line and body.
    func exchange(_ request: String) -> (head: String, body: String) {
        let bytes = Array(request.utf8)
        bytes.withUnsafeBytes { _ = send(fd, $0.baseAddress, $0.count, 0) }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let end = find([13, 10, 13, 10]) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let lengthLine = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                let length = lengthLine.flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if buffer.count >= end + 4 + length {
                    let body = String(decoding: buffer[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                    buffer.removeFirst(end + 4 + length)
                    return (head, body)
                }
            }
            let count = recv(fd, &chunk, chunk.count, 0)
            precondition(count > 0, "connection closed")
            buffer += chunk[0..<count]
        }
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        for index in 0...(buffer.count - needle.count) where buffer[index] == needle[0] && Array(buffer[index..<(index + needle.count)]) == needle {
            return index
        }
        return nil
    }
}

/// Latencies recorded by the load threads, split at the moment the purge starts and ends.
final class Recorder: Sendable {
    enum Phase: Int { case before = 0, during = 1, after = 2 }
    let phase = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
    private let samples = Mutex<[[UInt64]]>([[], [], []])

    func record(_ nanos: UInt64) {
        let current = phase.load(ordering: .relaxed)
        samples.withLock { $0[current].append(nanos) }
    }

    func summary(_ phase: Phase) -> String {
        var values = samples.withLock { $0[phase.rawValue] }
        guard !values.isEmpty else { return "no samples" }
        values.sort()
        func ms(_ nanos: UInt64) -> String { String(format: "%.2f ms", Double(nanos) / 1e6) }
        return "n=\(values.count) p50=\(ms(values[values.count / 2])) p99=\(ms(values[values.count * 99 / 100])) max=\(ms(values[values.count - 1]))"
    }

    /// Samples of every phase (for the writer: entries it stored).
    var count: Int { samples.withLock { $0.reduce(0) { $0 + $1.count } } }

    func reset() {
        samples.withLock { $0 = [[], [], []] }
        phase.store(0, ordering: .relaxed)
    }
}

var logger = Logger(label: "purge-benchmark")
logger.logLevel = .error
var configuration = EdgeServer.Configuration(
    listen: [("127.0.0.1", 0)], eventLoops: 1,
    sites: [EdgeServer.SiteRoute(hosts: ["*"], poolName: "default", servers: [OriginServer(host: "127.0.0.1", port: 9)])],
    cacheBytes: 4 << 30, maxObjectBytes: 1 << 20, eviction: .tinylfu)
configuration.admin = AdminSettings(listen: ("127.0.0.1", 0), token: "bench")
let server = EdgeServer(configuration: configuration, accessLog: try AccessLog(destination: "off", format: .combined), logger: logger)
let port = try await server.start().first?.port ?? 0
let adminPort = server.adminAddress?.port ?? 0
let cache = server.cache

print("Filling: \(entryCount) entries under http://bench.example/items/, \(taggedCount) of them tagged \"sale\", \(hotCount) hot entries elsewhere")
let fillStart = monotonicNanos()
let plain = response()
let tagged = response(tags: "sale catalog")
for index in 0..<entryCount {
    cache.insert(index < taggedCount ? tagged : plain, for: CacheKey(host: "bench.example", target: "/items/\(index / 1000)/\(index)"))
}
for index in 0..<hotCount {
    cache.insert(plain, for: CacheKey(host: "hot.example", target: "/hot/\(index)"))
}
print(String(format: "Filled in %.1f s; store: %d entries", Double(monotonicNanos() - fillStart) / 1e9, cache.store.stats.entries))

let requests = Recorder()
let inserts = Recorder()

/// Clients asking for hot hits, and a writer storing new entries (the miss path takes the index lock).
func startLoad() -> [Thread] {
    var threads: [Thread] = []
    for client in 0..<2 {
        let thread = Thread {
            let connection = Connection(port: port)
            var index = client
            while !requests.stop.load(ordering: .relaxed) {
                let started = monotonicNanos()
                let answer = connection.exchange("GET /hot/\(index % hotCount) HTTP/1.1\r\nHost: hot.example\r\n\r\n")
                requests.record(monotonicNanos() - started)
                precondition(answer.head.contains("edge; hit"), "expected a hit: \(answer.head)")
                index += 7
            }
        }
        threads.append(thread)
    }
    let writer = Thread {
        var index = 0
        while !inserts.stop.load(ordering: .relaxed) {
            let started = monotonicNanos()
            cache.insert(plain, for: CacheKey(host: "new.example", target: "/n/\(index)"))
            inserts.record(monotonicNanos() - started)
            index += 1
            usleep(200)
        }
    }
    threads.append(writer)
    for thread in threads { thread.start() }
    return threads
}

func purge(_ json: String) -> (status: String, body: String, nanos: UInt64) {
    let admin = Connection(port: adminPort)
    let request = "POST /purge HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer bench\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
    let started = monotonicNanos()
    let answer = admin.exchange(request)
    return (String(answer.head.split(separator: "\r\n")[0]), answer.body, monotonicNanos() - started)
}

func run(_ name: String, _ json: String) async throws {
    requests.reset()
    inserts.reset()
    requests.stop.store(false, ordering: .relaxed)
    inserts.stop.store(false, ordering: .relaxed)
    let threads = startLoad()
    try await Task.sleep(for: .seconds(2))
    requests.phase.store(1, ordering: .relaxed)
    inserts.phase.store(1, ordering: .relaxed)
    let answer = purge(json)
    requests.phase.store(2, ordering: .relaxed)
    inserts.phase.store(2, ordering: .relaxed)
    try await Task.sleep(for: .seconds(1))
    requests.stop.store(true, ordering: .relaxed)
    inserts.stop.store(true, ordering: .relaxed)
    while threads.contains(where: { !$0.isFinished }) { try await Task.sleep(for: .milliseconds(10)) }
    print("\n\(name): \(answer.status) \(answer.body.trimmingCharacters(in: .whitespacesAndNewlines))")
    print(String(format: "  purge took %.1f ms (admin request to answer)", Double(answer.nanos) / 1e6))
    print("  hit requests before: \(requests.summary(.before))")
    print("  hit requests during: \(requests.summary(.during))")
    print("  inserts before:      \(inserts.summary(.before))")
    print("  inserts during:      \(inserts.summary(.during))")
}

try await run("Tag purge over \(taggedCount) tagged entries", #"{"tags":["sale"]}"#)
try await run("Prefix purge over the remaining \(entryCount - taggedCount) entries", #"{"prefixes":["http://bench.example/items/"]}"#)
print(String(format: "\nStore after: %d entries", cache.store.stats.entries))

// A purge of everything answers at once (a generation); the hidden entries are then swept in the
// background, one key at a time, with the same traffic running.
for index in 0..<entryCount {
    cache.insert(plain, for: CacheKey(host: "bench.example", target: "/items/\(index / 1000)/\(index)"))
}
for index in 0..<hotCount {
    cache.insert(plain, for: CacheKey(host: "hot.example", target: "/hot/\(index)"))
}
print("\nRefilled: \(cache.store.stats.entries) entries")
try await run("Soft prefix purge over \(entryCount) entries", #"{"prefixes":["http://bench.example/items/"],"soft":true}"#)
requests.reset()
inserts.reset()
requests.stop.store(false, ordering: .relaxed)
inserts.stop.store(false, ordering: .relaxed)
// The hot entries are purged too: re-store them as the clients miss... the clients expect hits, so
// they ask only after the purge for entries stored after it.
let sweepStart = monotonicNanos()
let allAnswer = purge(#"{"all":true}"#)
for index in 0..<hotCount {
    cache.insert(plain, for: CacheKey(host: "hot.example", target: "/hot/\(index)"))
}
requests.phase.store(1, ordering: .relaxed)
inserts.phase.store(1, ordering: .relaxed)
let threads = startLoad()
while cache.store.stats.entries > hotCount + 100_000 { try await Task.sleep(for: .milliseconds(5)) }
while cache.store.stats.entries > hotCount + inserts.count { try await Task.sleep(for: .milliseconds(5)) }
let swept = monotonicNanos() - sweepStart
requests.phase.store(2, ordering: .relaxed)
inserts.phase.store(2, ordering: .relaxed)
requests.stop.store(true, ordering: .relaxed)
inserts.stop.store(true, ordering: .relaxed)
while threads.contains(where: { !$0.isFinished }) { try await Task.sleep(for: .milliseconds(10)) }
print("Purge of everything: \(allAnswer.status) \(allAnswer.body.trimmingCharacters(in: .whitespacesAndNewlines))")
print(String(format: "  answered in %.2f ms; background sweep of the hidden entries done after %.0f ms", Double(allAnswer.nanos) / 1e6, Double(swept) / 1e6))
print("  hit requests during the sweep: \(requests.summary(.during))")
print("  inserts during the sweep:      \(inserts.summary(.during))")
await server.drainAndStop()
