import EdgeCore

extension EdgeConfig {
    /// The effective settings as TOML, every key in a fixed order (for `edge check`).
    ///
    /// The output parses back to an equal configuration, except that a non-empty admin token
    /// is shown as `"<hidden>"` unless `showingSecrets` is true.
    public func rendered(showingSecrets: Bool = false) -> String {
        var out = TOMLWriter()
        out.table("server")
        out.set("listen", .array(server.listen.map { .string($0.description) }))
        out.set("h2c_listen", .array(server.h2cListen.map { .string($0.description) }))
        out.set("event_loops", .integer(server.eventLoops))
        out.set("client_header_timeout", .string(server.clientHeaderTimeout.description))
        out.set("client_idle_timeout", .string(server.clientIdleTimeout.description))
        out.set("drain_timeout", .string(server.drainTimeout.description))
        out.set("max_request_line", .integer(server.maxRequestLine))
        out.set("max_header_bytes", .integer(server.maxHeaderBytes))
        out.set("max_header_count", .integer(server.maxHeaderCount))
        out.set("max_body_size", .string(server.maxBodySize.description))
        out.set("via", .string(server.via))
        if let pidFile = server.pidFile {
            out.set("pid_file", .string(pidFile))
        }

        out.table("tls")
        out.set("listen", .array(tls.listen.map { .string($0.description) }))
        let certificates = tls.certificates.map { certificate in
            TOMLWriter.Value.inlineTable([
                ("cert", .string(certificate.cert)), ("key", .string(certificate.key)),
                ("hosts", .array(certificate.hosts.map { .string($0) })),
            ])
        }
        out.set("certificates", .array(certificates))
        out.set("min_version", .string(tls.minVersion.rawValue))
        out.set("http2", .bool(tls.http2))

        out.table("http2")
        out.set("max_concurrent_streams", .integer(http2.maxConcurrentStreams))
        out.set("max_header_list_size", .string(http2.maxHeaderListSize.description))
        out.set("header_table_size", .string(http2.headerTableSize.description))
        out.set("initial_window_size", .string(http2.initialWindowSize.description))
        out.set("connection_window_size", .string(http2.connectionWindowSize.description))
        out.set("max_frame_size", .string(http2.maxFrameSize.description))
        out.set("max_resets", .integer(http2.maxResets))
        out.set("reset_window", .string(http2.resetWindow.description))
        out.set("max_continuation_frames", .integer(http2.maxContinuationFrames))
        out.set("max_control_frames", .integer(http2.maxControlFrames))
        out.set("control_frame_window", .string(http2.controlFrameWindow.description))
        out.set("max_glitches", .integer(http2.maxGlitches))

        out.table("cache")
        out.set("memory_size", .string(cache.memorySize.description))
        out.set("max_object_size", .string(cache.maxObjectSize.description))
        out.set("eviction", .string(cache.eviction.rawValue))
        out.set("heuristic_fraction", .number(cache.heuristicFraction))
        out.set("heuristic_max", .string(cache.heuristicMax.description))
        out.set("keep_cdn_cache_control", .bool(cache.keepCDNCacheControl))
        out.set("grace", .string(cache.grace.description))
        out.set("stale_if_unreachable", .string(cache.staleIfUnreachable.description))
        if let disk = cache.disk {
            out.table("cache.disk")
            out.set("path", .string(disk.path))
            out.set("size", .string(disk.size.description))
            out.set("max_object_size", .string(disk.maxObjectSize.description))
            if let openFiles = disk.openFiles {
                out.set("open_files", .integer(openFiles))
            } else {
                out.comment("open_files unset: up to \(disk.effectiveOpenFiles), the descriptors connections leave (an eighth of the limit, at least 256, kept free)")
            }
        } else {
            out.comment("no [cache.disk]: the cache is kept in memory only")
        }

        if pools.isEmpty { out.comment("no [[pools]]: `edge serve` needs --origin") }
        for pool in pools {
            out.arrayTable("pools")
            out.set("name", .string(pool.name))
            let servers = pool.servers.map { server in
                TOMLWriter.Value.inlineTable([
                    ("url", .string(server.url)), ("weight", .integer(server.weight)), ("backup", .bool(server.backup)),
                ])
            }
            out.set("servers", .array(servers))
            out.set("balancing", .string(pool.balancing.rawValue))
            out.set("max_connections_per_server", .integer(pool.maxConnectionsPerServer))
            out.set("connect_timeout", .string(pool.connectTimeout.description))
            out.set("first_byte_timeout", .string(pool.firstByteTimeout.description))
            out.set("idle_timeout", .string(pool.idleTimeout.description))
            out.set("keepalive_timeout", .string(pool.keepaliveTimeout.description))
            out.set("tls", .inlineTable([
                ("ca_file", .string(pool.tls.caFile)), ("verify", .bool(pool.tls.verify)), ("server_name", .string(pool.tls.serverName)),
            ]))
            out.set("http2", .bool(pool.http2))
            pool.renderResilience(&out)
        }

        if sites.isEmpty, !pools.isEmpty { out.comment("no [[sites]]: every host goes to pool \"\(pools[0].name)\"") }
        for site in sites {
            out.arrayTable("sites")
            out.set("hosts", .array(site.hosts.map { .string($0) }))
            switch site.target {
            case .pool(let name): out.set("pool", .string(name))
            case .staticRoot(let root): out.set("root", .string(root))
            }
            if let compression = site.compression { out.set("compression", .bool(compression)) }
            if let progressive = site.progressive { out.set("progressive", .string(progressive)) }
            if let sliceSize = site.sliceSize, sliceSize.bytes > 0 { out.set("slice_size", .string(sliceSize.description)) }
        }

        out.table("admin")
        out.set("listen", .string(admin.listen.description))
        let token = admin.token.isEmpty || showingSecrets ? admin.token : "<hidden>"
        out.set("token", .string(token))

        out.table("purge")
        out.set("allow", .array(purge.allow.map { .string($0) }))
        out.set("peers", .array(purge.peers.map { .string($0) }))
        out.set("peer_timeout", .string(purge.peerTimeout.description))
        out.set("peer_retries", .integer(purge.peerRetries))
        out.set("keep_tag_headers", .bool(purge.keepTagHeaders))
        degradation.render(&out)
        cluster?.render(&out)

        out.table("logging")
        out.set("access_log", .string(logging.accessLog.description))
        out.set("access_log_format", .string(logging.accessLogFormat.rawValue))
        out.set("level", .string(logging.level.rawValue))

        out.table("compression")
        out.set("enabled", .bool(compression.enabled))
        out.set("types", .array(compression.types.map { .string($0) }))
        out.set("min_size", .string(compression.minSize.description))
        out.set("br_level", .integer(compression.brLevel))
        out.set("zstd_level", .integer(compression.zstdLevel))
        out.set("gzip_level", .integer(compression.gzipLevel))
        out.set("stream_br_level", .integer(compression.streamBrLevel))
        out.set("stream_zstd_level", .integer(compression.streamZstdLevel))
        out.set("stream_gzip_level", .integer(compression.streamGzipLevel))
        return out.text
    }
}

