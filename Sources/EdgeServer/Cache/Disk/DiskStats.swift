import CoreMetrics
import Synchronization

/// The disk tier's tallies for `/stats`, mirrored in `/metrics` as `edge_disk_*`.
final class DiskStats: Sendable {
    /// Lookups that found a record and served it.
    let hits: Tally
    /// Records read from disk (hits, and records dropped on reading).
    let reads: Tally
    /// Reads served from the page cache on the event loop itself, without a trip to the disk threads.
    let cachedReads: Tally
    /// Hits answered from the record's hit head (`DiskHitHead`), with nothing decoded or promoted.
    let headHits: Tally
    /// Hits whose body streamed from its record file (larger than `DiskStore.wholeReadLimit`).
    let streamedHits: Tally
    /// Body bytes of streamed hits the kernel sent from their record files (`sendfile`), never read
    /// by the node.
    let sentFromFile: Tally
    let writes: Tally
    /// Failed reads, writes and journal appends (a full disk, an unwritable directory).
    let errors: Tally
    /// Records found damaged (truncated, checksum mismatch) and dropped.
    let corrupt: Tally
    /// Records dropped because a purge recorded after them covers them.
    let purged: Tally
    /// Records not written because the disk was full and they had not earned a place (admission).
    let rejected: Tally
    /// Writes skipped because the disk was behind (too many queued).
    let shed: Tally
    private let bytes: Gauge?
    private let objects: Gauge?

    init(metrics: EdgeMetrics?) {
        func counter(_ name: String) -> CoreMetrics.Counter? { metrics?.counter("edge_disk_\(name)_total") }
        hits = Tally(counter("hits"))
        reads = Tally(counter("reads"))
        cachedReads = Tally(counter("reads_without_waiting"))
        headHits = Tally(counter("hit_head_hits"))
        streamedHits = Tally(counter("streamed_hits"))
        sentFromFile = Tally(counter("sendfile_bytes"))
        writes = Tally(counter("writes"))
        errors = Tally(counter("errors"))
        corrupt = Tally(counter("corrupt_records"))
        purged = Tally(counter("purged_records"))
        rejected = Tally(counter("rejected_writes"))
        shed = Tally(counter("shed_writes"))
        bytes = metrics?.gauge("edge_disk_bytes")
        objects = metrics?.gauge("edge_disk_objects")
    }

    func record(bytes: Int, objects: Int) {
        self.bytes?.record(bytes)
        self.objects?.record(objects)
    }
}
