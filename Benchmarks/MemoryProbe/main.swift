// Where the bytes of a cached object go: builds N stored responses the way the server stores them
// (headers as NIO's decoder hands an nginx origin's to Edge, stripped for storing, prepared for hits,
// inserted into an HTTPCache), measuring the allocator's bytes in use (jemalloc, as the server) and the
// resident size after each step.
//
//   swift build -c release --product MemoryProbe && .build/release/MemoryProbe [objects] [mode]
//
// Mode `disk-index` measures instead what the disk tier keeps in memory for an object held only on
// disk (its `DiskIndex` entry).
#if canImport(CJemalloc)
import CJemalloc
#endif
import EdgeCore
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

let objects = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200_000

/// Bytes the allocator has handed out: jemalloc's `stats.allocated`, as in the server (which links
/// jemalloc in place of the C library's malloc), refreshed by advancing its statistics epoch.
func mallocInUse() -> Int {
    #if canImport(CJemalloc)
    var epoch: UInt64 = 1
    _ = mallctl("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size)
    var allocated = 0
    var length = MemoryLayout<Int>.size
    guard mallctl("stats.allocated", &allocated, &length, nil, 0) == 0 else { return 0 }
    return allocated
    #else
    return 0
    #endif
}

/// Hands the pages of freed blocks back to the system before the resident size is read: jemalloc
/// keeps them for a while (its decay, 10 s) in case they are wanted again, and a step that grew an
/// array would otherwise count the array it left behind.
func returnFreedPages() {
    #if canImport(CJemalloc)
    _ = mallctl("arena.4096.purge", nil, nil, nil, 0)  // 4096: MALLCTL_ARENAS_ALL
    #endif
}

func residentBytes() -> Int {
    returnFreedPages()
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0
    var resident = 0
    withUnsafeMutablePointer(to: &size) { sizePointer in
        withUnsafeMutablePointer(to: &resident) { residentPointer in
            _ = withVaList([sizePointer, residentPointer]) { vfscanf(file, "%ld %ld", $0) }
        }
    }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

struct Probe {
    var lastMalloc = mallocInUse()
    var lastResident = residentBytes()
    var rows: [(String, Double, Double)] = []

    mutating func step(_ name: String) {
        let nowMalloc = mallocInUse()
        let nowResident = residentBytes()
        rows.append((name, Double(nowMalloc - lastMalloc) / Double(objects), Double(nowResident - lastResident) / Double(objects)))
        lastMalloc = nowMalloc
        lastResident = nowResident
    }

    func report() {
        print("| step | malloc B/object | RSS B/object |")
        print("| --- | ---: | ---: |")
        var totalMalloc = 0.0
        var totalResident = 0.0
        for (name, heap, resident) in rows {
            print("| \(name) | \(Int(heap.rounded())) | \(Int(resident.rounded())) |")
            totalMalloc += heap
            totalResident += resident
        }
        print("| total | \(Int(totalMalloc.rounded())) | \(Int(totalResident.rounded())) |")
    }
}

/// Fresh (unshared) strings, as the decoder makes them from the bytes on the wire.
func wire(_ text: String) -> String {
    var bytes = Array(text.utf8)
    bytes.append(0)
    bytes.removeLast()
    return String(decoding: bytes, as: UTF8.self)
}

/// The head as NIO's HTTPDecoder delivers it: an array reserved for 16 fields.
func decodedHeaders(date: String) -> HTTPHeaders {
    var fields: [(String, String)] = []
    fields.reserveCapacity(16)
    fields.append((wire("Server"), wire("nginx/1.22.1")))
    fields.append((wire("Date"), wire(date)))
    fields.append((wire("Content-Type"), wire("application/octet-stream")))
    fields.append((wire("Content-Length"), wire("64")))
    fields.append((wire("Connection"), wire("keep-alive")))
    fields.append((wire("Cache-Control"), wire("max-age=3600")))
    return HTTPHeaders(fields)
}

/// `FillPolicy.fieldsToStore` for this head: hop-by-hop fields go.
func storedHeaders(_ decoded: HTTPHeaders) -> HTTPHeaders {
    var stored = decoded
    stored.remove(name: "connection")
    stored.remove(name: "keep-alive")
    return stored
}

/// `EdgeFields.prepared` for this response.
func clientHeaders(_ stored: CachedResponse) -> HTTPHeaders {
    var headers = stored.headers
    headers.replaceOrAddKeepingPlace(name: "accept-ranges", value: "bytes")
    headers.replaceOrAddKeepingPlace(name: "content-length", value: String(stored.body.readableBytes))
    headers.remove(name: "surrogate-control")
    headers.remove(name: "cdn-cache-control")
    headers.remove(name: "surrogate-key")
    headers.remove(name: "cache-tag")
    headers.add(name: "via", value: "1.1 edge")
    headers.remove(name: "age")
    return headers
}

if CommandLine.arguments.dropFirst(2).first == "disk-index" {
    var diskProbe = Probe()
    // A disk the size of these objects: its popularity sketch is sized from it (one counter row per expected object).
    var index = DiskIndex(capacityBytes: objects * 16_384)
    for i in 0..<objects {
        _ = index.insert(UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15, size: 16_384)
    }
    diskProbe.step("DiskIndex entries (hash, size, last use; sampling slot)")
    diskProbe.report()
    print("entries \(index.count)")
    exit(0)
}

let settings = CachePolicySettings()
let allocator = ByteBufferAllocator()
let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 64)
let host = "127.0.0.1:18080"
var probe = Probe()

var keys: [CacheKey] = []
keys.reserveCapacity(objects)
probe.step("key array (\(MemoryLayout<CacheKey>.stride) B each, not per object)")
for i in 0..<objects {
    let digits = String(i)
    keys.append(CacheKey(host: host, target: wire("/m/" + String(repeating: "0", count: max(0, 9 - digits.utf8.count)) + digits)))
}
probe.step("keys (strings)")

var responses: [CachedResponse] = []
responses.reserveCapacity(objects)
probe.step("response array (\(MemoryLayout<CachedResponse>.stride) B each, not per object)")

var decoded: [HTTPHeaders] = []
decoded.reserveCapacity(objects)
for i in 0..<objects {
    decoded.append(decodedHeaders(date: "Sat, 10 May 2025 12:\(10 + i / 60_000 % 50):\(10 + i / 1000 % 50) GMT"))
}
probe.step("decoded heads (16-field arrays + strings)")

var stored: [HTTPHeaders] = []
stored.reserveCapacity(objects)
probe.step("(stored-head array)")
for i in 0..<objects { stored.append(storedHeaders(decoded[i])) }
probe.step("stored heads (copies without Connection)")
decoded = []
probe.step("decoded heads freed")

var bodies: [ByteBuffer] = []
bodies.reserveCapacity(objects)
probe.step("(body array)")
for _ in 0..<objects {
    var body = allocator.buffer(capacity: 64)
    body.writeBytes(payload)
    bodies.append(body)
}
probe.step("bodies (ByteBuffer storage + 64 B)")

for i in 0..<objects {
    let timing = StoredResponseTiming(requestTime: 1_746_878_400, responseTime: 1_746_878_400)
    guard let secondaryKey = SecondaryKey(vary: stored[i], request: [:]) else { continue }
    responses.append(CachedResponse(status: 200, headers: stored[i], body: bodies[i], timing: timing, secondaryKey: secondaryKey))
}
stored = []
bodies = []
probe.step("CachedResponse values (inline; heads and bodies shared)")

for i in 0..<objects {
    responses[i].prepare(settings: settings, clientHeaders: clientHeaders)
    responses[i].encodings.negotiation = .none
}
probe.step("prepare: freshness; stored lines, client lines and body packed in one buffer")

/// What the store holds, kept alive until the report.
var held: [AnyObject] = []
let mode = CommandLine.arguments.dropFirst(2).first ?? "tinylfu"
if mode == "store" {
    let store = MemoryStore<CacheKey, CachedVariants>(capacityBytes: 4 << 30, maxObjectBytes: 1 << 20, shards: 16, policy: .tinylfu)
    for i in 0..<objects {
        var variants = CachedVariants()
        variants.insert(responses[i], limit: 16)
        store.set(keys[i], variants)
    }
    probe.step("MemoryStore (tinylfu, no purge index) + CachedVariants")
    print("entries \(store.stats.entries), store bytes/object \(store.stats.bytes / max(1, objects))")
    held.append(store)
} else {
    let cache = HTTPCache(capacityBytes: 4 << 30, maxObjectBytes: 1 << 20, policy: EvictionPolicyKind(rawValue: mode) ?? .tinylfu)
    for i in 0..<objects {
        cache.insert(responses[i], for: keys[i])
    }
    probe.step("HTTPCache.insert \(mode) (store, variants, purge index)")
    print("entries \(cache.store.stats.entries), store bytes/object \(cache.store.stats.bytes / max(1, objects))")
    held.append(cache)
}
responses = []
probe.step("responses array dropped (values now only in the store)")
keys = []
probe.step("key array dropped (keys now only in the store)")
probe.report()
withExtendedLifetime(held) {}
print("strides: CachedResponse \(MemoryLayout<CachedResponse>.stride), HTTPHeaders \(MemoryLayout<HTTPHeaders>.stride), ByteBuffer \(MemoryLayout<ByteBuffer>.stride), FreshnessInfo? \(MemoryLayout<FreshnessInfo?>.stride), EncodedBodies \(MemoryLayout<EncodedBodies>.stride), SecondaryKey \(MemoryLayout<SecondaryKey>.stride), CachedVariants \(MemoryLayout<CachedVariants>.stride), CacheKey \(MemoryLayout<CacheKey>.stride)")
