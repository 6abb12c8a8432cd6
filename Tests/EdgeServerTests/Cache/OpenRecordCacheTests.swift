import EdgeCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
@testable import EdgeServer
#if canImport(Glibc)
import Glibc
#endif

/// Record files kept open between hits must never outlive the record they were opened for.
@Suite("Record files kept open between hits", .serialized)
struct OpenRecordCacheTests {
    static let logger = Logger(label: "test")

    static func settings(_ directory: TemporaryDirectory, openFiles: Int = 64) -> DiskSettings {
        DiskSettings(path: directory.path("cache"), capacityBytes: 64 << 20, maxObjectBytes: 1 << 20, openFiles: openFiles)
    }

    static func response(_ body: String) -> CachedResponse {
        let time = ProxyServices.now()
        let headers = HTTPHeaders([("cache-control", "max-age=600"), ("date", HTTPDate.format(time))])
        return CachedResponse(status: 200, headers: headers, body: ByteBuffer(string: body),
                              timing: StoredResponseTiming(requestTime: time, responseTime: time), secondaryKey: SecondaryKey(vary: headers, request: HTTPHeaders())!)
    }

    static let key = CacheKey(absoluteURL: "http://test.example/kept")!

    static func body(_ store: DiskStore, on loop: EventLoop) async throws -> String? {
        guard case .whole(let response)? = try await store.read(key, requestHeaders: HTTPHeaders(), on: loop).get() else { return nil }
        return String(buffer: response.body)
    }

    /// A store on `directory`, loaded, holding one record for `key` whose body is `body`.
    static func store(_ directory: TemporaryDirectory, holding body: String, openFiles: Int = 64) async throws -> DiskStore {
        let store = try DiskStore(settings: settings(directory, openFiles: openFiles), logger: logger)
        #expect(await eventually { !store.isLoading })
        store.write(response(body), for: key, epoch: store.epoch)
        #expect(await eventually { store.stats.writes.value == 1 })
        return store
    }

    /// A file of `bytes` bytes, open, as the disk tier holds one.
    static func openFile(_ directory: TemporaryDirectory, _ name: String, bytes: Int = 10) throws -> OpenRecord {
        let path = directory.path(name)
        try String(repeating: "x", count: bytes).write(toFile: path, atomically: false, encoding: .utf8)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        return OpenRecord(descriptor: descriptor, size: bytes)
    }

    static func isOpen(_ descriptor: Int32) -> Bool { fcntl(descriptor, F_GETFD) != -1 }

    @Test("a kept file is found by its record's hash; forgetting the record closes it once no read holds it")
    func keptThenForgotten() throws {
        let directory = try TemporaryDirectory()
        let cache = OpenRecordCache(capacity: 8)
        var descriptor: Int32 = -1
        do {
            let file = try Self.openFile(directory, "a")
            descriptor = file.descriptor
            let seen = try #require(cache.lookup(42))
            #expect(seen.file == nil)
            cache.keep(file, for: 42, seen: seen)
        }
        #expect(cache.lookup(42)?.file?.descriptor == descriptor)
        #expect(cache.lookup(43)?.file == nil, "another hash is not given the file")
        #expect(Self.isOpen(descriptor))
        cache.forget(42)
        #expect(cache.lookup(42)?.file == nil)
        #expect(!Self.isOpen(descriptor), "closed as soon as the cache let it go")
    }

