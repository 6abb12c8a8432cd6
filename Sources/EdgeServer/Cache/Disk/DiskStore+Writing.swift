#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeCore
import NIOCore
import NIOHTTP1

/// The disk tier's writes: whole records (a response memory stored, a 304's new fields), records
/// written while their body streams in (`DiskFill`), and the bookkeeping every write shares (the
/// queue bound, admission, the index, a failing disk logged once per episode).
extension DiskStore {
    /// Writes `response` for `key` in the background, stamped with `epoch` (`self.epoch` when its
    /// fetch began). Too large a response is not written; a failed write is counted and logged once
    /// per episode, and loses nothing already stored.
    func write(_ response: CachedResponse, for key: CacheKey, epoch: UInt64) {
        guard response.body.readableBytes <= settings.maxObjectBytes else { return }
        writeVariantsRecord(response, for: key, epoch: epoch)
        let hitHead = hitHeads.withLock { $0 }?.make(for: response, bodyLength: response.body.readableBytes)
        write(DiskRecord(key: Self.variantName(key, response.secondaryKey), response: response, storedEpoch: epoch, hitHead: hitHead))
    }

    /// The status of a URL's record that only names the fields its responses vary on.
    static let variantsStatus = 0

    /// For a response that varies, the URL's record names the fields it varies on, so that a lookup
    /// finds the variant's own record.
    private func writeVariantsRecord(_ response: CachedResponse, for key: CacheKey, epoch: UInt64) {
        let names = response.secondaryKey.varyNames
        guard !names.isEmpty else { return }
        let marker = CachedResponse(status: Self.variantsStatus, headers: HTTPHeaders(), body: ByteBuffer(), timing: response.timing,
                                    secondaryKey: SecondaryKey(varyNames: names, values: names.map { _ in nil }))
        write(DiskRecord(key: key.description, response: marker, storedEpoch: epoch))
    }

    private func write(_ record: DiskRecord) {
        guard reserveWrite() else { return }
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
                recordWritten(hash, size: bytes.readableBytes)
            } catch {
                writeFailed(error)
            }
        }
    }

    /// Starts writing the response for `key` (`response` without its body) as its body streams in,
    /// or returns nil when it will not be stored: larger than the disk takes, the disk behind, or
    /// full with objects asked for more often.
    func beginFill(_ response: CachedResponse, for key: CacheKey, expectedLength: Int?, epoch: UInt64) -> DiskFill? {
        guard expectedLength.map({ $0 <= settings.maxObjectBytes }) ?? true else { return nil }
        let name = Self.variantName(key, response.secondaryKey)
        let hash = DiskFiles.hash(name)
        if let expectedLength, !index.withLock({ $0.admits(hash, size: expectedLength) }) {
            stats.rejected.add()
            return nil
        }
        guard reserveWrite() else { return nil }
        writeVariantsRecord(response, for: key, epoch: epoch)
        // Made now, for the announced length: the head's length cannot change once the body follows it.
        let hitHead = expectedLength.flatMap { length in hitHeads.withLock { $0 }?.make(for: response, bodyLength: length) }
        let head = DiskRecordHead(key: name, response: response, storedEpoch: epoch, bodyLength: 0, hitHead: hitHead)
        return DiskFill(store: self, hash: hash, head: head)
    }

    /// A 304 freshened a record whose body streams from its file: the record is written again with
    /// `response`'s fields and timing around the same body (and its checksum), copied file to file on
    /// the disk threads, so the body never passes through memory whole.
    func freshen(_ response: CachedResponse, body: DiskBody, for key: CacheKey, epoch: UInt64) {
        guard reserveWrite() else { return }
        let name = Self.variantName(key, response.secondaryKey)
        let hash = DiskFiles.hash(name)
        let head = DiskRecordHead(key: name, response: response, storedEpoch: epoch, bodyLength: body.length).encoded()
        pool.submit { [self] state in
            guard case .active = state else {
                fillAbandoned()
                return
            }
            do {
                let (descriptor, temporary) = try files.createTemporary(hash)
                do {
                    try DiskFiles.write(head, to: descriptor, at: 0)
                    // The body and the checksum after it, unchanged.
                    var copied = 0
                    let total = body.length + 4
                    while copied < total {
                        let count = min(1 << 20, total - copied)
                        guard let chunk = try body.file.read(at: body.offset + copied, count: count, mode: .blocking, allocator: Self.allocator) else { break }
                        try DiskFiles.write(chunk, to: descriptor, at: head.readableBytes + copied)
                        copied += count
                    }
                    close(descriptor)
                } catch {
                    close(descriptor)
                    unlink(temporary)
                    throw error
                }
                commit(temporary, hash: hash, size: head.readableBytes + body.length + 4)
            } catch {
                writeFailed(error)
                fillAbandoned()
            }
        }
    }

    /// Counts a write as queued; false (counted and logged) when the disk is too far behind to take
    /// it, and false (not counted) once the directory was handed over.
    private func reserveWrite() -> Bool {
        // Handed over to a new node: what it would write, that node writes.
        guard !handedOver.load(ordering: .relaxed) else { return false }
        guard pendingWrites.wrappingAdd(1, ordering: .relaxed).newValue <= Self.maxPendingWrites else {
            pendingWrites.wrappingSubtract(1, ordering: .relaxed)
            stats.shed.add()
            if !failing.exchange(true, ordering: .relaxed) {
                logger.warning("disk cache is behind: writes are skipped until it catches up", metadata: ["path": "\(settings.path)"])
            }
            return false
        }
        return true
    }

    /// Runs `task` on the disk threads (`true` unless they are shutting down).
    func submit(_ task: @escaping @Sendable (Bool) -> Void) {
        pool.submit { state in
            if case .active = state { task(true) } else { task(false) }
        }
    }

    /// Puts a streamed record written whole in `tmp` into place, if it has earned its place (a fill's
    /// end; its reservation is given back).
    func commit(_ temporary: String, hash: UInt64, size: Int) {
        defer { pendingWrites.wrappingSubtract(1, ordering: .relaxed) }
        guard index.withLock({ $0.admits(hash, size: size) }) else {
            unlink(temporary)
            stats.rejected.add()
            return
        }
        do {
            try files.commit(temporary, as: hash)
            recordWritten(hash, size: size)
        } catch {
            writeFailed(error)
        }
    }

    /// A fill given up: its reservation is given back.
    func fillAbandoned() {
        pendingWrites.wrappingSubtract(1, ordering: .relaxed)
    }

    private func recordWritten(_ hash: UInt64, size: Int) {
        stats.writes.add()
        if failing.exchange(false, ordering: .relaxed) {
            logger.notice("disk cache writes work again", metadata: ["path": "\(settings.path)"])
        }
        let victims = index.withLock { $0.insert(hash, size: size, verified: true) }
        for victim in victims { files.remove(victim) }
        stats.record(bytes: bytes, objects: objects)
    }

    func writeFailed(_ error: Error) {
        stats.errors.add()
        if !failing.exchange(true, ordering: .relaxed) {
            logger.error("disk cache write failed; serving from memory only meanwhile", metadata: ["error": "\(error)"])
        }
    }
}
