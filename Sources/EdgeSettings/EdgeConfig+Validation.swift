extension EdgeConfig {
    /// The largest `slice_size`: what the disk writer takes in one piece (`DiskFill.maxQueuedBytes`).
    public static let largestSlice = ByteSize.mebibytes(8)

    /// Checks rules that span fields: unique pool names, sites naming existing pools, at least
    /// one server per pool, weights ≥ 1, positive timeouts and limits, distinct listen addresses.
    ///
    /// `parse` and `load` call this; call it yourself after changing a configuration in code.
    /// The error's `key` is the offending key path; `file` is empty (the loader fills it in).
    public func validate() throws(ConfigError) {
        try server.validate()
        try tls.validate()
        try http2.validate()
        try validateListenersAreDistinct()
        try cache.validate()
        try compression.validate()
        try validatePools()
        try validateSites()
        try degradation.validate()
        if let index = server.listen.firstIndex(of: admin.listen) {
            throw invalid("admin.listen", "\(admin.listen) is also traffic listener server.listen[\(index)]")
        }
        if let index = server.h2cListen.firstIndex(of: admin.listen) {
            throw invalid("admin.listen", "\(admin.listen) is also traffic listener server.h2c_listen[\(index)]")
        }
        if let index = tls.listen.firstIndex(of: admin.listen) {
            throw invalid("admin.listen", "\(admin.listen) is also traffic listener tls.listen[\(index)]")
        }
        if admin.token.contains(where: { $0.isWhitespace }) {
            throw invalid("admin.token", "a token cannot contain whitespace")
        }
        try purge.validate()
        try cluster?.validate()
    }

    private func validatePools() throws(ConfigError) {
        var seen: [String: Int] = [:]
        for (index, pool) in pools.enumerated() {
            let key = "pools[\(index)]"
            if pool.name.isEmpty { throw invalid("\(key).name", "a pool needs a name") }
            if let earlier = seen[pool.name] {
                throw invalid("\(key).name", "pool \"\(pool.name)\" is already defined by pools[\(earlier)]")
            }
            seen[pool.name] = index
            if pool.servers.isEmpty {
                throw invalid("\(key).servers", "a pool needs at least one server, like servers = [{ url = \"http://127.0.0.1:9000\" }]")
            }
            if pool.servers.allSatisfy(\.backup) {
                throw invalid("\(key).servers", "a pool needs at least one server that is not a backup")
            }
            var addresses: Set<HostPort> = []
            for (serverIndex, server) in pool.servers.enumerated() {
                let serverKey = "\(key).servers[\(serverIndex)]"
                if server.weight < 1 { throw invalid("\(serverKey).weight", "must be at least 1, got \(server.weight)") }
                if !(1...65535).contains(server.port) {
                    throw invalid("\(serverKey).url", "expected a port from 1 to 65535, got \(server.port)")
                }
                if server.scheme != pool.servers[0].scheme {
                    throw invalid("\(serverKey).url", "a pool's servers all speak http or all speak https; servers[0] is \(pool.servers[0].scheme.rawValue)")
                }
                if !addresses.insert(HostPort(host: server.host, port: server.port)).inserted {
                    throw invalid("\(serverKey).url", "\(server.url) is listed twice in this pool")
                }
            }
            if pool.maxConnectionsPerServer < 1 {
                throw invalid("\(key).max_connections_per_server", "must be at least 1, got \(pool.maxConnectionsPerServer)")
            }
            try positive(pool.connectTimeout, "\(key).connect_timeout")
            try positive(pool.firstByteTimeout, "\(key).first_byte_timeout")
            try positive(pool.idleTimeout, "\(key).idle_timeout")
            try positive(pool.keepaliveTimeout, "\(key).keepalive_timeout")
            if !pool.tls.serverName.isEmpty, let problem = Self.hostPatternProblem(pool.tls.serverName) {
                throw invalid("\(key).tls.server_name", problem)
            }
            if pool.tls.serverName.contains("*") {
                throw invalid("\(key).tls.server_name", "expected one host name, got \"\(pool.tls.serverName)\"")
            }
            try pool.validateResilience(key)
        }
    }

    private func validateSites() throws(ConfigError) {
        let poolNames = Set(pools.map(\.name))
        var seenHosts: [String: Int] = [:]
        for (index, site) in sites.enumerated() {
            let key = "sites[\(index)]"
            if site.hosts.isEmpty { throw invalid("\(key).hosts", "a site needs at least one host pattern") }
            for (hostIndex, host) in site.hosts.enumerated() {
                let hostKey = "\(key).hosts[\(hostIndex)]"
                if let problem = Self.hostPatternProblem(host) { throw invalid(hostKey, problem) }
                let normalized = host.lowercased()
                if let earlier = seenHosts[normalized] {
                    throw invalid(hostKey, "host \"\(host)\" is already routed by sites[\(earlier)]")
                }
                seenHosts[normalized] = index
            }
            switch site.target {
            case .pool(let name):
                if !poolNames.contains(name) {
                    let known = pools.isEmpty ? "no pools are defined" : "pools are " + pools.map { "\"\($0.name)\"" }.joined(separator: ", ")
                    throw invalid("\(key).pool", "no pool named \"\(name)\" (\(known))")
                }
            case .staticRoot(let root):
                if root.isEmpty { throw invalid("\(key).root", "a static site needs a folder") }
                if site.progressive != nil {
                    throw invalid("\(key).progressive", "a static folder's manifest is its own progressive.json; progressive = \"…\" is for proxied sites")
                }
                if let slice = site.sliceSize, slice.bytes > 0 {
                    throw invalid("\(key).slice_size", "slices are for proxied sites; a static folder's files are read whole")
                }
            }
            if let slice = site.sliceSize, slice.bytes > 0 {
                // A slice is written to the disk in one piece, which the disk writer queues only up to
                // 8 MiB, and each client holds a few slices in memory: larger slices would never be stored.
                if slice > Self.largestSlice {
                    throw invalid("\(key).slice_size", "\(slice) is larger than a slice may be (\(Self.largestSlice)): 1MiB to 4MiB is usual")
                }
                // A slice is stored whole in one tier: on disk with a disk tier, else in memory.
                let largest = cache.disk?.maxObjectSize ?? cache.maxObjectSize
                if slice > largest {
                    throw invalid("\(key).slice_size", "\(slice) is larger than the largest object the cache stores (\(largest)): no slice would be stored")
                }
            }
        }
    }

    static func hostPatternProblem(_ pattern: String) -> String? {
        if pattern == "*" { return nil }
        var name = Substring(pattern)
        if name.hasPrefix("*.") { name = name.dropFirst(2) }
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
        if name.isEmpty || !allowed || name.hasPrefix(".") || name.hasSuffix(".") || name.contains("..") {
            return "expected a host name, \"*.example.com\" or \"*\", got \"\(pattern)\""
        }
        return nil
    }
}

