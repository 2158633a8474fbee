import Foundation
import GatewayControl

/// Babel's view of a tunnel for people: the BABEL column, `peers show`'s detail, and the
/// mesh line of `status`.
enum BabelText {
    /// `ffff/96`: the best neighbour's reach (hex, as babeld prints it) and link cost;
    /// `no neighbour`, `down` (babeld has the interface down), `unknown` (babeld does not
    /// have it), `-` (no babel view).
    static func column(_ babel: BabelTunnel?) -> String {
        guard let babel else { return "-" }
        guard let up = babel.up else { return "unknown" }
        guard up else { return "down" }
        guard let best = babel.best else { return "no neighbour" }
        return reach(best.reach) + "/\(best.cost)"
    }

    static func reach(_ value: Int) -> String { String(format: "%04x", value) }

    /// One line per neighbour, then routes and mmfd.
    static func details(_ babel: BabelTunnel?) -> [(String, String)] {
        guard let babel else { return [("babel", "-")] }
        var rows: [(String, String)] = [("babel", column(babel))]
        for neighbour in babel.neighbours {
            let rtt = neighbour.rttSeconds.map { String(format: " rtt %.1f ms", $0 * 1000) } ?? ""
            rows.append(("  neighbour", "\(neighbour.address) reach \(reach(neighbour.reach)) rxcost \(neighbour.rxcost) "
                         + "txcost \(neighbour.txcost) cost \(neighbour.cost)\(rtt)"))
        }
        rows.append(("  routes", "\(babel.routes) learned, \(babel.installedRoutes) installed"))
        rows.append(("mmfd neighbours", babel.mmfdNeighbours.map { $0.isEmpty ? "none" : $0.joined(separator: ", ") } ?? "-"))
        return rows
    }

    /// `12/14 live tunnels with a babel neighbour (2 without: babel-wg-3, babel-wg-9); 15 neighbours, 240 routes`.
    static func summary(_ babel: BabelSummary) -> String {
        var text = "\(babel.tunnelsWithNeighbour)/\(babel.tunnelsUp) live tunnels with a babel neighbour"
        if !babel.upWithoutNeighbour.isEmpty {
            let shown = babel.upWithoutNeighbour.prefix(5).joined(separator: ", ") + (babel.upWithoutNeighbour.count > 5 ? ", …" : "")
            text += " (\(babel.upWithoutNeighbour.count) without: \(shown))"
        }
        return text + "; \(babel.neighbours) neighbour(s), \(babel.routes) route(s)"
    }
}
