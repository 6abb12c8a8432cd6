/// The cache keys of one host arranged by path segment, so that a URL prefix names a few subtrees
/// instead of a scan over every key.
///
/// A value type on purpose: a subtree handed out is a copy-on-write snapshot, O(1) to take while
/// the index's lock is held and walked after it is released.
struct PathTrie: Sendable {
    var children: [String: PathTrie] = [:]
    /// The key whose path ends here.
    var key: CacheKey?

    var isEmpty: Bool { key == nil && children.isEmpty }

    /// "/a/b?x" -> ["a", "b?x"]; "/" -> [""]. A string starts with a prefix exactly when the prefix's
    /// whole segments equal the string's first ones and its last segment starts the next one.
    static func segments(_ pathAndQuery: String) -> ArraySlice<Substring> {
        let parts = pathAndQuery.split(separator: "/", omittingEmptySubsequences: false)
        return parts.first == "" ? parts.dropFirst() : parts[...]
    }

    mutating func insert(_ key: CacheKey, at segments: ArraySlice<Substring>) {
        guard let first = segments.first else {
            self.key = key
            return
        }
        children[String(first), default: PathTrie()].insert(key, at: segments.dropFirst())
    }

    /// Removes the key at `segments` and prunes the branches left empty; true when it was there.
    @discardableResult
    mutating func remove(at segments: ArraySlice<Substring>) -> Bool {
        guard let first = segments.first else {
            defer { key = nil }
            return key != nil
        }
        let name = String(first)
        guard let removed = children[name]?.remove(at: segments.dropFirst()) else { return false }
        if children[name]?.isEmpty == true { children[name] = nil }
        return removed
    }

    /// The subtrees holding every key that starts with the prefix `segments`, detached from this
    /// trie when `detach` is true, else copied (copy-on-write, so O(1) each).
    mutating func take(prefix segments: ArraySlice<Substring>, detach: Bool) -> [PathTrie] {
        guard let first = segments.first else { return [] }
        if segments.count > 1 {
            let name = String(first)
            guard let taken = children[name]?.take(prefix: segments.dropFirst(), detach: detach) else { return [] }
            if detach, children[name]?.isEmpty == true { children[name] = nil }
            return taken
        }
        // The last segment of the prefix may end in the middle of a child's name.
        if first.isEmpty {
            let whole = PathTrie(children: children, key: nil)
            if detach { children = [:] }
            return whole.isEmpty ? [] : [whole]
        }
        var taken: [PathTrie] = []
        for (name, child) in children where name.utf8.starts(with: first.utf8) {
            taken.append(child)
        }
        if detach, !taken.isEmpty {
            children = children.filter { !$0.key.utf8.starts(with: first.utf8) }
        }
        return taken
    }

    /// Calls `body` with every key in this subtree (iteratively: paths can be deep).
    func forEachKey(_ body: (CacheKey) -> Void) {
        var stack: [PathTrie] = [self]
        while let node = stack.popLast() {
            if let key = node.key { body(key) }
            stack.append(contentsOf: node.children.values)
        }
    }
}
