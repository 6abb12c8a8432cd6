import Foundation

/// Debian's `chromium` run headless on one URL, to read the page's DOM after it loaded or to take a
/// screenshot. Every run gets a fresh profile (empty cache, no stored cart or theme) and is bounded
/// by a timeout, so a hung browser fails the test instead of stalling it.
struct HeadlessChromium {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    enum Scripts: Sendable {
        case enabled
        case disabled
    }

    /// Whether page scripts run.
    var scripts: Scripts = .enabled
    /// When set, every request (loopback included) goes through the HTTP proxy on this loopback port.
    var proxyPort: Int?
    /// The bound on one whole browser run.
    var timeoutSeconds: Double = 90

    /// The browser binary, or a failure that says how to get it.
    static func executable() throws -> String {
        let candidates = ["/usr/bin/chromium", "/usr/local/bin/chromium", "/usr/bin/chromium-browser"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(description: "chromium is not installed (looked for \(candidates)): the demo site browser tests need Debian's `chromium` package — `apt-get install chromium` (.ci/run installs it)")
        }
        return path
    }

    /// The serialized DOM of `url` once the page has loaded (module scripts have run by then).
    func dumpDOM(_ url: String) async throws -> String {
        let outcome = try await run(["--dump-dom", url])
        let dom = outcome.stdoutText
        guard dom.contains("<html") else {
            throw Failure(description: "chromium printed no DOM for \(url)\n\(Self.relevant(outcome))")
        }
        return dom
    }

    /// Saves a PNG of `url` at 1280×900 to `path`.
    func screenshot(_ url: String, to path: String) async throws {
        try? FileManager.default.removeItem(atPath: path)
        let outcome = try await run(["--screenshot=\(path)", "--window-size=1280,900", "--hide-scrollbars", url])
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > 0 else {
            throw Failure(description: "chromium wrote no screenshot of \(url) to \(path)\n\(Self.relevant(outcome))")
        }
    }

    private func run(_ action: [String]) async throws -> ExternalTool.Outcome {
        let binary = try Self.executable()
        let profile = try TemporaryDirectory()
        if scripts == .disabled {
            // A profile preference rather than `--blink-settings=scriptEnabled=false`: that switch
            // also stops headless Chromium from reading the DOM back, so --dump-dom prints nothing.
            let defaults = profile.url.appendingPathComponent("Default")
            try FileManager.default.createDirectory(at: defaults, withIntermediateDirectories: true)
            try Data(#"{"profile":{"default_content_setting_values":{"javascript":2}}}"#.utf8)
                .write(to: defaults.appendingPathComponent("Preferences"))
        }
        var arguments = [
            "--headless=new",
            // Tests run as root in CI, where Chromium refuses to start with its sandbox.
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--mute-audio",
            "--user-data-dir=\(profile.url.path)",
            // Wall-clock cap inside the browser; the output is taken when the page has loaded.
            // Not --virtual-time-budget: preview pages hold an open EventSource (live reload), and
            // virtual time never advances while a fetch is pending, so the browser would never finish.
            "--timeout=\(Int(timeoutSeconds * 1000 / 3))",
        ]
        if let proxyPort {
            arguments += ["--proxy-server=http://127.0.0.1:\(proxyPort)", "--proxy-bypass-list=<-loopback>"]
        }
        arguments += action
        let outcome = try await ExternalTool.run(URL(fileURLWithPath: binary).lastPathComponent, arguments, timeoutSeconds: timeoutSeconds)
        withExtendedLifetime(profile) {}
        guard outcome.exitCode == 0 else {
            throw Failure(description: "chromium \(action) failed\n\(Self.relevant(outcome))")
        }
        return outcome
    }

    /// Exit code and stderr without the D-Bus complaints every headless run prints.
    private static func relevant(_ outcome: ExternalTool.Outcome) -> String {
        let lines = outcome.stderr.split(separator: "\n").filter { !$0.contains("dbus") && !$0.contains("D-Bus") }
        return "exit \(outcome.exitCode)\nstderr: \(lines.suffix(20).joined(separator: "\n"))"
    }
}
