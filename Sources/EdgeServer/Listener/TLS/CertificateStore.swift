import NIOSSL
import Synchronization

/// The TLS listeners' certificates, chosen per connection by the SNI name, and re-read from disk
/// by `reload()` (on `SIGHUP`) without touching connections already open.
public final class CertificateStore: Sendable {
    /// One configured certificate: PEM files and, optionally, the names it answers for.
    public struct Source: Sendable, Equatable {
        public var certificatePath: String
        public var keyPath: String
        /// Empty means the DNS names in the certificate's subjectAltName.
        public var hosts: [String]

        public init(certificatePath: String, keyPath: String, hosts: [String] = []) {
            self.certificatePath = certificatePath
            self.keyPath = keyPath
            self.hosts = hosts
        }
    }

    /// A loaded certificate chain and its key.
    struct Entry: Sendable {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
        var names: [String]
    }

    /// Everything one handshake needs to pick a certificate; replaced whole on reload.
    private struct Snapshot: Sendable {
        var entries: [Entry]
        /// Lower-cased exact names and `*.suffix` patterns, to an index in `entries`; first listed wins.
        var byName: [String: Int]
    }

    /// The files, replaced by a configuration reload (`adopt`).
    private let sources: Mutex<[Source]>
    private let snapshot: Mutex<Snapshot>

    /// Loads every certificate now; throws naming the file that cannot be used.
    public init(sources: [Source]) throws(CertificateError) {
        guard !sources.isEmpty else { throw CertificateError(path: "", message: "no certificate is configured") }
        self.sources = Mutex(sources)
        snapshot = Mutex(try Self.load(sources))
    }

    /// Reads the files again. On an error the certificates in use stay as they were.
    public func reload() throws(CertificateError) {
        let fresh = try Self.load(sources.withLock { $0 })
        snapshot.withLock { $0 = fresh }
    }

    /// Takes the files and certificates of `other` (loaded from a reloaded configuration): the next
    /// handshakes use them, open connections keep theirs.
    func adopt(_ other: CertificateStore) {
        let (files, loaded) = (other.sources.withLock { $0 }, other.snapshot.withLock { $0 })
        sources.withLock { $0 = files }
        snapshot.withLock { $0 = loaded }
    }

    /// The names each certificate answers for, in configuration order (for logs and tests).
    public var names: [[String]] {
        snapshot.withLock { $0.entries.map(\.names) }
    }

    /// The certificate for an SNI name: an exact name, then a wildcard one label deep, then the first.
    func entry(forServerName serverName: String?) -> Entry {
        snapshot.withLock { snapshot in
            if let serverName {
                let name = serverName.lowercased()
                if let index = snapshot.byName[name] { return snapshot.entries[index] }
                if let dot = name.firstIndex(of: "."), let index = snapshot.byName["*" + name[dot...]] {
                    return snapshot.entries[index]
                }
            }
            return snapshot.entries[0]
        }
    }

    private static func load(_ sources: [Source]) throws(CertificateError) -> Snapshot {
        var entries: [Entry] = []
        var byName: [String: Int] = [:]
        for source in sources {
            let chain: [NIOSSLCertificate]
            do {
                chain = try NIOSSLCertificate.fromPEMFile(source.certificatePath)
            } catch {
                throw CertificateError(path: source.certificatePath, message: "cannot read a PEM certificate chain (\(error))")
            }
            guard let leaf = chain.first else {
                throw CertificateError(path: source.certificatePath, message: "the file holds no certificate")
            }
            let key: NIOSSLPrivateKey
            do {
                key = try NIOSSLPrivateKey(file: source.keyPath, format: .pem)
            } catch {
                throw CertificateError(path: source.keyPath, message: "cannot read a PEM private key (\(error))")
            }
            do {
                // BoringSSL checks that the key belongs to the leaf when a context takes them.
                let configuration = TLSConfiguration.makeServerConfiguration(
                    certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
                _ = try NIOSSLContext(configuration: configuration)
            } catch {
                throw CertificateError(path: source.keyPath, message: "the key cannot be used with certificate \(source.certificatePath) (\(error))")
            }
            let names = source.hosts.isEmpty ? dnsNames(of: leaf) : source.hosts
            for name in names.map({ $0.lowercased() }) where byName[name] == nil {
                byName[name] = entries.count
            }
            entries.append(Entry(chain: chain, key: key, names: names))
        }
        return Snapshot(entries: entries, byName: byName)
    }

    private static func dnsNames(of certificate: NIOSSLCertificate) -> [String] {
        certificate._subjectAlternativeNames().compactMap { name in
            guard name.nameType == .dnsName else { return nil }
            return name.contents.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
        }
    }
}

/// A certificate or key that cannot be used, naming its file.
public struct CertificateError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String

    public var description: String {
        path.isEmpty ? message : "\(path): \(message)"
    }
}
