/// The arithmetic of slices: a large object stored as pieces of `size` bytes aligned on multiples of
/// `size` (nginx `slice`, Traffic Server `slice`), each fetched with its own aligned `Range`.
public struct SliceRange: Sendable, Hashable {
    public let size: Int

    /// nil for 0 (slicing off).
    public init?(size: Int) {
        guard size > 0 else { return nil }
        self.size = size
    }

    /// The slice that holds byte `offset`.
    public func index(of offset: Int) -> Int { offset / size }

    /// The bytes slice `index` holds in a representation of `total` bytes (the last one is shorter).
    public func bytes(of index: Int, total: Int) -> ClosedRange<Int>? {
        let first = index * size
        guard index >= 0, first < total else { return nil }
        return first...min(total - 1, first + size - 1)
    }

    /// The slices that hold `range`.
    public func indices(covering range: ClosedRange<Int>) -> ClosedRange<Int> {
        index(of: range.lowerBound)...index(of: range.upperBound)
    }

    /// How many slices a representation of `total` bytes has.
    public func count(total: Int) -> Int { total <= 0 ? 0 : (total + size - 1) / size }

    /// The `Range` value that asks the origin for slice `index`: always the whole aligned slice (the
    /// origin clips the last one), `bytes=699400192-700448767` for slice 667 of 1 MiB.
    public func requestRange(_ index: Int) -> String {
        "bytes=\(index * size)-\(index * size + size - 1)"
    }

    /// Where slice `index` of the object under `key` is stored. The size is part of the name, so that
    /// slices stored under another `slice_size` are never read as these.
    public func key(_ index: Int, of key: CacheKey) -> CacheKey {
        key.piece("slice:\(size):\(index)")
    }

    /// Where the object's head is stored: its fields and freshness, which every slice shares.
    public func headKey(of key: CacheKey) -> CacheKey {
        key.piece("slices:\(size)")
    }
}
