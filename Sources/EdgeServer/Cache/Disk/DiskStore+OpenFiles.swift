import Synchronization

/// The open record files' share of the process's descriptors (`DescriptorBudget`).
extension DiskStore {
    /// Moves the open record files' allowance with the descriptors the rest of the node uses, on the
    /// disk threads, until shutdown (or until the store is gone).
    func lookAtDescriptorsRepeatedly() {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(DescriptorBudget.interval))
                guard let self, !Task.isCancelled else { return }
                pool.submit { [weak self] state in
                    guard case .active = state else { return }
                    self?.lookAtDescriptors()
                }
            }
        }
        budgetLooks.withLock { $0 = task }
    }

    /// Sets the open record files' allowance from the descriptors open now.
    func lookAtDescriptors() {
        guard let open = DescriptorBudget.openDescriptors() else { return }
        let cache = files.openRecords
        cache.allow(descriptorBudget.allowance(open: open, held: cache.count))
    }
}
