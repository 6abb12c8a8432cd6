import EdgeCore
import Foundation
import Synchronization

/// A static folder as the edge serves it: its real path, its progressive manifest (when the folder
/// has a `progressive.json`) and the content-hash names of the manifest's assets. `reload()` reads
/// the manifest and the assets again (after a file changed).
public final class StaticSite: Sendable {
    /// The manifest's file name at the top of the folder.
    public static let manifestName = "progressive.json"

    /// One consistent view of the folder's progressive setup.
    public struct Snapshot: Sendable {
        public var manifest: ProgressiveManifest?
        /// Asset path → fingerprinted URL.
        public var fingerprinted: [String: String]
        /// Fingerprinted URL → asset path.
        public var original: [String: String]
    }

    /// The folder, with symlinks resolved.
    public let root: String
    private let snapshot: Mutex<Snapshot>

    /// Reads the folder; throws naming the folder or the manifest field that is wrong.
    public init(root: String) throws(StaticSiteError) {
        guard let real = Self.realPath(root) else { throw StaticSiteError(path: root, message: "no such folder") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StaticSiteError(path: root, message: "not a folder")
        }
        self.root = real
        snapshot = Mutex(try Self.load(root: real))
    }

    public var current: Snapshot { snapshot.withLock { $0 } }

    /// Reads the manifest and fingerprints again; on an error the previous state stays.
    public func reload() throws(StaticSiteError) {
        let fresh = try Self.load(root: root)
        snapshot.withLock { $0 = fresh }
    }

    /// The enhancements for a page path in the full tier, with fingerprinted URLs.
    public func enhancements(for path: String) -> Enhancements? {
        let snapshot = current
        guard let manifest = snapshot.manifest else { return nil }
        return Enhancements(manifest: manifest, path: path, urls: snapshot.fingerprinted)
    }

    private static func load(root: String) throws(StaticSiteError) -> Snapshot {
        let manifestPath = root + "/" + manifestName
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            return Snapshot(manifest: nil, fingerprinted: [:], original: [:])
        }
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw StaticSiteError(path: manifestPath, message: "cannot read the file")
        }
        let manifest: ProgressiveManifest
        do {
            manifest = try ProgressiveManifest.parse(data)
        } catch {
            throw StaticSiteError(path: manifestPath, message: error.description)
        }
        var fingerprinted: [String: String] = [:]
        var original: [String: String] = [:]
        for (bundleIndex, bundle) in manifest.bundles.enumerated() {
            for asset in bundle.assets where fingerprinted[asset] == nil {
                guard let content = FileManager.default.contents(atPath: root + asset) else {
                    throw StaticSiteError(path: manifestPath, message: "bundle \"\(bundle.name)\" (bundles[\(bundleIndex)]) names \(asset), which is not in the folder")
                }
                let url = AssetFingerprint.fingerprinted(asset, hash: AssetFingerprint.hash(content))
                fingerprinted[asset] = url
                original[url] = asset
            }
        }
        return Snapshot(manifest: manifest, fingerprinted: fingerprinted, original: original)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// A static folder or its manifest that cannot be used.
public struct StaticSiteError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public var description: String { "\(path): \(message)" }
}
