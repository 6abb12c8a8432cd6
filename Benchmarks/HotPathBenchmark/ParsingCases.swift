// Per-request parsing on a hit: the cache key, Cache-Control, Accept-Encoding.
import EdgeCore
import NIOHTTP1

enum ParsingCases {
    static var all: [BenchmarkCase] { keyCases + shortcutCases + cacheControlCases + acceptEncodingCases }

    // MARK: The stored-hit shortcut's per-request parsing (StoredHitShortcut, on raw bytes)

    /// A browser's GET as it arrives on the wire.
    static let browserHead = Array(("GET /assets/app.js HTTP/1.1\r\nHost: shop.example\r\n"
        + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36\r\n"
        + "Accept: */*\r\nAccept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: en-GB,en;q=0.9\r\n"
        + "Referer: https://shop.example/\r\nSec-Fetch-Mode: no-cors\r\n\r\n").utf8)

    static var shortcutCases: [BenchmarkCase] {
        [
            BenchmarkCase(name: "shortcut.scan", summary: "PlainRequestHead.scan of a browser's 8-field GET") {
                { iterations in
                    for _ in 0..<iterations {
                        opaque(browserHead).withUnsafeBytes { blackHole(PlainRequestHead.scan($0)) }
                    }
                }
            },
            BenchmarkCase(name: "shortcut.key", summary: "CacheKey(normalisedHost:originFormTarget:) from the target's bytes") {
                let target = Array("/assets/app.js".utf8)
                return { iterations in
                    for _ in 0..<iterations {
                        opaque(target).withUnsafeBytes { blackHole(CacheKey(normalisedHost: opaque("shop.example"), originFormTarget: $0)) }
                    }
                }
            },
        ]
    }

    // MARK: Cache key (ProxyHandler builds one per request from Host and the request-target)

    static var keyCases: [BenchmarkCase] {
        [
            keyCase("key.plain", "CacheKey(host:target:) for /assets/app.js", host: "shop.example", target: "/assets/app.js"),
            keyCase(
                "key.query-escapes", "CacheKey with a port, a query and percent-escapes to normalise",
                host: "Shop.Example:443", target: "/search/%7euser/caf%c3%a9?q=a%2fb&page=2&utm_source=news"),
        ]
    }

    private static func keyCase(_ name: String, _ summary: String, host: String, target: String) -> BenchmarkCase {
        BenchmarkCase(name: name, summary: summary) {
            { iterations in
                for _ in 0..<iterations {
                    blackHole(CacheKey(host: opaque(host), target: opaque(target)))
                }
            }
        }
    }

    // MARK: Cache-Control

    static var cacheControlCases: [BenchmarkCase] {
        [
            parseCase(
                "cache-control.response", "CacheControl(parsing:) of \"public, max-age=3600, stale-while-revalidate=60\"",
                value: "public, max-age=3600, stale-while-revalidate=60"),
            parseCase("cache-control.request", "CacheControl(parsing:) of a reload's \"no-cache, max-age=0\"", value: "no-cache, max-age=0"),
            BenchmarkCase(
                name: "cache-control.request-absent",
                summary: "CacheControl(headers) of a browser request without the field (every lookup does this)"
            ) {
                let headers = Fixtures.browserRequest()
                return { iterations in
                    for _ in 0..<iterations {
                        blackHole(CacheControl(opaque(headers)))
                    }
                }
            },
        ]
    }

    private static func parseCase(_ name: String, _ summary: String, value: String) -> BenchmarkCase {
        BenchmarkCase(name: name, summary: summary) {
            { iterations in
                for _ in 0..<iterations {
                    blackHole(CacheControl(parsing: opaque(value)))
                }
            }
        }
    }

    // MARK: Accept-Encoding

    /// What `StoredResponseServer.representation` offers for an identity body with a stored br form when the edge may
    /// make codings: the stored coding, the stored forms, identity, then the configured codings.
    static let offered: [ContentCoding] = [.identity, .br, .identity, .br, .zstd, .gzip]

    static var acceptEncodingCases: [BenchmarkCase] {
        [
            negotiateCase(
                "accept-encoding.browser", "AcceptEncoding(headers).negotiate(offered) for \"gzip, deflate, br, zstd\"",
                value: Fixtures.browserAcceptEncoding),
            negotiateCase(
                "accept-encoding.q-values", "the same for \"br;q=1.0, gzip;q=0.8, *;q=0.1\"",
                value: "br;q=1.0, gzip;q=0.8, *;q=0.1"),
        ]
    }

    private static func negotiateCase(_ name: String, _ summary: String, value: String) -> BenchmarkCase {
        BenchmarkCase(name: name, summary: summary) {
            let headers = Fixtures.browserRequest(acceptEncoding: value)
            let offered = Self.offered
            return { iterations in
                for _ in 0..<iterations {
                    blackHole(AcceptEncoding(opaque(headers)).negotiate(offered))
                }
            }
        }
    }
}
