import Foundation

/// How peers are provisioned: WG_BACKEND, the key lists, the idle sweep, wireguard-go.
public struct BrokerOptions: Sendable, Equatable {
    public enum Backend: String, Sendable, Equatable {
        /// Kernel WireGuard where the kernel accepts a `wireguard` link, else userspace.
        case auto, kernel, userspace
    }

    public var backend: Backend
    /// ALLOWKEYS / DENYKEYS / PINNEDKEYS: files of node keys, one base64 key per line; reloadable.
    public var keyLists: KeyPolicyFiles
    public var sweep: IdleSweep
    /// wireguard-go's binary and its UAPI socket directory (userspace backend).
    public var wireguardGo: String
    public var uapiDirectory: String
    /// Where wireguard-go serves its UAPI sockets: compiled into it (ipc/uapi_linux.go).
    public static let wireguardGoSocketDirectory = "/var/run/wireguard"
    /// PROVISIONALGRACE / PROVISIONALPERSOURCE (BrokerSettings explains them).
    public var provisionalGrace: TimeInterval = 120
    public var provisionalPerSource: Int = 8

    public init(backend: Backend = .auto, keyLists: KeyPolicyFiles = KeyPolicyFiles(), sweep: IdleSweep = IdleSweep(),
                wireguardGo: String = "wireguard-go", uapiDirectory: String = wireguardGoSocketDirectory) {
        self.backend = backend
        self.keyLists = keyLists
        self.sweep = sweep
        self.wireguardGo = wireguardGo
        self.uapiDirectory = uapiDirectory
    }
}
