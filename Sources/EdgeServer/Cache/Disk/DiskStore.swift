import EdgeCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The cache's second tier: records on disk behind the memory store, written through when a
/// response is stored or freshened, read when memory has nothing for a URL, and promoted back into
/// memory on a hit (where the memory store's admission decides whether it stays).
///
/// No event loop waits on the disk: every read, write and delete runs on the tier's own thread pool,
/// and a lookup for a URL the index does not know answers at once without touching the disk. After
/// a start the index is filled in the background; until then, a lookup the partial index does not
/// know looks at the file itself. Purges are appended to a journal and synced before they are
/// answered, and a record stored before a purge that covers it is dropped when read.
public final class DiskStore: Sendable {
    let settings: DiskSettings
    let stats: DiskStats
    private let files: DiskFiles
    private let index: Mutex<DiskIndex>
    private let journal: Mutex<PurgeJournal>
    /// Held while a purge is appended and synced.
    private let appending = Mutex(())
    /// True until the background scan after a start has filled the index.
    private let loading = Atomic<Bool>(true)
    private let pool: NIOThreadPool
    private let logger: Logger
    /// Set while writes fail (a full disk), so that each episode is logged once.
    private let failing = Atomic<Bool>(false)
    /// Writes queued for the threads: past `maxPendingWrites` a slow disk sheds writes instead of
    /// holding responses in memory for it.
    private let pendingWrites = Atomic<Int>(0)
    static let maxPendingWrites = 512

    static let journalName = "purges.log"

