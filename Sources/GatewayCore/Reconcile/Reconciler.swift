/// Diffs the host against a `HostPlan` and applies only the difference.
///
/// Order is what makes it fail closed: the firewall is committed first and forwarding
/// is switched on last, so a failure part-way never leaves a forwarding gateway without
/// its firewall; `converge` then removes everything gatewayd owns. Teardown runs the
/// other way round: forwarding off first, firewall last.
public struct Reconciler: Sendable {
    public let host: HostSystem

    public init(host: HostSystem) {
        self.host = host
    }

    // MARK: - Diff

    /// The plan for `config` on this host's current links.
    public func plan(for config: GatewayConfig) throws -> HostPlan {
        HostPlan(config: config, links: try step("listing links") { try host.links.links(exact: HostPlan.exactLinks(config)) })
    }

    /// The changes `converge(to: config)` would make.
    public func changes(for config: GatewayConfig) throws -> [HostChange] {
        try changes(toward: plan(for: config))
    }

    /// The changes that bring the host to `plan`, in the order they must be applied.
    public func changes(toward plan: HostPlan) throws -> [HostChange] {
        try firewallChanges(plan.firewall) + ruleChanges(plan.rules) + routeChanges(plan.routes)
            + sysctlChanges(plan.sysctls)
    }

    func firewallChanges(_ tables: [FirewallTablePlan]) throws -> [HostChange] {
        try tables.compactMap { plan in
            let observed = try step("reading \(plan.family.toolName) -t \(plan.table.rawValue)", firewall: true) {
                try host.firewall.observe(family: plan.family, table: plan.table, ownedChains: Set(plan.chains.keys))
            }
            guard !Self.firewall(observed, matches: plan) else { return nil }
            return .commitFirewall(plan, ruleCount: plan.chains.values.map(\.count).reduce(0, +),
                                   observedRuleCount: observed.chains.values.map(\.count).reduce(0, +))
        }
    }

    /// Rules equal, and every hook present exactly once (and at the top where it must be first).
    static func firewall(_ observed: FirewallTableState, matches plan: FirewallTablePlan) -> Bool {
        guard observed.chains == plan.chains, observed.hooks.count == plan.hooks.count else { return false }
        return plan.hooks.allSatisfy { hook in
            let found = observed.hooks.filter { $0.builtinChain == hook.builtinChain && $0.ownedChain == hook.ownedChain }
            return found.count == 1 && (hook.position == .last || found[0].index == 0)
        }
    }

    func ruleChanges(_ desired: [PolicyRule]) throws -> [HostChange] {
        let owned = try step("listing ip -6 rules") { try host.rules.ownedRules() }
        return Self.difference(owned: owned, desired: desired, delete: HostChange.deleteRule, add: HostChange.addRule)
    }

    func routeChanges(_ desired: [RouteSpec]) throws -> [HostChange] {
        let owned = try step("listing ip -6 routes") { try host.routes.ownedRoutes() }
        return Self.difference(owned: owned, desired: desired, delete: HostChange.deleteRoute, add: HostChange.addRoute)
    }

    /// Deletions of what is owned but no longer wanted, then additions of what is missing.
    static func difference<Item: Hashable & Comparable>(
        owned: [Item], desired: [Item], delete: (Item) -> HostChange, add: (Item) -> HostChange
    ) -> [HostChange] {
        let ownedSet = Set(owned)
        let desiredSet = Set(desired)
        return ownedSet.subtracting(desiredSet).sorted().map(delete)
            + desired.filter { !ownedSet.contains($0) }.map(add)
    }

    func sysctlChanges(_ desired: [SysctlSetting]) throws -> [HostChange] {
        try desired.compactMap { setting in
            let current = try step("reading sysctl \(setting.key)") { try host.sysctls.read(setting.key) }
            guard let current, current != setting.wanted(given: current) else { return nil }
            return .setSysctl(SysctlSetting(setting.key, setting.wanted(given: current)), current: current)
        }
    }

    /// What removes every piece of host state gatewayd owns, in teardown order.
    public func teardownChanges() throws -> [HostChange] {
        let record = try step("reading the host-state record") { try host.record.load() }
        let restores = try record.originalSysctls.sorted { Self.restoresFirst($0.key, $1.key) }.compactMap { key, original -> HostChange? in
            guard let current = try host.sysctls.read(key), current != original else { return nil }
            return .restoreSysctl(SysctlSetting(key, original))
        }
        let routes = try step("listing ip -6 routes") { try host.routes.ownedRoutes() }.sorted().map(HostChange.deleteRoute)
        let rules = try step("listing ip -6 rules") { try host.rules.ownedRules() }.sorted().map(HostChange.deleteRule)
        let firewall = try FirewallPlanner.ownedChains.reversed().compactMap { family, table, chains -> HostChange? in
            let observed = try step("reading \(family.toolName) -t \(table.rawValue)", firewall: true) {
                try host.firewall.observe(family: family, table: table, ownedChains: chains)
            }
            return observed.chains.isEmpty && observed.hooks.isEmpty ? nil : .removeFirewall(family, table, chains: chains)
        }
        return restores + routes + rules + firewall
    }

