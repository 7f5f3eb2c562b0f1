import Hummingbird
import Logging
import NIOCore

/// Builds and runs the HTTP server around a workbench.
public enum WorkbenchServer {
    /// The application: the gate, then the routes. Tests run it in process.
    public static func application(
        _ workbench: Workbench, settings: GateSettings, host: String = "127.0.0.1", onListening: @escaping @Sendable (Int) -> Void = { _ in }
    )
        -> some ApplicationProtocol
    {
        let router = Routes.router(workbench, settings)
        var logger = Logger(label: "payplan.serve", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .error
        let port = settings.port
        return Application(
            responder: Gate(inner: router.buildResponder(), settings: settings),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port.port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port.port
                port.set(bound)
                onListening(bound)
            },
            logger: logger)
    }

    /// Serves until SIGINT or SIGTERM, then stops cleanly (open connections
    /// are closed gracefully; nothing is written, so nothing is left half done).
    public static func run(_ workbench: Workbench, settings: GateSettings, host: String, onListening: @escaping @Sendable (Int) -> Void) async throws
    {
        try await application(workbench, settings: settings, host: host, onListening: onListening).runService()
    }

    /// Loopback addresses: the only ones bound without a warning.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "[::1]" { return true }
        let parts = h.split(separator: ".")
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// `http://127.0.0.1:8080/?token=…` (IPv6 hosts in brackets).
    public static func url(host: String, port: Int, token: AccessToken) -> String {
        let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "http://\(shown):\(port)/?token=\(token.value)"
    }
}
