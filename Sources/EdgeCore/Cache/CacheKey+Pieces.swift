/// Keys for the pieces of a URL's representation: a stored partial response (`partial`) and the
/// slices of a large object (`slice`). A piece key is the URL's key with `#` and the piece's name after
/// it: no request can have such a key (a fragment is dropped from a request's), a prefix purge of the
/// URL covers its pieces, and `PurgeSelection.coveringPieces` makes a purge of the URL cover them too.
extension CacheKey {
    /// The piece of this URL named `name`.
    public func piece(_ name: String) -> CacheKey {
        var key = self
        key.pathAndQuery += "#" + name
        return key
    }

    /// The key prefix every piece of this URL has.
    public var piecesPrefix: CacheKey {
        var key = self
        key.pathAndQuery += "#"
        return key
    }

    /// Where a stored 206 of this URL is kept (RFC 9111 §3.3).
    public var partialPiece: CacheKey { piece("partial") }
}

extension PurgeSelection {
    /// This purge widened to the pieces of the URLs it names: purging a URL removes its partial
    /// content and every slice.
    public var coveringPieces: PurgeSelection {
        var widened = self
        widened.prefixes += keys.map(\.piecesPrefix)
        return widened
    }
}
