import Foundation

/// The routes the uplink check withdrew, as a JSON file in RUNDIR, so that a gatewayd
/// killed while the uplink was down puts them back at its next start. A file that does
/// not decode is reported and set aside (`….corrupt`), never silently dropped.
public struct WithdrawnRoutesFile: Sendable {
    public let path: String

    public init(directory: String) {
        path = directory + "/withdrawn-routes.json"
    }

    public enum Contents: Sendable, Equatable {
        case none
        case routes([SavedRoute])
        /// Unreadable; the file was moved to `setAsideAt` (nil: it could not be moved).
        case corrupt(reason: String, setAsideAt: String?)
    }

    public func read() -> Contents {
        guard let data = FileManager.default.contents(atPath: path) else { return .none }
        do { return .routes(try JSONDecoder().decode([SavedRoute].self, from: data)) } catch {
            let aside = path + ".corrupt"
            try? FileManager.default.removeItem(atPath: aside)
            let moved = (try? FileManager.default.moveItem(atPath: path, toPath: aside)) != nil
            return .corrupt(reason: "\(error)", setAsideAt: moved ? aside : nil)
        }
    }

    public func save(_ routes: [SavedRoute]) throws {
        try JSONEncoder().encode(routes).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public func remove() {
        unlink(path)
    }
}
