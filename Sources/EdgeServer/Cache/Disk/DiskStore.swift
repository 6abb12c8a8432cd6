#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeCore
import EdgeSettings
import Logging
import NIOCore
import NIOHTTP1
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
    let files: DiskFiles
    /// The directory, open, for looking records up relative to it.
    private let root: Int32
    let index: Mutex<DiskIndex>
    let journal: Mutex<PurgeJournal>
    /// Held while a purge is appended and synced.
    private let appending = Mutex(())
    /// True until the background scan after a start has filled the index.
    private let loading = Atomic<Bool>(true)
    /// True while another node (the one this one upgrades) may still write records here.
    let sharing = Atomic<Bool>(false)
    /// Set when this node hands the directory over to a new one: it starts no more writes.
    let handedOver = Atomic<Bool>(false)
    let pool: NIOThreadPool
    let logger: Logger
    /// Set while writes fail (a full disk), so that each episode is logged once.
    let failing = Atomic<Bool>(false)
    /// Writes queued for the threads: past `maxPendingWrites` a slow disk sheds writes instead of
    /// holding responses in memory for it.
    let pendingWrites = Atomic<Int>(0)
    static let maxPendingWrites = 512
    /// Makes the hit heads small records carry (set by the services that use this store).
    let hitHeads = Mutex<DiskHitHeads?>(nil)
    /// How many record files may stay open, looked at every `DescriptorBudget.interval` seconds.
    let descriptorBudget: DescriptorBudget
    let budgetLooks = Mutex<Task<Void, Never>?>(nil)

    static let journalName = "purges.log"

    /// Opens (creating if need be) the directory and reads its purge journal; the index fills in the
    /// background. `shared`: an old node still runs on the directory (`beginSharing`).
    init(settings: DiskSettings, logger: Logger, metrics: EdgeMetrics? = nil, threads: Int = 2, shared: Bool = false) throws {
        self.settings = settings
        self.logger = logger
        stats = DiskStats(metrics: metrics)
        descriptorBudget = DescriptorBudget(limit: DescriptorLimit.current, ceiling: settings.openFiles)
        files = DiskFiles(root: settings.path, openRecords: OpenRecordCache(capacity: settings.openFiles, allowance: descriptorBudget.initialAllowance))
        try files.prepare()
        root = try files.openRoot()
        // Before any write of this node's: what is in tmp now was cut off by a crash (or is being
        // written by an old node still running, and stays).
        files.removeTemporaries()
        sharing.store(shared, ordering: .relaxed)
        if shared { files.openRecords.suspend() }
        index = Mutex(DiskIndex(capacityBytes: settings.capacityBytes))
        var journal = PurgeJournal.parse(files.readText(Self.journalName))
        // Not while an old node may append: a line it adds between the read and the rename would be lost.
        if !shared, journal.lines > 4096, journal.lines > 2 * journal.ruleCount {
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
        if settings.openFiles > 0 { lookAtDescriptorsRepeatedly() }
    }

    func shutdown() async {
        budgetLooks.withLock { $0?.cancel() }
        try? await pool.shutdownGracefully()
    }

    deinit {
        close(root)
    }

    var bytes: Int { index.withLock { $0.bytes } }
    var objects: Int { index.withLock { $0.count } }
    var isLoading: Bool { loading.load(ordering: .relaxed) }
    /// Whether a lookup the index does not know must look at the file: while the index loads, and
    /// while another node may be adding records.
    private var looksAtFiles: Bool { isLoading || sharing.load(ordering: .relaxed) }

    /// The number stamped on records stored from now on (purges recorded later cover them).
    var epoch: UInt64 { journal.withLock { $0.next - 1 } }

    // MARK: Reading

    /// Records up to this size are read whole and served (and promoted) from memory; larger ones
    /// stream from their file.
    static let wholeReadLimit = 256 << 10

    /// The record stored for `key` that answers a request with `requestHeaders`, checked; nil when
    /// there is none, it is damaged, or a later purge covers it (both then deleted and counted). What
    /// the page cache holds is read at once on the calling event loop without waiting; anything else
    /// on the disk threads.
    func read(_ key: CacheKey, requestHeaders: HTTPHeaders, on eventLoop: EventLoop) -> EventLoopFuture<StorageHit?> {
        let hash = DiskFiles.hash(key.description)
        let known = index.withLock { index in
            index.recordAccess(hash)
            return index.contains(hash)
        }
        guard known || looksAtFiles else { return eventLoop.makeSucceededFuture(nil) }
        if case .done(let hit) = readVariant(key, requestHeaders: requestHeaders, mode: .cachedOnly) {
            stats.cachedReads.add()
            return eventLoop.makeSucceededFuture(hit)
        }
        return pool.runIfActive(eventLoop: eventLoop) { [self] in
            guard case .done(let hit) = readVariant(key, requestHeaders: requestHeaders, mode: .blocking) else { return nil }
            return hit
        }.flatMapErrorThrowing { _ in nil }
    }

    private enum ReadOutcome {
        case done(StorageHit?)
        /// Only when a `servesView` took it.
        case viewed(DiskRecordView)
        /// The URL's responses vary on these fields: its record only says so (`variantName`).
        case variants([String])
        /// Only in `.cachedOnly` mode.
        case wouldBlock
    }

    /// What `readWithoutWaiting` found.
    enum CachedRead {
        /// The record as its hit head serves it (nothing decoded).
        case view(DiskRecordView)
        /// The record decoded.
        case whole(CachedResponse)
    }

    /// The record for `key` if the page cache gives it whole at once, read on the calling thread
    /// without waiting; nil when there is none or it cannot be read without waiting (then `read`
    /// will). `normalisedValue(name)` is the request's value of a field its response may vary on
    /// (`SecondaryKey.normalisedValue`). A record with a hit head that `servesView` takes is returned
    /// as its view; any other is decoded.
    func readWithoutWaiting(_ key: CacheKey, normalisedValue: (String) -> String?, servesView: (DiskRecordView) -> Bool = { _ in false }) -> CachedRead? {
        let name = key.description
        let hash = DiskFiles.hash(name)
        let state = index.withLock { $0.state(hash) }
        guard state.known || looksAtFiles else { return nil }
        let read: CachedRead
        let outcome = withoutActuallyEscaping(servesView) { servesView in
            readVariant(key, name: name, hash: hash, verified: state.verified, normalisedValue: normalisedValue, mode: .cachedOnly, wholeOnly: true,
                        servesView: servesView)
        }
        switch outcome {
        case .viewed(let view): read = .view(view)
        case .done(.whole(let response)?): read = .whole(response)
        default: return nil
        }
        // Counted for admission only when answered here: otherwise `read` counts the same request.
        index.withLock { $0.recordAccess(hash) }
        stats.cachedReads.add()
        return read
    }

    /// The URL's record; when its responses vary, the record of this request's variant.
    private func readVariant(_ key: CacheKey, requestHeaders: HTTPHeaders, mode: DiskRecordFile.Mode) -> ReadOutcome {
        let name = key.description
        return readVariant(key, name: name, hash: DiskFiles.hash(name), verified: nil,
                           normalisedValue: { SecondaryKey(varyNames: [$0], request: requestHeaders).values.first ?? nil },
                           mode: mode, wholeOnly: false, servesView: nil)
    }

    /// `name` and `hash`: the URL's record (`key.description` and its hash). `verified`: whether the
    /// index has its body checked this run, when the caller looked already.
    /// `wholeOnly`: a record whose body would stream from its file is left alone (`.wouldBlock`), uncounted.
    private func readVariant(_ key: CacheKey, name: String, hash: UInt64, verified: Bool?, normalisedValue: (String) -> String?, mode: DiskRecordFile.Mode,
                             wholeOnly: Bool, servesView: ((DiskRecordView) -> Bool)?) -> ReadOutcome {
        let first = readNow(key, name: name, hash: hash, verified: verified, mode: mode, wholeOnly: wholeOnly, servesView: servesView)
        guard case .variants(let names) = first else { return first }
        let variantName = Self.variantName(key, SecondaryKey(varyNames: names, values: names.map(normalisedValue)))
        let variant = readNow(key, name: variantName, hash: DiskFiles.hash(variantName), verified: nil, mode: mode, wholeOnly: wholeOnly, servesView: nil)
        if case .variants = variant { return .done(nil) }
        return variant
    }

    /// The name a response's record is stored under: the URL's key, and for a response that varies,
    /// the request's values of the fields it varies on (each variant is a record of its own, and the
    /// URL's own record says which fields those are).
    static func variantName(_ key: CacheKey, _ secondaryKey: SecondaryKey) -> String {
        secondaryKey.varyNames.isEmpty ? key.description : key.description + "\n" + secondaryKey.identity
    }

    private func readNow(_ key: CacheKey, name: String, hash: UInt64, verified known: Bool?, mode: DiskRecordFile.Mode, wholeOnly: Bool,
                         servesView: ((DiskRecordView) -> Bool)?) -> ReadOutcome {
        let opened: DiskRecordFile.Opened
        do {
            opened = try DiskRecordFile.open(hash, in: root, root: settings.path, openRecords: files.openRecords, mode: mode,
                                             wholeLimit: Self.wholeReadLimit, allocator: Self.allocator)
        } catch {
            stats.errors.add()
            return .done(nil)
        }
        let verified = known ?? index.withLock { $0.isVerified(hash) }
        let hit: StorageHit
        let head: DiskRecordHead
        switch opened {
        case .wouldBlock:
            return .wouldBlock
        case .absent:
            index.withLock { _ = $0.remove(hash) }
            return .done(nil)
        case .whole(let bytes):
            stats.reads.add()
            if let servesView, let view = DiskRecordView.of(bytes, name: name), servesView(view) {
                return served(view, key: key, hash: hash, verified: verified)
            }
            do {
                let record = try DiskRecord.decode(bytes, verifyBody: !verified)
                head = record.head
                hit = .whole(record.response)
            } catch {
                drop(hash, counting: stats.corrupt, reason: "damaged record (\(error))")
                return .done(nil)
            }
        case .head(let bytes, let file):
            if wholeOnly { return .wouldBlock }
            do {
                head = try DiskRecordHead.decode(bytes, recordLength: file.size)
            } catch {
                stats.reads.add()
                drop(hash, counting: stats.corrupt, reason: "damaged record (\(error))")
                return .done(nil)
            }
            if !verified {
                // Once per record and run: the whole body is read and checked before a byte of it goes out.
                guard mode == .blocking else { return .wouldBlock }
                do {
                    guard try Self.bodyChecksumMatches(head, file: file) else {
                        stats.reads.add()
                        drop(hash, counting: stats.corrupt, reason: "damaged record (body checksum)")
                        return .done(nil)
                    }
                } catch {
                    stats.errors.add()
                    return .done(nil)
                }
            }
            stats.reads.add()
            hit = .streamed(head.response, DiskBody(file: file, offset: head.bodyOffset, length: head.bodyLength))
        }
        // Another key with the same hash: its record is not this URL's (and will be overwritten by it).
        guard head.key == name else { return .done(nil) }
        let covered = journal.withLock { $0.covers(key, tags: PurgeTags.parse(head.response.headers), storedEpoch: head.storedEpoch) }
        if covered {
            drop(hash, counting: stats.purged, reason: nil)
            return .done(nil)
        }
        noteRead(hash, recordLength: head.recordLength)
        if head.response.status == Self.variantsStatus {
            return .variants(head.response.secondaryKey.varyNames)
        }
        stats.hits.add()
        if case .streamed = hit { stats.streamedHits.add() }
        return .done(hit)
    }

    /// The bookkeeping of a record answered from its view: its body checked once per run, purges
    /// since it was stored, the index, the counters.
    private func served(_ view: DiskRecordView, key: CacheKey, hash: UInt64, verified: Bool) -> ReadOutcome {
        if !verified, view.body.withUnsafeReadableBytes({ CRC32C.checksum($0) }) != view.bodyChecksum {
            drop(hash, counting: stats.corrupt, reason: "damaged record (body checksum)")
            return .done(nil)
        }
        if journal.withLock({ $0.covers(key, tags: view.hitHead.tags, storedEpoch: view.storedEpoch) }) {
            drop(hash, counting: stats.purged, reason: nil)
            return .done(nil)
        }
        noteRead(hash, recordLength: view.recordLength)
        stats.hits.add()
        stats.headHits.add()
        return .viewed(view)
    }

    /// A record read and found good: used now, its body checked this run, and known to the index
    /// (which a lookup before the index was whole may not have been).
    private func noteRead(_ hash: UInt64, recordLength: Int) {
        let victims = index.withLock { index in
            index.noteHit(hash) ? [] : index.insert(hash, size: recordLength, verified: true)
        }
        for victim in victims { files.remove(victim) }
    }

    /// Bytes `range` of a streamed body if the page cache holds all of them (read without waiting).
    func readCached(_ body: DiskBody, _ range: Range<Int>) -> ByteBuffer? {
        guard let bytes = try? body.read(range, mode: .cachedOnly, allocator: Self.allocator) else { return nil }
        return bytes
    }

    /// Bytes `range` of a streamed body, read on the disk threads.
    func read(_ body: DiskBody, _ range: Range<Int>, on eventLoop: EventLoop) -> EventLoopFuture<ByteBuffer> {
        pool.runIfActive(eventLoop: eventLoop) { [self] in
            do {
                guard let bytes = try body.read(range, mode: .blocking, allocator: Self.allocator) else { throw DiskFiles.Failure(description: "a disk record could not be read") }
                return bytes
            } catch {
                stats.errors.add()
                throw error
            }
        }
    }

    /// Reads a streamed record's body through and compares its checksum (blocking).
    private static func bodyChecksumMatches(_ head: DiskRecordHead, file: OpenRecord) throws -> Bool {
        var crc: UInt32 = 0
        var offset = head.bodyOffset
        let end = head.bodyOffset + head.bodyLength
        while offset < end {
            let count = min(1 << 20, end - offset)
            guard let chunk = try file.read(at: offset, count: count, mode: .blocking, allocator: allocator) else { return false }
            crc = chunk.withUnsafeReadableBytes { CRC32C.extend(crc, $0) }
            offset += count
        }
        guard let trailer = try file.read(at: end, count: 4, mode: .blocking, allocator: allocator) else { return false }
        return trailer.getInteger(at: trailer.readerIndex, as: UInt32.self) == crc
    }

    static let allocator = ByteBufferAllocator()

    private func drop(_ hash: UInt64, counting counter: Tally, reason: String?) {
        counter.add()
        files.remove(hash)
        index.withLock { _ = $0.remove(hash) }
        if let reason {
            logger.warning("disk cache record dropped", metadata: ["file": "\(files.path(hash))", "reason": "\(reason)"])
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

    /// Whether the index knows a record for `key` (it may still turn out damaged or purged when read).
    func holds(_ key: CacheKey) -> Bool {
        let hash = DiskFiles.hash(key.description)
        return index.withLock { $0.contains(hash) }
    }

    /// Removes the records of `keys` (an unsafe request's invalidation, RFC 9111 §4.4) on the disk
    /// threads. Not journalled, unlike a purge: a record that outlives a crash here is one a client
    /// could have been served just before the request anyway, and a journal sync per POST would
    /// cost every API behind the node.
    func forget(_ keys: [CacheKey]) {
        let hashes = keys.map { DiskFiles.hash($0.description) }
        // Out of the index at once, so that the next lookup misses; the files go on the disk threads.
        index.withLock { index in
            for hash in hashes { _ = index.remove(hash) }
        }
        pool.submit { [self] state in
            guard state == .active else { return }
            for hash in hashes {
                files.remove(hash)
            }
        }
    }

    // MARK: Start

    /// Adds every record file the index does not know yet; the number of files seen.
    func addUnknownRecords() -> Int {
        var found = 0
        files.scan { hash, size in
            found += 1
            let victims = index.withLock { index -> [UInt64] in
                index.contains(hash) ? [] : index.insert(hash, size: size)
            }
            for victim in victims { files.remove(victim) }
        }
        return found
    }

    private func loadIndex() {
        let found = addUnknownRecords()
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
