import GatewayCore
import Glibc

/// Which WireGuard implementation carries the per-peer interfaces: WG_BACKEND=kernel or
/// userspace, or, when unset, kernel if a `wireguard` link can be created here.
public enum WireGuardBackendChoice: String, Sendable, CaseIterable {
    case kernel, userspace

    public struct UnknownBackend: Error, CustomStringConvertible {
        public let value: String
        public var description: String { "WG_BACKEND=\(value): expected kernel or userspace" }
    }

    /// `override` is WG_BACKEND's value (nil or empty = detect).
    public static func resolve(override: String?) throws -> WireGuardBackendChoice {
        guard let override, !override.isEmpty else { return kernelAvailable() ? .kernel : .userspace }
        guard let choice = WireGuardBackendChoice(rawValue: override) else { throw UnknownBackend(value: override) }
        return choice
    }

    /// Creates and deletes a probe link; EOPNOTSUPP (no module) or anything else means no.
    static func kernelAvailable() -> Bool {
        let links = LinkControl()
        let probe = "gwd-wgprobe\(getpid() % 10_000)"
        guard (try? links.create(name: probe, kind: KernelBackend.linkKind, mtu: 1420)) != nil else { return false }
        try? links.delete(name: probe)
        return true
    }

    public func makeBackend(privateKey: PrivateKey, launcher: any WireGuardGoLauncher,
                            socketDirectory: String = UserspaceBackend.defaultSocketDirectory) -> any WireGuardBackend {
        switch self {
        case .kernel: KernelBackend(privateKey: privateKey)
        case .userspace: UserspaceBackend(privateKey: privateKey, launcher: launcher, socketDirectory: socketDirectory)
        }
    }
}
