import Foundation

/// The products built next to this test bundle.
enum BuiltProduct {
    static func path(_ name: String) -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
    }
}

/// The real mesh daemons scripts/mesh-daemons builds from their pinned upstream commits
/// (.build/mesh/bin): mmfd, l3roamd and babeld 1.14. Debian's babeld 1.12.1 is `debianBabeld`.
enum MeshDaemon {
    static func path(_ name: String) -> String {
        var directory = URL(fileURLWithPath: BuiltProduct.path(name)).deletingLastPathComponent()
        while directory.path != "/" && directory.lastPathComponent != ".build" { directory.deleteLastPathComponent() }
        if directory.path == "/" { directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build") }
        return directory.appendingPathComponent("mesh/bin/\(name)").path
    }

    static let babeld = path("babeld")
    static let mmfd = path("mmfd")
    static let l3roamd = path("l3roamd")
    static let debianBabeld = "/usr/sbin/babeld"
    /// babeld-1.12.1 with AddressSanitizer: a use of freed memory kills it at once.
    static let babeld1121WithASan = path("babeld-1.12.1-asan")

    /// Set up by scripts/setup (scripts/mesh-daemons); a test that needs them fails with this.
    static var missing: String? {
        let absent = [babeld, mmfd, l3roamd].filter { !FileManager.default.isExecutableFile(atPath: $0) }
        return absent.isEmpty ? nil : "not built: \(absent.joined(separator: ", ")) (run scripts/mesh-daemons)"
    }
}
