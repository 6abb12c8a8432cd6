/// The cache keys of one host arranged by path segment, so that a URL prefix names a few subtrees
/// instead of a scan over every key.
///
/// A value type on purpose: a subtree handed out is a copy-on-write snapshot, O(1) to take while
/// the index's lock is held and walked after it is released.
///
/// A node does not hold its key, only whether one ends there: the key is its host and the path down
/// to it, put back together when a purge walks the subtree. With a million keys on one level, a node
/// of 16 bytes instead of 40 saves ~60 bytes a cached object, where purges are rare.
struct PathTrie: Sendable {
    var children: [String: PathTrie] = [:]
    /// Names of the keys that end one segment below this node and have nothing below them: most
    /// keys. A set entry costs 16 bytes where a child node in `children` costs 40 (about 35 bytes a
    /// cached object with a million keys on one level).
    var leaves: Set<String> = []
    /// Whether a stored key's path ends here.
    var endsKey = false

    var isEmpty: Bool { !endsKey && children.isEmpty && leaves.isEmpty }

    /// A subtree taken for a purge: `trie` is the node whose path and query is `path` on `host`.
    struct Branch: Sendable {
        var host: String
        var path: String
        var trie: PathTrie

        /// Calls `body` with every key in this subtree.
        func forEachKey(_ body: (CacheKey) -> Void) {
            trie.forEachKey(host: host, path: path, body)
        }
    }

    /// "/a/b?x" -> ["a", "b?x"]; "/" -> [""]. A string starts with a prefix exactly when the prefix's
    /// whole segments equal the string's first ones and its last segment starts the next one.
    /// Joining the segments back, each after a "/", gives the path and query again.
    static func segments(_ pathAndQuery: String) -> ArraySlice<Substring> {
        let parts = pathAndQuery.split(separator: "/", omittingEmptySubsequences: false)
        return parts.first == "" ? parts.dropFirst() : parts[...]
    }

    mutating func insert(at segments: ArraySlice<Substring>) {
        guard let first = segments.first else {
            endsKey = true
            return
        }
        let name = String(first)
        let rest = segments.dropFirst()
        if rest.isEmpty, children[name] == nil {
            leaves.insert(name)
            return
        }
        // A leaf that gains keys below it becomes a node that still ends a key.
        let wasLeaf = leaves.remove(name) != nil
        children[name, default: PathTrie(endsKey: wasLeaf)].insert(at: rest)
    }

    /// Removes the key at `segments` and prunes the branches left empty; true when it was there.
    @discardableResult
    mutating func remove(at segments: ArraySlice<Substring>) -> Bool {
        guard let first = segments.first else {
            defer { endsKey = false }
            return endsKey
        }
        let name = String(first)
        let rest = segments.dropFirst()
        if rest.isEmpty, leaves.remove(name) != nil { return true }
        guard let removed = children[name]?.remove(at: rest) else { return false }
        if let child = children[name], child.children.isEmpty, child.leaves.isEmpty {
            children[name] = nil
            if child.endsKey { leaves.insert(name) }
        }
        return removed
    }

    /// The subtrees holding every key of `host` that starts with the prefix `segments`, detached from
    /// this trie (the node at `path`) when `detach` is true, else copied (copy-on-write, so O(1) each).
    mutating func take(prefix segments: ArraySlice<Substring>, detach: Bool, host: String, path: String = "") -> [Branch] {
        guard let first = segments.first else { return [] }
        if segments.count > 1 {
            let name = String(first)
            guard let taken = children[name]?.take(prefix: segments.dropFirst(), detach: detach, host: host, path: path + "/" + name)
            else { return [] }
            if detach, let child = children[name], child.isEmpty { children[name] = nil }
            return taken
        }
        // The last segment of the prefix may end in the middle of a child's name.
        if first.isEmpty {
            let whole = PathTrie(children: children, leaves: leaves, endsKey: false)
            if detach {
                children = [:]
                leaves = []
            }
            return whole.isEmpty ? [] : [Branch(host: host, path: path, trie: whole)]
        }
        var taken: [Branch] = []
        for (name, child) in children where name.utf8.starts(with: first.utf8) {
            taken.append(Branch(host: host, path: path + "/" + name, trie: child))
        }
        let matchingLeaves = leaves.filter { $0.utf8.starts(with: first.utf8) }
        if !matchingLeaves.isEmpty {
            // One branch for them all, at this node: its leaves are the matching ones.
            taken.append(Branch(host: host, path: path, trie: PathTrie(leaves: matchingLeaves)))
        }
        if detach, !taken.isEmpty {
            children = children.filter { !$0.key.utf8.starts(with: first.utf8) }
            leaves.subtract(matchingLeaves)
        }
        return taken
    }

    /// Calls `body` with every key in this subtree, the node at `path` on `host` (iteratively: paths
    /// can be deep).
    func forEachKey(host: String, path: String, _ body: (CacheKey) -> Void) {
        var stack: [(path: String, node: PathTrie)] = [(path, self)]
        while let (path, node) = stack.popLast() {
            if node.endsKey { body(CacheKey(host: host, pathAndQuery: path)) }
            for name in node.leaves { body(CacheKey(host: host, pathAndQuery: path + "/" + name)) }
            for (name, child) in node.children {
                stack.append((path + "/" + name, child))
            }
        }
    }
}

extension CacheKey {
    /// A key from parts already in normal form (as `PathTrie` gives them back).
    fileprivate init(host: String, pathAndQuery: String) {
        self.init(host: host, target: "/")
        self.host = host
        self.pathAndQuery = pathAndQuery
    }
}
