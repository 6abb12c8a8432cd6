import EdgeCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing
@testable import EdgeServer
#if canImport(Glibc)
import Glibc
#endif

/// Two disk stores on one directory, as the old and the new node are during `edge serve --upgrade`.
@Suite("The disk tier shared by an old and a new node during an upgrade", .serialized)
struct DiskSharingTests {
    static let logger = Logger(label: "test")

    static func settings(_ directory: TemporaryDirectory) -> DiskSettings {
        DiskSettings(path: directory.path("cache"), capacityBytes: 64 << 20, maxObjectBytes: 1 << 20)
    }

    static func response(_ body: String) -> CachedResponse {
        let time: EpochSeconds = 1_800_000_000
        let headers = HTTPHeaders([("cache-control", "max-age=600"), ("date", HTTPDate.format(time)), ("surrogate-key", "shelf")])
        return CachedResponse(status: 200, headers: headers, body: ByteBuffer(string: body),
                              timing: StoredResponseTiming(requestTime: time, responseTime: time), secondaryKey: SecondaryKey(vary: headers, request: HTTPHeaders())!)
    }

    static func key(_ path: String) -> CacheKey { CacheKey(absoluteURL: "http://test.example\(path)")! }

    static func found(_ store: DiskStore, _ path: String, on loop: EventLoop) async throws -> Bool {
        try await store.read(key(path), requestHeaders: HTTPHeaders(), on: loop).get() != nil
    }

    static func loaded(_ store: DiskStore) async -> Bool {
        await eventually { !store.isLoading }
    }

    @Test("a record the old node writes after the new one loaded its index is found by the new one while they share the directory, and is in its index once the old one is gone; a store not told it shares does not look")
    func recordsOfTheOldNodeAreFound() async throws {
        let directory = try TemporaryDirectory()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let old = try DiskStore(settings: Self.settings(directory), logger: Self.logger)
        let new = try DiskStore(settings: Self.settings(directory), logger: Self.logger, shared: true)
        let unaware = try DiskStore(settings: Self.settings(directory), logger: Self.logger)
        for store in [old, new, unaware] {
            #expect(await Self.loaded(store))
        }

        old.write(Self.response("late"), for: Self.key("/late"), epoch: old.epoch)
        #expect(await eventually { old.stats.writes.value == 1 })
        #expect(try await Self.found(new, "/late", on: loop))
        #expect(try await !Self.found(unaware, "/late", on: loop), "a store that does not share answers from its index alone")

        old.write(Self.response("later"), for: Self.key("/later"), epoch: old.epoch)
        #expect(await eventually { old.stats.writes.value == 2 })
        await old.shutdown()
        new.endSharing()
        #expect(await eventually { !new.sharing.load(ordering: .relaxed) })
        #expect(new.objects == 2, "the last scan adds what no lookup found")
        #expect(try await Self.found(new, "/later", on: loop))
        await new.shutdown()
        await unaware.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("the old node, once handed over, starts no more writes; purges it records meanwhile reach the new node when it takes the directory over, for its memory tier too")
    func handedOverNodeStopsWritingAndItsPurgesCarryOver() async throws {
        let directory = try TemporaryDirectory()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let old = try DiskStore(settings: Self.settings(directory), logger: Self.logger)
        #expect(await Self.loaded(old))
        old.write(Self.response("kept"), for: Self.key("/tagged"), epoch: old.epoch)
        #expect(await eventually { old.stats.writes.value == 1 })

        let new = try DiskStore(settings: Self.settings(directory), logger: Self.logger, shared: true)
        #expect(await Self.loaded(new))
        old.handOver()
        old.write(Self.response("not written"), for: Self.key("/after"), epoch: old.epoch)
        #expect(old.purge(PurgeSelection(tags: ["shelf"])))
        await old.shutdown()
        #expect(old.stats.writes.value == 1)
        #expect(try await !Self.found(new, "/after", on: loop))

        let learned = Mutex<PurgeSelection?>(nil)
        new.endSharing { unseen in learned.withLock { $0 = unseen } }
        #expect(await eventually { !new.sharing.load(ordering: .relaxed) })
        #expect(try await !Self.found(new, "/tagged", on: loop), "the old node's tag purge covers the record on the new one")
        let unseen = learned.withLock { $0 }
        #expect(unseen?.tags == ["shelf"] && unseen?.keys.isEmpty == true && unseen?.all == false, "the memory tier is told: \(String(describing: unseen))")
        #expect(new.epoch >= 1)
        await new.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("a node starting on the directory leaves alone the tmp files of another process still running, and removes those of ended processes and its own pid's")
    func temporariesOfARunningNodeStay() throws {
        let directory = try TemporaryDirectory()
        let files = DiskFiles(root: directory.path("cache"))
        try files.prepare()
        let running = getppid()
        let names = ["\(running).0123456789abcdef.1", "999999999.0123456789abcdef.2", "0123456789abcdef.3", "\(getpid()).0123456789abcdef.4"]
        for name in names {
            _ = try directory.write("cache/tmp/\(name)", "half a record")
        }
        files.removeTemporaries()
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path("cache/tmp"))
        #expect(left == [names[0]])
    }
}
