import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `edge serve` with TLS, and `edge check` on certificates, as the real executable.
@Suite("edge serve and edge check with TLS, as a process")
struct ServeTLSTests {
    static func config(plainPort: Int, tlsPort: Int, origin: Int, cert: String, key: String) throws -> String {
        let adminPort = try FreePort.pick()
        return """
        [server]
        listen = ["127.0.0.1:\(plainPort)"]
        [tls]
        listen = ["127.0.0.1:\(tlsPort)"]
        certificates = [{ cert = "\(cert)", key = "\(key)" }]
        [[pools]]
        name = "web"
        servers = [{ url = "http://127.0.0.1:\(origin)" }]
        [admin]
        listen = "127.0.0.1:\(adminPort)"
        """
    }

    @Test("SIGHUP makes the next TLS handshake present the certificate now on disk, and the node keeps serving")
    func sighupReloadsCertificates() async throws {
        let certificates = try TestCertificates()
        let files = try certificates.issue(["a.test"])
        let origin = try await TestOrigin()
        defer { Task { await origin.stop() } }
        let tlsPort = try FreePort.pick()
        let directory = try TemporaryDirectory()
        let serve = try await EdgeServeProcess.start { port in
            ["serve", "--config", try directory.write("edge.conf", try Self.config(plainPort: port, tlsPort: tlsPort, origin: origin.port, cert: files.cert, key: files.key))]
        }
        _ = try await serve.process.waitForStdoutLine { $0.contains("https://127.0.0.1:\(tlsPort)") }
        let before = try await TLSListenerTests.servedLeaf(port: tlsPort, serverName: "a.test")
        #expect(before == (try TLSListenerTests.firstCertificate(in: files.cert)))

        _ = try certificates.issue(["a.test"])
        let renewed = try TLSListenerTests.firstCertificate(in: files.cert)
        serve.process.send(SIGHUP)
        var served = before
        for _ in 0..<100 where served != renewed {
            try await Task.sleep(nanoseconds: 50_000_000)
            served = try await TLSListenerTests.servedLeaf(port: tlsPort, serverName: "a.test")
        }
        #expect(served == renewed)
        #expect(serve.process.isRunning, "SIGHUP does not end the process")
        let response = try await TLSListenerTests.fetch(["--cacert", certificates.caPath, "--resolve", "a.test:\(tlsPort):127.0.0.1"], "https://a.test:\(tlsPort)/")
        #expect(response.status == 200)
        serve.process.send(SIGTERM)
        let outcome = try await serve.process.waitForExit()
        #expect(outcome.exitCode == 0, "\(outcome)")
    }

    @Test("edge check refuses a certificate whose file is missing, naming the key")
    func checkRefusesMissingCertificate() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("edge.conf", try Self.config(plainPort: 8080, tlsPort: 8443, origin: 9000,
                                                                 cert: directory.path("nope.pem"), key: directory.path("nope.key")))
        let outcome = try await EdgeProcess.run(["check", "--config", file])
        #expect(outcome.exitCode == 1, "\(outcome)")
        #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("edge: \(file): tls.certificates[0]: \(directory.path("nope.pem")): cannot read"), "\(outcome.stderr)")
    }
}
