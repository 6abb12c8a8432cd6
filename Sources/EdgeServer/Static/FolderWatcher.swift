import Foundation
import Synchronization

/// Looks at a folder's files every `interval` and reports the paths that appeared, changed (time or
/// size) or went away. Polling rather than inotify: it works on every file system and platform,
/// and a preview folder is small.
public final class FolderWatcher: Sendable {
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    /// Starts watching `root`; `onChange` runs off the event loops with the changed paths (relative, with a leading `/`).
    public init(root: String, interval: Duration = .milliseconds(250), onChange: @escaping @Sendable ([String]) -> Void) {
        let watching = Task.detached {
            var known = Self.scan(root)
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                let now = Self.scan(root)
                guard now != known else { continue }
                let paths = Set(known.keys).union(now.keys).filter { known[$0] != now[$0] }
                known = now
                onChange(paths.sorted())
            }
        }
        task.withLock { $0 = watching }
    }

    public func stop() {
        task.withLock { $0?.cancel() }
    }

    struct Stamp: Equatable {
        var modified: Date
        var size: Int
    }

    static func scan(_ root: String) -> [String: Stamp] {
        var stamps: [String: Stamp] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else { return stamps }
        while let relative = walker.nextObject() as? String {
            guard let attributes = walker.fileAttributes, attributes[.type] as? FileAttributeType == .typeRegular,
                  let modified = attributes[.modificationDate] as? Date else { continue }
            stamps["/" + relative] = Stamp(modified: modified, size: (attributes[.size] as? NSNumber)?.intValue ?? 0)
        }
        return stamps
    }
}
