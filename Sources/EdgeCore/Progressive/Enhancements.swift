/// What the edge adds to a page of a progressive site in the full tier: `Link` values for
/// `103 Early Hints` and the tags inserted before `</body>`, both in bundle priority order.
public struct Enhancements: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case module
        case stylesheet
    }

    public struct Asset: Sendable, Equatable {
        /// The URL the page refers to (fingerprinted when the edge serves the site's files).
        public var url: String
        public var kind: Kind
    }

    public var assets: [Asset]

    public init(assets: [Asset]) {
        self.assets = assets
    }

    /// The assets of the bundles `manifest` assigns to `path`; `urls` maps an asset path to the URL to
    /// use (its fingerprinted name), identity when absent.
    public init(manifest: ProgressiveManifest, path: String, urls: [String: String] = [:]) {
        var seen: Set<String> = []
        var assets: [Asset] = []
        for bundle in manifest.bundles(for: path) {
            for asset in bundle.assets where seen.insert(asset).inserted {
                assets.append(Asset(url: urls[asset] ?? asset, kind: asset.lowercased().hasSuffix(".css") ? .stylesheet : .module))
            }
        }
        self.assets = assets
    }

    public var isEmpty: Bool { assets.isEmpty }

    /// One `Link` field value per asset (RFC 8288), for Early Hints.
    public var linkValues: [String] {
        assets.map { asset in
            switch asset.kind {
            case .module: "<\(asset.url)>; rel=modulepreload"
            case .stylesheet: "<\(asset.url)>; rel=preload; as=style"
            }
        }
    }

    /// The HTML inserted before `</body>`: module scripts, and stylesheets that load without
    /// blocking rendering (the base page is already complete without them).
    public var tags: String {
        assets.map { asset in
            let url = Self.escapeAttribute(asset.url)
            switch asset.kind {
            case .module: return "<script type=\"module\" src=\"\(url)\"></script>"
            case .stylesheet: return "<link rel=\"stylesheet\" href=\"\(url)\" media=\"print\" onload=\"this.media='all'\">"
            }
        }.joined(separator: "\n")
    }

    static func escapeAttribute(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }
}
