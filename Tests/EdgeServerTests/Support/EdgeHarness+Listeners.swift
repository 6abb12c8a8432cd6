@testable import EdgeServer

extension EdgeHarness {
    /// The port of the first listener of `kind` (listeners bound to port 0 get one each).
    func port(_ kind: ListenerKind) -> Int {
        server.listeners.first { $0.kind == kind }?.address.port ?? 0
    }
}
