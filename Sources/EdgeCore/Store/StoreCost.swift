/// Anything stored must say what it costs in bytes (body + headers + key estimate).
public protocol StoreCost {
    /// Bytes this value occupies in the store, as counted against its capacity.
    var storeCost: Int { get }
}