    @Test("when its four slots are full, a new file takes the place of the one least recently used")
    func leastRecentlyUsedMakesRoom() throws {
        let directory = try TemporaryDirectory()
        let cache = OpenRecordCache(capacity: 4)
        for hash: UInt64 in 1...4 {
            cache.keep(try Self.openFile(directory, "f\(hash)"), for: hash, seen: try #require(cache.lookup(hash)))
        }
        #expect(cache.count == 4)
        #expect(cache.lookup(1)?.file != nil)
        cache.keep(try Self.openFile(directory, "f5"), for: 5, seen: try #require(cache.lookup(5)))
        #expect(cache.count == 4)
        #expect(cache.lookup(2)?.file == nil, "the least recently used")
        for hash: UInt64 in [1, 3, 4, 5] {
            #expect(cache.lookup(hash)?.file != nil, "\(hash) kept")
        }
    }

    @Test("past its allowance a new file takes an occupied slot of its set, and is not kept when its set is empty")
    func allowanceCapsTheFilesHeld() throws {
        let directory = try TemporaryDirectory()
        // Two sets of four slots, room for two files.
        let cache = OpenRecordCache(capacity: 8, allowance: 2)
        let firstSet = try #require(cache.lookup(1)).set
        let candidates = (2...1000).map(UInt64.init)
        let ofFirstSet = [1] + candidates.filter { cache.lookup($0)?.set == firstSet }.prefix(2)
        let ofOtherSet = try #require(candidates.first { cache.lookup($0)?.set != firstSet })
        for hash in ofFirstSet {
            cache.keep(try Self.openFile(directory, "s\(hash)"), for: hash, seen: try #require(cache.lookup(hash)))
        }
        #expect(cache.count == 2, "the third file took the place of the least recently used")
        #expect(cache.lookup(ofFirstSet[0])?.file == nil)
        #expect(cache.lookup(ofFirstSet[1])?.file != nil)
        #expect(cache.lookup(ofFirstSet[2])?.file != nil)

        var descriptor: Int32 = -1
        do {
            let file = try Self.openFile(directory, "other")
            descriptor = file.descriptor
            cache.keep(file, for: ofOtherSet, seen: try #require(cache.lookup(ofOtherSet)))
        }
        #expect(cache.lookup(ofOtherSet)?.file == nil, "an empty set gets no file past the allowance")
        #expect(!Self.isOpen(descriptor), "the file not kept is closed once its read is done")
        #expect(cache.count == 2)
    }

    @Test("a lower allowance closes the files held past it at once, the least recently used of each set first; a higher one lets the cache fill again")
    func lowerAllowanceClosesFiles() throws {
        let directory = try TemporaryDirectory()
        let cache = OpenRecordCache(capacity: 64)
        var descriptors: [UInt64: Int32] = [:]
        for hash: UInt64 in 1...40 {
            let file = try Self.openFile(directory, "f\(hash)")
            descriptors[hash] = file.descriptor
            cache.keep(file, for: hash, seen: try #require(cache.lookup(hash)))
        }
        let held = cache.count
        #expect(held >= 30, "most of 40 files fit 16 sets of four")
        cache.allow(10)
        #expect(cache.count == 10)
        #expect(cache.allowance == 10)
        let open = descriptors.filter { Self.isOpen($0.value) && cache.lookup($0.key)?.file != nil }
        #expect(open.count == 10, "the files let go are closed")
        cache.allow(0)
        #expect(cache.count == 0)
        #expect(descriptors.values.allSatisfy { !Self.isOpen($0) })
        cache.allow(1000)
        #expect(cache.allowance == 64, "never more than its slots")
        cache.keep(try Self.openFile(directory, "again"), for: 7, seen: try #require(cache.lookup(7)))
        #expect(cache.count == 1)
    }

    @Test("a file opened before its record was replaced or removed is not kept")
    func openedBeforeAChangeIsNotKept() throws {
        let directory = try TemporaryDirectory()
        let cache = OpenRecordCache(capacity: 8)
        let seen = try #require(cache.lookup(7))
        let file = try Self.openFile(directory, "old")
        cache.forget(7)
        cache.keep(file, for: 7, seen: seen)
        #expect(cache.lookup(7)?.file == nil)
        #expect(cache.count == 0)
    }

    @Test("while suspended nothing is kept or found, and the files kept before are closed")
    func suspended() throws {
        let directory = try TemporaryDirectory()
        let cache = OpenRecordCache(capacity: 8)
        var descriptor: Int32 = -1
        do {
            let file = try Self.openFile(directory, "f")
            descriptor = file.descriptor
            cache.keep(file, for: 1, seen: try #require(cache.lookup(1)))
        }
        #expect(Self.isOpen(descriptor))
        cache.suspend()
        #expect(!Self.isOpen(descriptor))
        #expect(cache.lookup(1) == nil)
        cache.resume()
        #expect(cache.lookup(1)?.file == nil)
    }

    @Test("a record read from disk is read again from its open file; a new response for the URL and a purge are seen at once")
    func replacedAndPurgedRecordsAreNotServedFromAKeptFile() async throws {
        let directory = try TemporaryDirectory()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let store = try await Self.store(directory, holding: "first")
        #expect(try await Self.body(store, on: loop) == "first")
        #expect(store.files.openRecords.count == 1, "kept open after the first read")
        #expect(try await Self.body(store, on: loop) == "first")

        store.write(Self.response("second, longer"), for: Self.key, epoch: store.epoch)
        #expect(await eventually { store.stats.writes.value == 2 })
        #expect(store.files.openRecords.count == 0, "the replaced record's file is let go")
        #expect(try await Self.body(store, on: loop) == "second, longer")

        store.purge(PurgeSelection(keys: [Self.key]))
        #expect(try await Self.body(store, on: loop) == nil)
        #expect(store.files.openRecords.count == 0)
        await store.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("with open_files = 0 no record file stays open")
    func noneKept() async throws {
        let directory = try TemporaryDirectory()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let store = try await Self.store(directory, holding: "body", openFiles: 0)
        #expect(try await Self.body(store, on: group.next()) == "body")
        #expect(store.files.openRecords.count == 0)
        await store.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("a node handing its directory over to a new one lets its open files go; the new one keeps none until it is alone")
    func sharingKeepsNothingOpen() async throws {
        let directory = try TemporaryDirectory()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let old = try await Self.store(directory, holding: "shared")
        #expect(try await Self.body(old, on: loop) == "shared")
        #expect(old.files.openRecords.count == 1)

        let new = try DiskStore(settings: Self.settings(directory), logger: Self.logger, shared: true)
        #expect(await eventually { !new.isLoading })
        old.handOver()
        #expect(old.files.openRecords.count == 0)
        #expect(try await Self.body(old, on: loop) == "shared")
        #expect(old.files.openRecords.count == 0, "nothing kept after the hand-over")
        #expect(try await Self.body(new, on: loop) == "shared")
        #expect(new.files.openRecords.count == 0, "nothing kept while the old node runs")

        await old.shutdown()
        new.endSharing()
        #expect(await eventually { !new.sharing.load(ordering: .relaxed) })
        #expect(try await Self.body(new, on: loop) == "shared")
        #expect(new.files.openRecords.count == 1)
        await new.shutdown()
        try await group.shutdownGracefully()
    }
}
