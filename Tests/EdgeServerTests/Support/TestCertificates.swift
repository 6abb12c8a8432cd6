import Foundation

/// A throwaway certificate authority and leaf certificates made with openssl at test time, so
/// nothing secret is committed. Files live in a temporary directory removed with this object.
final class TestCertificates {
    let directory: TemporaryDirectory
    /// The CA certificate clients trust (`curl --cacert`).
    let caPath: String

    init() throws {
        directory = try TemporaryDirectory()
        caPath = directory.path("ca.pem")
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", directory.path("ca.key"), "-out", caPath, "-days", "2", "-subj", "/CN=Edge Test CA"])
    }

    /// A leaf for `names` (subjectAltName DNS entries; the first is also the CN), signed by the CA.
    /// Returns the certificate and key paths; `file` names them so a test can make a second one.
    func issue(_ names: [String], file: String? = nil) throws -> (cert: String, key: String) {
        let base = file ?? names[0]
        let key = directory.path("\(base).key")
        let csr = directory.path("\(base).csr")
        let cert = directory.path("\(base).pem")
        let extensions = try directory.write("\(base).ext", "subjectAltName=" + names.map { "DNS:\($0)" }.joined(separator: ",") + "\n")
        try Self.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", key, "-out", csr, "-subj", "/CN=\(names[0])"])
        try Self.openssl(["x509", "-req", "-in", csr, "-CA", caPath, "-CAkey", directory.path("ca.key"), "-CAcreateserial",
                          "-out", cert, "-days", "2", "-extfile", extensions])
        return (cert, key)
    }

    private static func openssl(_ arguments: [String]) throws {
        let outcome = try ExternalTool.runBlocking("openssl", arguments)
        guard outcome.exitCode == 0 else {
            throw ExternalTool.Failure(description: "openssl \(arguments.joined(separator: " ")) failed: \(outcome)")
        }
    }
}
