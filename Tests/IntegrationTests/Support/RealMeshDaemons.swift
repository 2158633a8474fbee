import Foundation
import Testing

/// The real mmfd, l3roamd and babeld 1.14 that `scripts/mesh-daemons` builds into
/// .build/mesh/bin from their pinned upstream commits.
enum RealMeshDaemons {
    static let bin = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/mesh/bin")

    static func path(_ name: String) -> String { bin.appendingPathComponent(name).path }

    static let available = Requirement.isRoot && ["mmfd", "l3roamd"].allSatisfy { FileManager.default.isExecutableFile(atPath: path($0)) }
    static let reason: Comment = "needs root and the real mesh daemons: run scripts/mesh-daemons (MESH_SOURCES=../shared/upstream offline)"
}