    /// Forwarding goes off before anything else is undone.
    static func restoresFirst(_ lhs: String, _ rhs: String) -> Bool {
        (lhs.hasSuffix(".forwarding") ? 0 : 1, lhs) < (rhs.hasSuffix(".forwarding") ? 0 : 1, rhs)
    }

    // MARK: - Apply

    /// Applies `changes` in order; stops at the first failure.
    public func apply(_ changes: [HostChange]) throws {
        for change in changes {
            try step(change.description, change: change, firewall: change.isFirewall) { try perform(change) }
        }
    }

    func perform(_ change: HostChange) throws {
        switch change {
        case .commitFirewall(let plan, _, _): try host.firewall.commit(plan)
        case .removeFirewall(let family, let table, let chains):
            try host.firewall.remove(family: family, table: table, ownedChains: chains)
        case .addRule(let rule): try host.rules.add(rule)
        case .deleteRule(let rule): try host.rules.delete(rule)
        case .addRoute(let route): try host.routes.add(route)
        case .deleteRoute(let route): try host.routes.delete(route)
        case .setSysctl(let setting, let current):
            if setting.isRestoredOnTeardown { try remember(original: current, of: setting.key) }
            do { try host.sysctls.write(setting.key, setting.value) } catch {
                throw SysctlNotWritable(setting: setting, current: current, reason: String(describing: error))
            }
        case .restoreSysctl(let setting): try host.sysctls.write(setting.key, setting.value)
        }
    }

    /// Keeps the value from before gatewayd's first change, across any number of applies.
    func remember(original: String, of key: String) throws {
        var record = try host.record.load()
        guard record.originalSysctls[key] == nil else { return }
        record.originalSysctls[key] = original
        try host.record.save(record)
    }

    /// What a failed converge leaves behind.
    public enum FailurePolicy: Sendable {
        /// Any failure removes everything gatewayd owns: on start and for `apply`, nothing
        /// half-configured may stay.
        case removeEverything
        /// Only a firewall failure does; another step (say, a route whose interface vanished
        /// mid-change) is left for the next look of a running gateway.
        case removeOnFirewallFailure
    }

    /// Applies the plan for `config` on the current links, failing closed by `policy`,
    /// and rethrows the failure. Returns the changes made.
    @discardableResult
    public func converge(to config: GatewayConfig, onFailure policy: FailurePolicy = .removeEverything) throws -> [HostChange] {
        try converge(onFailure: policy) { try plan(for: config) }
    }

    @discardableResult
    public func converge(to plan: HostPlan, onFailure policy: FailurePolicy = .removeEverything) throws -> [HostChange] {
        try converge(onFailure: policy) { plan }
    }

    /// Converges only the per-interface settings of `interfaces` (peer interfaces that
    /// appeared): no link, rule or route is listed, so the cost does not grow with the
    /// number of peers. A failure is left for the next look.
    @discardableResult
    public func converge(interfaces: [String]) throws -> [HostChange] {
        try converge(onFailure: .removeOnFirewallFailure) { try sysctlChanges(HostPlan.interfaceSysctls(interfaces)) }
    }

    private func converge(onFailure policy: FailurePolicy, _ plan: () throws -> HostPlan) throws -> [HostChange] {
        try converge(onFailure: policy) { try changes(toward: plan()) }
    }

    private func converge(onFailure policy: FailurePolicy, changes: () throws -> [HostChange]) throws -> [HostChange] {
        do {
            let changes = try changes()
            try apply(changes)
            return changes
        } catch {
            let firewallFailed = (error as? HostChangeError)?.isFirewall ?? true
            guard policy == .removeEverything || firewallFailed else { throw error }
            do { try teardown() } catch let teardownError {
                // Both go to the operator: what failed, and that the host is not clean.
                var combined = error as? HostChangeError
                    ?? HostChangeError(change: nil, step: "applying the host plan", underlying: error, isFirewall: true)
                combined.teardownFailure = String(describing: teardownError)
                throw combined
            }
            throw error
        }
    }

    /// Removes everything gatewayd owns; returns what was removed.
    @discardableResult
    public func teardown() throws -> [HostChange] {
        let changes = try teardownChanges()
        try apply(changes)
        try step("erasing the host-state record") { try host.record.erase() }
        return changes
    }

    private func step<T>(_ what: String, change: HostChange? = nil, firewall: Bool = false, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as HostChangeError { throw error } catch {
            throw HostChangeError(change: change, step: what, underlying: error, isFirewall: firewall)
        }
    }
}