extension EdgeConfig {
    /// One address serves one protocol: plain HTTP/1.1, h2c, TLS or admin.
    private func validateListenersAreDistinct() throws(ConfigError) {
        var seen: [HostPort: String] = [:]
        let lists = [("server.listen", server.listen), ("server.h2c_listen", server.h2cListen), ("tls.listen", tls.listen)]
        for (name, addresses) in lists {
            for (index, address) in addresses.enumerated() {
                let key = "\(name)[\(index)]"
                if let earlier = seen[address] { throw invalid(key, "\(address) is also \(earlier)") }
                seen[address] = key
            }
        }
    }
}

extension TLSConfig {
    func validate() throws(ConfigError) {
        if !listen.isEmpty, certificates.isEmpty {
            throw invalid("tls.certificates", "a TLS listener needs at least one certificate, like { cert = \"shop.pem\", key = \"shop.key\" }")
        }
        for (index, certificate) in certificates.enumerated() {
            let key = "tls.certificates[\(index)]"
            if certificate.cert.isEmpty { throw invalid("\(key).cert", "expected the path of a PEM certificate chain") }
            if certificate.key.isEmpty { throw invalid("\(key).key", "expected the path of a PEM private key") }
            for (hostIndex, host) in certificate.hosts.enumerated() {
                if host == "*" { throw invalid("\(key).hosts[\(hostIndex)]", "list host names; the first certificate already answers every other name") }
                if let problem = EdgeConfig.hostPatternProblem(host) { throw invalid("\(key).hosts[\(hostIndex)]", problem) }
            }
        }
    }
}

