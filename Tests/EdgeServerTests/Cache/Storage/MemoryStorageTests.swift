import EdgeCore
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
@testable import EdgeServer

@Suite("The memory tier behind the storage protocol: a fill is visible when finished, and only then")
struct MemoryStorageTests {
    let key = CacheKey(host: "test.example", target: "/a")

    func storage(maxObjectBytes: Int = 64 << 10) -> MemoryStorage {
        MemoryStorage(cache: HTTPCache(capacityBytes: 1 << 20, maxObjectBytes: maxObjectBytes, policy: .lru), prepareForHits: { _ in })
    }

    func response(length: Int? = nil) -> CachedResponse {
        var headers = HTTPHeaders([("cache-control", "max-age=60")])
        if let length { headers.add(name: "content-length", value: String(length)) }
        return CachedResponse(status: 200, headers: headers, body: ByteBuffer(), timing: StoredResponseTiming(requestTime: 1, responseTime: 1),
                              secondaryKey: SecondaryKey(varyNames: [], values: []))
    }

    func isMiss(_ lookup: StorageLookup) -> Bool {
        if case .miss = lookup { return true }
        return false
    }

    @Test("a finished fill is found whole; before it finishes, and after it is abandoned, nothing is")
    func finishAndAbandon() throws {
        let memory = storage()
        let loop = EmbeddedEventLoop()
        let epochs = FillEpochs(memory: memory.cache.purgeIndex.currentEpoch, disk: 0)
        let fill = try #require(memory.beginFill(response(length: 5), for: key, expectedLength: 5, epochs: epochs))
        #expect(fill.write(ByteBuffer(string: "hel")))
        #expect(isMiss(memory.lookup(key, requestHeaders: [:], on: loop)), "not visible while it streams")
        #expect(fill.write(ByteBuffer(string: "lo")))
        guard case .stored = fill.finish() else { Issue.record("not stored"); return }
        guard case .hit(.whole(let stored)) = memory.lookup(key, requestHeaders: [:], on: loop) else { Issue.record("no hit"); return }
        #expect(String(buffer: stored.body) == "hello")

        let other = CacheKey(host: "test.example", target: "/b")
        let abandoned = try #require(memory.beginFill(response(), for: other, expectedLength: nil, epochs: epochs))
        abandoned.write(ByteBuffer(string: "partial"))
        abandoned.abandon()
        #expect(isMiss(memory.lookup(other, requestHeaders: [:], on: loop)))
    }

    @Test("a body larger than memory takes is refused up front when announced, and given up when it grows past the limit")
    func tooLarge() throws {
        let memory = storage(maxObjectBytes: 4096)
        let epochs = FillEpochs(memory: 0, disk: 0)
        #expect(memory.beginFill(response(length: 10_000), for: key, expectedLength: 10_000, epochs: epochs) == nil)
        let fill = try #require(memory.beginFill(response(), for: key, expectedLength: nil, epochs: epochs))
        #expect(fill.write(ByteBuffer(repeating: 0x61, count: 2048)))
        #expect(!fill.write(ByteBuffer(repeating: 0x61, count: 4096)))
        guard case .notStored = fill.finish() else { Issue.record("stored past the limit"); return }
        #expect(isMiss(memory.lookup(key, requestHeaders: [:], on: EmbeddedEventLoop())))
    }
}
