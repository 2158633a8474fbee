import GatewayCore

/// `Firewall` on the kernel's legacy xtables through libiptc: one handle and one commit
/// per (family, table), so a plan lands whole or not at all.
public struct IPTablesFirewall: Firewall {
    public init() {}

    public func observe(family: IPFamily, table: FirewallTable, ownedChains: Set<String>) throws -> FirewallTableState {
        try XTablesSession.with(family: family, table: table) { session in
            var state = FirewallTableState()
            for chain in ownedChains.sorted() where session.chainExists(chain) {
                try session.ensureOwned(chain)
                // Tagged but outside the subset cannot be described as a FirewallRule.
                let rules = session.entries(of: chain).map(\.rule)
                guard rules.allSatisfy({ $0 != nil }) else {
                    throw FirewallError.foreignChain(family: family, table: table, chain: chain)
                }
                state.chains[chain] = rules.compactMap { $0 }
            }
            for builtin in session.builtinChains {
                for jump in session.taggedJumps(in: builtin, into: ownedChains) {
                    state.hooks.append(.init(builtinChain: builtin, ownedChain: jump.ownedChain, index: jump.index))
                }
            }
            return state
        }
    }

    public func commit(_ plan: FirewallTablePlan) throws {
        try XTablesSession.with(family: plan.family, table: plan.table) { session in
            let chains = plan.chains.keys.sorted()
            // Check every chain before changing any: a throw frees the handle uncommitted.
            for chain in chains { try session.ensureOwned(chain) }
            for chain in chains {
                if session.chainExists(chain) { try session.flush(chain) } else { try session.createChain(chain) }
                for (index, rule) in plan.chains[chain, default: []].enumerated() {
                    try session.append(rule, to: chain, number: index + 1)
                }
            }
            let owned = Set(chains).union(plan.hooks.map(\.ownedChain))
            for builtin in session.builtinChains {
                try reconcileHooks(plan.hooks.filter { $0.builtinChain == builtin }, in: builtin, owned: owned, session)
            }
            try session.commit()
        }
    }

    public func remove(family: IPFamily, table: FirewallTable, ownedChains: Set<String>) throws {
        try XTablesSession.with(family: family, table: table) { session in
            let chains = ownedChains.sorted().filter(session.chainExists)
            // Flushing a chain an operator filled would destroy their rules: fail closed.
            for chain in chains { try session.ensureOwned(chain) }
            for builtin in session.builtinChains {
                try reconcileHooks([], in: builtin, owned: ownedChains, session)
            }
            for chain in chains {
                try session.flush(chain)
                try session.deleteChain(chain)
            }
            try session.commit()
        }
    }

    /// Leaves exactly one tagged jump per hook in `builtin`, at its position, and no other
    /// tagged jump into an owned chain. A jump already in place is kept, so a repeated
    /// commit changes nothing; untagged (operator) rules are never touched.
    private func reconcileHooks(_ hooks: [FirewallHook], in builtin: String, owned: Set<String>, _ session: XTablesSession) throws {
        let jumps = session.taggedJumps(in: builtin, into: owned)
        let count = session.entries(of: builtin).count
        var kept: [FirewallHook: Int] = [:]
        for hook in hooks {
            let wanted = hook.position == .first ? 0 : count - 1
            if jumps.contains(where: { $0.index == wanted && $0.ownedChain == hook.ownedChain }),
               !kept.values.contains(wanted) {
                kept[hook] = wanted
            }
        }
        let keptIndices = Set(kept.values)
        // From the back, so that earlier indices stay valid.
        for jump in jumps.reversed() where !keptIndices.contains(jump.index) {
            try session.deleteRule(at: jump.index, in: builtin)
        }
        for hook in hooks where kept[hook] == nil {
            let jump = FirewallRule(target: .jump(hook.ownedChain))
            switch hook.position {
            case .first: try session.insert(jump, into: builtin, at: 0)
            case .last: try session.append(jump, to: builtin, number: session.entries(of: builtin).count + 1)
            }
        }
    }
}
