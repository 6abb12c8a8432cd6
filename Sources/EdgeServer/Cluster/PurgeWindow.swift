import EdgeCore
import Synchronization

/// The purge epoch as it was `window` seconds ago, so that a response from a peer can be checked
/// against every purge this node applied since then.
///
/// A purge reaches the nodes of a fleet one by one (`[purge] peers`): for a moment this node may
/// have applied it while the owner of a key has not, and the owner would hand back the purged copy.
/// A peer's response covered by a purge of the last `window` seconds (by URL, prefix or its tags)
/// is therefore not used: the origin is asked instead. Outside the window the purge has reached
/// every peer it could reach.
///
/// Samples are taken on demand (by owner fetches), at most every `spacing` seconds; with no sample old
/// enough yet, the answer is 0, which treats every purge the index remembers as recent.
final class PurgeWindow: Sendable {
    private struct Sample {
        var time: EpochSeconds
        var epoch: UInt64
    }

    let window: Double
    private let spacing: Double
    private let samples = Mutex<[Sample]>([])

    init(window: Double, spacing: Double = 0.25) {
        self.window = window
        self.spacing = spacing
    }

    /// An epoch no later than the purge index's epoch `window` seconds before `now`.
    func epoch(now: EpochSeconds, current: UInt64) -> UInt64 {
        samples.withLock { samples in
            if let last = samples.last, now - last.time < spacing, last.epoch == current {
                // Recent enough, and no purge since: nothing to record.
            } else {
                samples.append(Sample(time: now, epoch: current))
            }
            // Keep the newest sample that is already older than the window, and everything after it.
            let horizon = now - window
            if let oldEnough = samples.lastIndex(where: { $0.time <= horizon }) {
                samples.removeFirst(oldEnough)
                return samples[0].epoch
            }
            return 0
        }
    }
}
