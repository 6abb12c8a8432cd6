/// A socket address as written in the config: `"127.0.0.1:8080"`, `"[::1]:8080"`, `"localhost:80"`.
public struct HostPort: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Host name or IP address, without brackets.
    public var host: String
    /// 1–65535.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    static let expectation = "expected host:port like \"127.0.0.1:8080\" or \"[::1]:8080\""

    /// Why `text` is not a host:port, or the address. Port 0 and ports above 65535 are refused.
    public static func parse(_ text: String, defaultPort: Int? = nil) -> Result<HostPort, HostPortError> {
        let hostPart: Substring
        var portPart: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.malformed) }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") {
                portPart = rest.dropFirst()
            } else if !rest.isEmpty {
                return .failure(.malformed)
            }
        } else if let colon = text.lastIndex(of: ":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            // An unbracketed IPv6 address cannot be told apart from its port.
            if hostPart.contains(":") { return .failure(.malformed) }
        } else {
            hostPart = Substring(text)
        }
        guard !hostPart.isEmpty, !hostPart.contains(where: { $0 == " " || $0 == "/" || $0 == "\t" }) else {
            return .failure(.malformed)
        }
        let port: Int
        if let portPart {
            guard !portPart.isEmpty, portPart.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return .failure(.malformed)
            }
            guard let number = Int(portPart), (1...65535).contains(number) else { return .failure(.portOutOfRange) }
            port = number
        } else if let defaultPort {
            port = defaultPort
        } else {
            return .failure(.malformed)
        }
        return .success(HostPort(host: String(hostPart), port: port))
    }

    /// `host:port`, with IPv6 hosts in brackets.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.configString(Self.expectation, at: decoder)
        switch Self.parse(text) {
        case .success(let value): self = value
        case .failure(let error): throw ConfigIssue(at: decoder, error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a host:port did not parse.
public enum HostPortError: Error, Sendable, Equatable {
    case malformed
    case portOutOfRange

    public var message: String {
        switch self {
        case .malformed: return HostPort.expectation
        case .portOutOfRange: return "expected a port from 1 to 65535"
        }
    }
}