    /// Opens (creating if need be) the directory and reads its purge journal; the index fills in the background.
    init(settings: DiskSettings, logger: Logger, metrics: EdgeMetrics? = nil, threads: Int = 2) throws {
        self.settings = settings
        self.logger = logger
        stats = DiskStats(metrics: metrics)
        files = DiskFiles(root: settings.path)
        try files.prepare()
        // Before any write of this node's: what is in tmp now was cut off by a crash.
        files.removeTemporaries()
        index = Mutex(DiskIndex(capacityBytes: settings.capacityBytes))
        var journal = PurgeJournal.parse(files.readText(Self.journalName))
        if journal.lines > 4096, journal.lines > 2 * journal.ruleCount {
            // Mostly repeats (the same tags and URLs purged again and again): one line each will do.
            try files.replaceDurably(Self.journalName, with: journal.compacted())
        }
        self.journal = Mutex(journal)
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        pool.submit { [self] state in
            guard case .active = state else { return }
            loadIndex()
        }
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    var bytes: Int { index.withLock { $0.bytes } }
    var objects: Int { index.withLock { $0.count } }
    var isLoading: Bool { loading.load(ordering: .relaxed) }

    /// The number stamped on records stored from now on (purges recorded later cover them).
    var epoch: UInt64 { journal.withLock { $0.next - 1 } }

    // MARK: Reading

    /// The record stored for `key`, checked whole; nil when there is none, it is damaged, or a later
    /// purge covers it (both then deleted and counted).
    func read(_ key: CacheKey, on eventLoop: EventLoop) -> EventLoopFuture<CachedResponse?> {
        let name = key.description
        let hash = DiskFiles.hash(name)
        let known = index.withLock { index in
            index.recordAccess(hash)
            return index.contains(hash)
        }
        guard known || isLoading else { return eventLoop.makeSucceededFuture(nil) }
        return pool.runIfActive(eventLoop: eventLoop) { [self] in
            readNow(key, name: name, hash: hash)
        }.flatMapErrorThrowing { _ in nil }
    }

    private func readNow(_ key: CacheKey, name: String, hash: UInt64) -> CachedResponse? {
        let bytes: ByteBuffer?
        do {
            bytes = try files.read(hash, allocator: ByteBufferAllocator())
        } catch {
            stats.errors.add()
            return nil
        }
        guard let bytes else {
            index.withLock { _ = $0.remove(hash) }
            return nil
        }
        stats.reads.add()
        let record: DiskRecord
        do {
            record = try DiskRecord.decode(bytes)
        } catch {
            drop(hash, counting: stats.corrupt, reason: "damaged record (\(error))")
            return nil
        }
        // Another key with the same hash: its record is not this URL's (and will be overwritten by it).
        guard record.key == name else { return nil }
        let covered = journal.withLock { $0.covers(key, tags: PurgeTags.parse(record.response.headers), storedEpoch: record.storedEpoch) }
        if covered {
            drop(hash, counting: stats.purged, reason: nil)
            return nil
        }
        index.withLock { index in
            if index.contains(hash) {
                index.touch(hash)
            } else {
                for victim in index.insert(hash, size: bytes.readableBytes) { files.remove(victim) }
            }
        }
        stats.hits.add()
        return record.response
    }

    private func drop(_ hash: UInt64, counting counter: DiskStats.Tally, reason: String?) {
        counter.add()
        files.remove(hash)
        index.withLock { _ = $0.remove(hash) }
        if let reason {
            logger.warning("disk cache record dropped", metadata: ["file": "\(files.path(hash))", "reason": "\(reason)"])
        }
    }

    // MARK: Writing

    /// Writes `response` for `key` in the background, stamped with `epoch` (`self.epoch` when its
    /// fetch began). Too large a response is not written; a failed write is counted and logged once
    /// per episode, and loses nothing already stored.
    func write(_ response: CachedResponse, for key: CacheKey, epoch: UInt64) {
        guard response.body.readableBytes <= settings.maxObjectBytes else { return }
        let record = DiskRecord(key: key.description, response: response, storedEpoch: epoch)
        guard pendingWrites.wrappingAdd(1, ordering: .relaxed).newValue <= Self.maxPendingWrites else {
            pendingWrites.wrappingSubtract(1, ordering: .relaxed)
            stats.shed.add()
            if !failing.exchange(true, ordering: .relaxed) {
                logger.warning("disk cache is behind: writes are skipped until it catches up", metadata: ["path": "\(settings.path)"])
            }
            return
        }
        pool.submit { [self] state in
            defer { pendingWrites.wrappingSubtract(1, ordering: .relaxed) }
            guard case .active = state else { return }
            let bytes = record.encoded()
            let hash = DiskFiles.hash(record.key)
            guard index.withLock({ $0.admits(hash, size: bytes.readableBytes) }) else {
                stats.rejected.add()
                return
            }
            do {
                try files.write(bytes, hash: hash)
                stats.writes.add()
                if failing.exchange(false, ordering: .relaxed) {
                    logger.notice("disk cache writes work again", metadata: ["path": "\(settings.path)"])
                }
                let victims = index.withLock { $0.insert(hash, size: bytes.readableBytes) }
                for victim in victims { files.remove(victim) }
                stats.record(bytes: self.bytes, objects: objects)
            } catch {
                stats.errors.add()
                if !failing.exchange(true, ordering: .relaxed) {
                    logger.error("disk cache write failed; serving from memory only meanwhile", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    // MARK: Purging

    /// Records `selection` in the journal and syncs it (call from a blocking context: it waits for the
    /// disk), and deletes the records of its exact URLs. Returns false when the journal could not be written.
    @discardableResult
    func purge(_ selection: PurgeSelection) -> Bool {
        guard !selection.isEmpty else { return true }
        // Appends are serialised apart from the journal itself, so that an event loop reading `epoch`
        // never waits for the disk to sync.
        let durable = appending.withLock { _ -> Bool in
            let lines = journal.withLock { $0.record(selection) }
            do {
                try files.appendDurably(lines, to: Self.journalName)
                return true
            } catch {
                logger.error("disk cache purge journal could not be written", metadata: ["error": "\(error)"])
                return false
            }
        }
        if !durable { stats.errors.add() }
        for key in selection.keys {
            let hash = DiskFiles.hash(key.description)
            files.remove(hash)
            index.withLock { _ = $0.remove(hash) }
        }
        return durable
    }

    // MARK: Start

    private func loadIndex() {
        var found = 0
        files.scan { hash, size in
            found += 1
            let victims = index.withLock { index -> [UInt64] in
                index.contains(hash) ? [] : index.insert(hash, size: size)
            }
            for victim in victims { files.remove(victim) }
        }
        loading.store(false, ordering: .relaxed)
        stats.record(bytes: bytes, objects: objects)
        logger.notice("disk cache index loaded", metadata: ["path": "\(settings.path)", "records": "\(found)", "bytes": "\(bytes)"])
    }
}

extension DiskStore {
    /// What `edge check` says of a disk tier directory: throws when it cannot be created or written;
    /// returns a warning when the file system has less room than `capacityBytes`.
    public static func check(path: String, capacityBytes: Int) throws -> String? {
        let files = DiskFiles(root: path)
        try files.prepare()
        guard let free = files.freeBytes() else { return nil }
        if free < capacityBytes {
            return "cache.disk.size is \(capacityBytes) bytes, but the file system of \(path) has \(free) free: records will be written until the disk is full, and then not stored"
        }
        return nil
    }
}