/// Writes TOML text line by line.
struct TOMLWriter {
    indirect enum Value {
        case string(String)
        case integer(Int)
        case number(Double)
        case bool(Bool)
        case array([Value])
        case inlineTable([(String, Value)])

        var toml: String {
            switch self {
            case .string(let text): return TOMLWriter.quoted(text)
            case .integer(let number): return String(number)
            case .number(let number): return number.isFinite ? "\(number)" : "nan"
            case .bool(let flag): return flag ? "true" : "false"
            case .array(let values): return "[" + values.map(\.toml).joined(separator: ", ") + "]"
            case .inlineTable(let pairs): return "{ " + pairs.map { "\($0.0) = \($0.1.toml)" }.joined(separator: ", ") + " }"
            }
        }
    }

    private(set) var text = ""

    mutating func table(_ name: String) {
        separate()
        text += "[\(name)]\n"
    }

    mutating func arrayTable(_ name: String) {
        separate()
        text += "[[\(name)]]\n"
    }

    mutating func comment(_ line: String) {
        separate()
        text += "# \(line)\n"
    }

    mutating func set(_ key: String, _ value: Value) {
        text += "\(key) = \(value.toml)\n"
    }

    private mutating func separate() {
        if !text.isEmpty { text += "\n" }
    }

    /// A TOML basic string with the characters TOML requires escaped.
    static func quoted(_ text: String) -> String {
        QuotedString.basic(text)
    }
}
