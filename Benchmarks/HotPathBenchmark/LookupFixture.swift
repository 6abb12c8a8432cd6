// An HTTPCache as a busy node holds it: 100 000 plain entries, plus 1 000 URLs whose responses
// vary on Accept-Encoding with two variants each.
import EdgeCore
import NIOHTTP1

struct LookupFixture {
    static let plainEntries = 100_000
    static let varyEntries = 1_000
    /// Keys the timed loops cycle through: a power of two, picked at random, so that successive
    /// lookups land on different shards and entries rather than one hot line.
    static let probeCount = 4096

    let cache: HTTPCache
    let request: HTTPHeaders
    /// Stored keys in random order.
    let plainKeys: [CacheKey]
    let varyKeys: [CacheKey]
    /// Keys of URLs never stored.
    let missingKeys: [CacheKey]

    static func plainTarget(_ index: Int) -> String { "/assets/\(index)/app.js" }
    static func varyTarget(_ index: Int) -> String { "/styles/\(index)/site.css" }

    /// Builds and fills the cache; nil (with a message) if an entry was refused.
    static func make() -> LookupFixture? {
        // Large enough that nothing is evicted (every entry shares one 1 KiB body buffer, so the real
        // memory is the keys, fields and bookkeeping); the object limit is the server's default.
        let cache = HTTPCache(capacityBytes: 1 << 30, maxObjectBytes: 16 << 20, policy: .tinylfu)
        let request = Fixtures.browserRequest()
        guard let plain = Fixtures.storedResponse(request: request) else { return nil }
        for index in 0..<plainEntries {
            let key = CacheKey(host: Fixtures.host, target: plainTarget(index))
            guard cache.insert(plain, for: key) else {
                printError("the cache refused plain entry \(index)")
                return nil
            }
        }
        // The browser's variant first, a gzip-only client's second: newest is checked first, so a
        // browser's hit compares one secondary key that does not match before the one that does.
        guard let forBrowser = Fixtures.storedResponse(request: request, vary: "Accept-Encoding"),
              let forGzip = Fixtures.storedResponse(request: Fixtures.browserRequest(acceptEncoding: "gzip"), vary: "Accept-Encoding")
        else { return nil }
        for index in 0..<varyEntries {
            let key = CacheKey(host: Fixtures.host, target: varyTarget(index))
            guard cache.insert(forBrowser, for: key), cache.insert(forGzip, for: key) else {
                printError("the cache refused vary entry \(index)")
                return nil
            }
        }

        var random = SplitMix64(seed: 0xED6E)
        func probes(_ count: Int, _ target: (Int) -> String) -> [CacheKey] {
            (0..<probeCount).map { _ in
                CacheKey(host: Fixtures.host, target: target(Int(random.next() % UInt64(count))))
            }
        }
        return LookupFixture(
            cache: cache, request: request,
            plainKeys: probes(plainEntries, plainTarget),
            varyKeys: probes(varyEntries, varyTarget),
            missingKeys: probes(plainEntries) { "/missing/\($0).js" })
    }
}
