import Foundation
import Glibc

/// CONTROLGROUP as a gid: a number, or a name from the group database.
enum ControlGroup {
    struct Unknown: Error, CustomStringConvertible {
        let name: String
        var description: String { "CONTROLGROUP \(name) is not a group on this host" }
    }

    static func resolve(_ name: String?) throws -> gid_t? {
        guard let name else { return nil }
        if let number = gid_t(name) { return number }
        guard let entry = getgrnam(name) else { throw Unknown(name: name) }
        return entry.pointee.gr_gid
    }
}
