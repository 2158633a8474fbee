import Foundation

/// mmfd's answer to `get_neighbours` (mmfd src/socket.c, `socket_get_neighbours`):
/// `{"mmfd_neighbours":[{"address":"fe80::…","interface":"babel-wg-1"}, …]}`, by interface.
public enum MmfdNeighbours {
    public struct Malformed: Error, CustomStringConvertible {
        public var description: String
    }

    public static func parse(_ reply: String) throws -> [String: [String]] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any],
              let list = object["mmfd_neighbours"] as? [[String: Any]] else {
            throw Malformed(description: "unexpected get_neighbours reply: \(reply.prefix(200))")
        }
        var byInterface: [String: [String]] = [:]
        for entry in list {
            guard let address = entry["address"] as? String, let interface = entry["interface"] as? String else { continue }
            byInterface[interface, default: []].append(address)
        }
        return byInterface.mapValues { $0.sorted() }
    }
}