extension HTTP2Config {
    func validate() throws(ConfigError) {
        // RFC 9113 §6.5.2 bounds; the others only need to be usable.
        if !(1...1_000_000).contains(maxConcurrentStreams) {
            throw invalid("http2.max_concurrent_streams", "expected 1 to 1000000, got \(maxConcurrentStreams)")
        }
        if maxHeaderListSize.bytes < 1024 { throw invalid("http2.max_header_list_size", "must be at least 1KiB, got \(maxHeaderListSize)") }
        if !(0...(1 << 24)).contains(headerTableSize.bytes) { throw invalid("http2.header_table_size", "expected 0 to 16MiB, got \(headerTableSize)") }
        let maxWindow = (1 << 31) - 1
        if !(1...maxWindow).contains(initialWindowSize.bytes) { throw invalid("http2.initial_window_size", "expected 1 byte to 2GiB - 1, got \(initialWindowSize)") }
        if !(65535...maxWindow).contains(connectionWindowSize.bytes) {
            throw invalid("http2.connection_window_size", "expected 64KiB - 1 to 2GiB - 1, got \(connectionWindowSize)")
        }
        if !((1 << 14)...((1 << 24) - 1)).contains(maxFrameSize.bytes) {
            throw invalid("http2.max_frame_size", "expected 16KiB to 16MiB - 1, got \(maxFrameSize)")
        }
        if maxResets < 1 { throw invalid("http2.max_resets", "must be at least 1, got \(maxResets)") }
        try positive(resetWindow, "http2.reset_window")
        if maxContinuationFrames < 0 { throw invalid("http2.max_continuation_frames", "cannot be negative") }
        if maxControlFrames < 1 { throw invalid("http2.max_control_frames", "must be at least 1, got \(maxControlFrames)") }
        try positive(controlFrameWindow, "http2.control_frame_window")
        if maxGlitches < 0 { throw invalid("http2.max_glitches", "cannot be negative") }
    }
}

extension ServerConfig {
    func validate() throws(ConfigError) {
        if listen.isEmpty { throw invalid("server.listen", "at least one listen address is needed") }
        for (index, address) in listen.enumerated() where listen[..<index].contains(address) {
            throw invalid("server.listen[\(index)]", "\(address) is listed twice")
        }
        if eventLoops < 0 { throw invalid("server.event_loops", "must be 0 (one per core) or more, got \(eventLoops)") }
        try positive(clientHeaderTimeout, "server.client_header_timeout")
        try positive(clientIdleTimeout, "server.client_idle_timeout")
        try positive(drainTimeout, "server.drain_timeout")
        if maxRequestLine < 1 { throw invalid("server.max_request_line", "must be at least 1, got \(maxRequestLine)") }
        if maxHeaderBytes < 1 { throw invalid("server.max_header_bytes", "must be at least 1, got \(maxHeaderBytes)") }
        if maxHeaderCount < 1 { throw invalid("server.max_header_count", "must be at least 1, got \(maxHeaderCount)") }
        if maxBodySize.bytes < 0 { throw invalid("server.max_body_size", "cannot be negative") }
        let isToken = via.allSatisfy { $0.isASCII && !$0.isWhitespace && $0 != "," && !$0.isNewline }
        if via.isEmpty || !isToken {
            throw invalid("server.via", "expected a name without spaces or commas, got \"\(via)\"")
        }
    }
}

extension CacheConfig {
    func validate() throws(ConfigError) {
        if memorySize.bytes < 1 { throw invalid("cache.memory_size", "must be more than 0") }
        if maxObjectSize.bytes < 1 { throw invalid("cache.max_object_size", "must be more than 0") }
        if maxObjectSize > memorySize {
            throw invalid("cache.max_object_size", "\(maxObjectSize) is larger than cache.memory_size (\(memorySize))")
        }
        if !(0...1).contains(heuristicFraction) {
            throw invalid("cache.heuristic_fraction", "expected a fraction from 0 to 1, got \(heuristicFraction)")
        }
        if heuristicMax.nanoseconds < 0 { throw invalid("cache.heuristic_max", "cannot be negative") }
        if grace.nanoseconds < 0 { throw invalid("cache.grace", "cannot be negative") }
        if staleIfUnreachable.nanoseconds < 0 { throw invalid("cache.stale_if_unreachable", "cannot be negative") }
        try disk?.validate()
    }
}

private func invalid(_ key: String, _ message: String) -> ConfigError {
    ConfigError(file: "", key: key, message: message)
}

private func positive(_ span: TimeSpan, _ key: String) throws(ConfigError) {
    if span.nanoseconds <= 0 { throw invalid(key, "must be more than 0, got \(span)") }
}
