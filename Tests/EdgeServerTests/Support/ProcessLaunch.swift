import Foundation
import Synchronization

/// Starts child processes one at a time. Foundation's `Process.run()` on Linux walks
/// `/proc/self/fd` and sets up the child's descriptors while other threads open and close theirs;
/// with hundreds of tests launching tools side by side, one launch crashed inside it
/// (`findMaximumOpenFromProcSelfFD`). A launch takes a few milliseconds, so taking turns costs nothing.
enum ProcessLaunch {
    private static let turn = Mutex(())

    static func run(_ process: Process) throws {
        try turn.withLock { _ in try process.run() }
    }
}
