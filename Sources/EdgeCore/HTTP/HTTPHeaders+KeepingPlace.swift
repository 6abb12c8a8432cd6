import NIOHTTP1

extension HTTPHeaders {
    /// `replaceOrAdd`, except that a field that already has exactly this value stays where it is.
    ///
    /// NIO's `replaceOrAdd` removes the field and appends it, so the client's fields of a stored
    /// response would no longer begin with the stored ones and could not share their bytes
    /// (`CachedResponse`'s packing); most origins already send the Content-Length and Accept-Ranges
    /// the edge would set.
    public mutating func replaceOrAddKeepingPlace(name: String, value: String) {
        var count = 0
        var same = true
        for existing in self[name] {
            count += 1
            same = same && existing == value
        }
        if count == 1, same { return }
        replaceOrAdd(name: name, value: value)
    }
}
