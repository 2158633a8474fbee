import Foundation
import GatewayCore
import Synchronization

/// A host kept in memory: the reconciler's logic tested without a kernel. The real
/// kernel side is covered by the integration tests in network namespaces.
final class InMemoryHost: PolicyRuleStore, RouteStore, LinkDirectory, SysctlStore, Firewall, HostStateRecordStore {
    struct State {
        var rules: [PolicyRule] = []
        var routes: [RouteSpec] = []
        var interfaces: Set<String> = ["lo", "eth0"]
        var sysctls: [String: String] = [
            "net.ipv6.conf.all.accept_redirects": "1",
            "net.ipv4.conf.all.rp_filter": "2",
            "net.ipv6.conf.all.forwarding": "0",
        ]
        var readOnlySysctls: Set<String> = []
        var tables: [String: FirewallTableState] = [:]
        var failingFirewallTable: (IPFamily, FirewallTable)?
        /// Erasing the host-state record fails (e.g. a read-only RUNDIR).
        var failingErase = false
        var record = HostStateRecord()
        var log: [String] = []
    }

    let state = Mutex(State())

    var host: HostSystem {
        HostSystem(rules: self, routes: self, links: self, sysctls: self, firewall: self, record: self)
    }

    func with<T>(_ body: (inout State) throws -> T) rethrows -> T { try state.withLock { try body(&$0) } }

    struct Refused: Error, CustomStringConvertible { var description: String }

    // PolicyRuleStore
    func ownedRules() throws -> [PolicyRule] { with { $0.rules } }
    func add(_ rule: PolicyRule) throws { with { $0.rules.append(rule); $0.log.append("rule+") } }
    func delete(_ rule: PolicyRule) throws { with { $0.rules.removeAll { $0 == rule }; $0.log.append("rule-") } }

    // RouteStore
    func ownedRoutes() throws -> [RouteSpec] { with { $0.routes } }
    func add(_ route: RouteSpec) throws { with { $0.routes.append(route); $0.log.append("route+") } }
    func delete(_ route: RouteSpec) throws { with { $0.routes.removeAll { $0 == route }; $0.log.append("route-") } }

    // LinkDirectory
    func links(exact names: Set<String>) throws -> LinkSet { with { LinkSet(present: $0.interfaces) } }

    // SysctlStore
    func read(_ key: String) throws -> String? {
        with { state in
            if let value = state.sysctls[key] { return value }
            let parts = key.split(separator: ".")
            return parts.count > 4 && state.interfaces.contains(String(parts[3])) ? "1" : nil
        }
    }

    func write(_ key: String, _ value: String) throws {
        try with { state in
            guard !state.readOnlySysctls.contains(key) else { throw Refused(description: "Read-only file system") }
            state.sysctls[key] = value
            state.log.append("sysctl \(key)=\(value)")
        }
    }

    // Firewall
    static func name(_ family: IPFamily, _ table: FirewallTable) -> String { "\(family.rawValue)/\(table.rawValue)" }

    func observe(family: IPFamily, table: FirewallTable, ownedChains: Set<String>) throws -> FirewallTableState {
        with { $0.tables[Self.name(family, table)] ?? FirewallTableState() }
    }

    func commit(_ plan: FirewallTablePlan) throws {
        try with { state in
            if let failing = state.failingFirewallTable, failing == (plan.family, plan.table) {
                throw Refused(description: "Table does not exist (do you need to insmod?)")
            }
            let hooks = plan.hooks.map {
                FirewallTableState.ObservedHook(builtinChain: $0.builtinChain, ownedChain: $0.ownedChain, index: 0)
            }
            state.tables[Self.name(plan.family, plan.table)] = FirewallTableState(chains: plan.chains, hooks: hooks)
            state.log.append("firewall \(Self.name(plan.family, plan.table))")
        }
    }

    func remove(family: IPFamily, table: FirewallTable, ownedChains: Set<String>) throws {
        with {
            $0.tables[Self.name(family, table)] = nil
            $0.log.append("firewall- \(Self.name(family, table))")
        }
    }

    // HostStateRecordStore
    func load() throws -> HostStateRecord { with { $0.record } }
    func save(_ record: HostStateRecord) throws { with { $0.record = record } }
    func erase() throws {
        if with({ $0.failingErase }) { throw CocoaError(.fileWriteNoPermission) }
        with { $0.record = HostStateRecord() }
    }
}
