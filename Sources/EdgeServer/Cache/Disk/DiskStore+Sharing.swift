import EdgeCore

/// The disk tier while two nodes have its directory open: during `edge serve --upgrade`, the old
/// node until it has drained and the new one from its start.
///
/// Records are written under a name of the writing process in `tmp` and renamed into place whole,
/// so neither node sees the other's half-written files, and the new node's start leaves the old
/// one's `tmp` files alone. Purges are appended to the journal in one `write` each (`O_APPEND`),
/// so lines of the two nodes never mix; the new node does not compact the journal while the old
/// one runs.
extension DiskStore {
    /// The old node, told that a new one serves: it starts no more writes (those under way finish, a
    /// record is renamed into place whole or not at all). Purges are still recorded.
    func handOver() {
        handedOver.store(true, ordering: .relaxed)
        // The new node may replace or delete records now, and this node would not hear of it.
        files.openRecords.suspend()
    }

    /// The new node, once the old one has exited: a last scan adds the records the old node wrote
    /// that no lookup has found yet, the purges it recorded are read from the journal, and from then
    /// on a URL the index does not know is a miss without looking at the disk. `learned` gets the
    /// purges this node had not seen (on the disk threads), for the memory tier.
    func endSharing(learned: @escaping @Sendable (PurgeSelection) -> Void = { _ in }) {
        pool.submit { [self] state in
            guard case .active = state else { return }
            let found = addUnknownRecords()
            let written = PurgeJournal.parse(files.readText(Self.journalName))
            let unseen = journal.withLock { journal in
                defer { journal.adopt(written) }
                return written.selection(beyond: journal)
            }
            if !unseen.isEmpty { learned(unseen) }
            // The old node has exited: files may stay open again (before `sharing` says so, so that
            // whoever sees it cleared finds them kept).
            files.openRecords.resume()
            sharing.store(false, ordering: .relaxed)
            stats.record(bytes: bytes, objects: objects)
            logger.notice("disk cache taken over from the old node", metadata: ["path": "\(settings.path)", "records": "\(found)"])
        }
    }
}
