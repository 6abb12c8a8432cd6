// Cases on the stored-hit path: the lookup in a full cache, the hit's fields, their serialisation,
// and all of it together.
import EdgeCore
import NIOCore
import NIOHTTP1

/// Builds a value on first use and keeps it: the 100 000-entry cache is made once, and only when
/// a selected case needs it.
final class Memo<Value> {
    private var value: Value?
    private let build: () -> Value
    init(_ build: @escaping () -> Value) { self.build = build }
    func get() -> Value {
        if let value { return value }
        let built = build()
        value = built
        return built
    }
}

enum HitCases {
    static func all(cache fixture: Memo<LookupFixture?>) -> [BenchmarkCase] {
        lookupCases(fixture) + headCases + [identityHit(fixture)]
    }

    // MARK: Lookup in a cache of 100 000 entries

    static func lookupCases(_ fixture: Memo<LookupFixture?>) -> [BenchmarkCase] {
        [
            lookupCase("lookup.hit", "HTTPCache.lookup: a hit, no Vary, 100 000 entries", fixture, expected: isFound) { $0.plainKeys },
            lookupCase(
                "lookup.hit-vary", "HTTPCache.lookup: Vary: Accept-Encoding, the 2nd of 2 variants matches", fixture,
                expected: { isFound($0) && isBrowserVariant($0) }
            ) { $0.varyKeys },
            lookupCase("lookup.uri-miss", "HTTPCache.lookup: nothing stored under the URL", fixture, expected: isURIMiss) { $0.missingKeys },
            BenchmarkCase(
                name: "hit.lookup-phase",
                summary: "ProxyHandler.lookup on a fresh hit: directives, lookup, freshness, Cache-Status value"
            ) {
                guard let fixture = fixture.get() else { return nil }
                let keys = fixture.plainKeys
                let mask = keys.count - 1
                return { iterations in
                    for index in 0..<iterations {
                        blackHole(HitPath.lookupPhase(fixture.cache, key: keys[index & mask], requestHeaders: opaque(fixture.request), now: opaque(Fixtures.now)))
                    }
                }
            },
        ]
    }

    private static func lookupCase(
        _ name: String, _ summary: String, _ fixture: Memo<LookupFixture?>, expected: @escaping (HTTPCache.Lookup) -> Bool,
        keys: @escaping (LookupFixture) -> [CacheKey]
    ) -> BenchmarkCase {
        BenchmarkCase(name: name, summary: summary) {
            guard let fixture = fixture.get() else { return nil }
            let keys = keys(fixture)
            let mask = keys.count - 1
            for key in keys where !expected(fixture.cache.lookup(key, requestHeaders: fixture.request)) {
                printError("\(name): \(key) gives an unexpected lookup result")
                return nil
            }
            return { iterations in
                for index in 0..<iterations {
                    blackHole(fixture.cache.lookup(keys[index & mask], requestHeaders: opaque(fixture.request)))
                }
            }
        }
    }

    private static func isFound(_ lookup: HTTPCache.Lookup) -> Bool {
        if case .found = lookup { return true }
        return false
    }

    private static func isURIMiss(_ lookup: HTTPCache.Lookup) -> Bool {
        if case .uriMiss = lookup { return true }
        return false
    }

    /// The variant stored for the browser's Accept-Encoding (not the gzip-only one checked first).
    private static func isBrowserVariant(_ lookup: HTTPCache.Lookup) -> Bool {
        guard case .found(let stored) = lookup else { return false }
        return stored.secondaryKey.values.first == .some(.some("br,deflate,gzip,zstd"))
    }

    // MARK: The hit's head

    static let cacheStatus = "edge; hit; ttl=3590"

    static var headCases: [BenchmarkCase] {
        [
            BenchmarkCase(name: "head.hit-fields", summary: "the response filter chain for a prepared hit: prepared fields + Cache-Status + Age") {
                let prepared = Fixtures.preparedHit
                return { iterations in
                    for _ in 0..<iterations {
                        blackHole(HitPath.hitFields(prepared: opaque(prepared), cacheStatus: opaque(cacheStatus), age: opaque(10)))
                    }
                }
            },
            BenchmarkCase(name: "head.serialise", summary: "HitHeadSerialiser: status line + 12 fields into a new ByteBuffer, as NIO's encoder") {
                let headers = HitPath.hitFields(prepared: Fixtures.preparedHit, cacheStatus: cacheStatus, age: 10)
                let allocator = ByteBufferAllocator()
                return { iterations in
                    for _ in 0..<iterations {
                        blackHole(HitHeadSerialiser.serialise(status: .ok, headers: opaque(headers), allocator: allocator))
                    }
                }
            },
            BenchmarkCase(name: "head.fields+serialise", summary: "head.hit-fields then head.serialise: the head of a hit as the server makes it") {
                let prepared = Fixtures.preparedHit
                let allocator = ByteBufferAllocator()
                return { iterations in
                    for _ in 0..<iterations {
                        let headers = HitPath.hitFields(prepared: opaque(prepared), cacheStatus: opaque(cacheStatus), age: opaque(10))
                        blackHole(HitHeadSerialiser.serialise(status: .ok, headers: headers, allocator: allocator))
                    }
                }
            },
            BenchmarkCase(
                name: "head.preserialised", summary: "reference, not in Edge: copy a header block serialised at store time + Cache-Status + Age"
            ) {
                let allocator = ByteBufferAllocator()
                let block = HitHeadSerialiser.preserialisedBlock(prepared: Fixtures.preparedHit, allocator: allocator)
                return { iterations in
                    for _ in 0..<iterations {
                        blackHole(HitHeadSerialiser.serialise(block: opaque(block), cacheStatus: opaque(cacheStatus), age: opaque(10), allocator: allocator))
                    }
                }
            },
        ]
    }

    // MARK: Everything EdgeCore does for one hit

    /// A wrk-style request (Host only, no Accept-Encoding): the path of the identity-hit scenarios.
    static func identityHit(_ fixture: Memo<LookupFixture?>) -> BenchmarkCase {
        BenchmarkCase(
            name: "hit.identity-all",
            summary: "key + lookup phase + plain-hit checks + hit fields + serialise, for a Host-only request"
        ) {
            guard let fixture = fixture.get() else { return nil }
            let request = HTTPHeaders([("host", Fixtures.host)])
            let targets = fixture.plainKeys.map(\.pathAndQuery)
            let mask = targets.count - 1
            let allocator = ByteBufferAllocator()
            // The timed loop skips what is not a plain fresh hit; make sure that is none of it.
            for target in targets {
                let key = CacheKey(host: Fixtures.host, target: target)
                guard let hit = HitPath.lookupPhase(fixture.cache, key: key, requestHeaders: request, now: Fixtures.now),
                      HitPath.takesPlainHitPath(hit, requestHeaders: request)
                else {
                    printError("\(target) is not a plain fresh hit")
                    return nil
                }
            }
            return { iterations in
                for index in 0..<iterations {
                    let headers = opaque(request)
                    let now = opaque(Fixtures.now)
                    let key = CacheKey(host: opaque(Fixtures.host), target: targets[index & mask])
                    guard let hit = HitPath.lookupPhase(fixture.cache, key: key, requestHeaders: headers, now: now),
                          HitPath.takesPlainHitPath(hit, requestHeaders: headers)
                    else { continue }
                    let fields = HitPath.hitFields(hit, now: now)
                    blackHole(HitHeadSerialiser.serialise(status: HTTPResponseStatus(statusCode: hit.stored.status), headers: fields, allocator: allocator))
                }
            }
        }
    }
}
