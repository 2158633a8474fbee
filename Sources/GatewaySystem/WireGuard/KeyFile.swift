import Foundation
import GatewayCore
import Glibc

/// The gateway's private key: WGSECRET, or the file at PRIVATEKEY, created on first
/// start (mode 0600, in a directory only root can enter) when it does not exist yet.
public enum KeyFile {
    public enum Outcome: Sendable {
        case inline, loaded, generated
    }

    public struct KeyFileError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Resolves the configured source to a key, generating the file when needed.
    public static func privateKey(from source: PrivateKeySource) throws -> (PrivateKey, Outcome) {
        switch source {
        case .inline(let bytes):
            guard let key = PrivateKey(bytes: bytes) else { throw KeyFileError(path: "WGSECRET", reason: "not a 32-byte key") }
            return (key, .inline)
        case .file(let path):
            if FileManager.default.fileExists(atPath: path) { return (try load(path), .loaded) }
            let key = PrivateKey.generate()
            try store(key, at: path)
            return (key, .generated)
        }
    }

    static func load(_ path: String) throws -> PrivateKey {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw KeyFileError(path: path, reason: "cannot read the key file")
        }
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let key = PrivateKey(bytes: Array(data))
        else { throw KeyFileError(path: path, reason: "is not a WireGuard private key (32 bytes of base64, as `wg genkey` writes)") }
        return key
    }

    /// Written with O_EXCL and mode 0600 from the start, so the key is never readable by others.
    static func store(_ key: PrivateKey, at path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch { throw KeyFileError(path: directory, reason: "cannot create the directory: \(error.localizedDescription)") }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw KeyFileError(path: path, reason: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do { try handle.write(contentsOf: Data((key.base64() + "\n").utf8)) } catch {
            throw KeyFileError(path: path, reason: error.localizedDescription)
        }
    }
}
