import ArgumentParser

@main
struct Edge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge",
        abstract: "A caching HTTP edge server (CDN node).",
        discussion: """
            With no arguments, edge previews the bundled demo site (Sites/demo) on 127.0.0.1:8080.
            Preview a static folder:      edge preview path/to/site
            Serve in front of an origin:  edge serve --listen 127.0.0.1:8080 --origin http://127.0.0.1:9000
            Serve from a config file:     edge serve --config edge.conf
            Check a config file:          edge check --config edge.conf
            Purge from the cache:         edge purge http://shop.example/a  (or --prefix, --tag, --all)
            Reload the configuration:     edge reload --config edge.conf  (SIGHUP)
            Reopen the access log:        edge reopen-logs --config edge.conf  (after logrotate; SIGUSR1)
            Upgrade the binary:           edge serve --config edge.conf --upgrade  (the new node binds beside
                                          the old one, then sends it SIGQUIT: it drains and exits 0)
            """,
        subcommands: [Serve.self, Preview.self, Check.self, Purge.self, Reload.self, ReopenLogs.self, Start.self],
        defaultSubcommand: Start.self
    )
}
