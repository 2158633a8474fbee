/// One step that brings the host closer to the plan. Printed by `gatewayd plan` in the
/// words of the tools operators know.
public enum HostChange: Sendable, Equatable, CustomStringConvertible {
    case commitFirewall(FirewallTablePlan, ruleCount: Int, observedRuleCount: Int)
    case removeFirewall(IPFamily, FirewallTable, chains: Set<String>)
    case addRule(PolicyRule)
    case deleteRule(PolicyRule)
    case addRoute(RouteSpec)
    case deleteRoute(RouteSpec)
    case setSysctl(SysctlSetting, current: String)
    case restoreSysctl(SysctlSetting)

    public var isFirewall: Bool {
        switch self {
        case .commitFirewall, .removeFirewall: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .commitFirewall(let plan, let count, let observed):
            let chains = plan.chains.keys.sorted().joined(separator: ", ")
            return "~ \(plan.family.toolName) -t \(plan.table.rawValue): \(chains) (\(observed) → \(count) rules, hooks from "
                + plan.hooks.map(\.builtinChain).joined(separator: ", ") + ")"
        case .removeFirewall(let family, let table, let chains):
            return "- \(family.toolName) -t \(table.rawValue): \(chains.sorted().joined(separator: ", ")) and the jumps into it"
        case .addRule(let rule): return "+ ip -6 rule \(rule)"
        case .deleteRule(let rule): return "- ip -6 rule \(rule)"
        case .addRoute(let route): return "+ ip -6 route \(route)"
        case .deleteRoute(let route): return "- ip -6 route \(route)"
        case .setSysctl(let setting, let current): return "~ sysctl \(setting.key): \(current) → \(setting.value)"
        case .restoreSysctl(let setting): return "~ sysctl \(setting.key): restore \(setting.value)"
        }
    }
}

extension HostChange {
    /// True when this change undoes someone else's change to what `previous` (the plan last
    /// applied) already held; false when it only follows the plan grown or shrunk since, as
    /// links came and went.
    public func repairs(_ previous: HostPlan) -> Bool {
        switch self {
        case .commitFirewall, .removeFirewall, .deleteRule: return true
        case .addRule(let rule): return previous.rules.contains(rule)
        case .addRoute(let route): return previous.routes.contains(route)
        // An owned route the last plan had is gone from the plan (mmfd0 went down); one it
        // did not have was added by someone else.
        case .deleteRoute(let route): return !previous.routes.contains(route)
        case .setSysctl(let setting, _): return previous.sysctls.contains(setting)
        case .restoreSysctl: return false
        }
    }
}

/// A step that failed, with what was being done.
public struct HostChangeError: Error, Sendable, CustomStringConvertible {
    public var change: HostChange?
    public var step: String
    public var underlying: String
    /// A firewall step: reading or committing xtables.
    public var isFirewall: Bool
    /// Failing closed after this error, the teardown failed too: what is left on the host.
    public var teardownFailure: String?

    public init(change: HostChange?, step: String, underlying: any Error, isFirewall: Bool) {
        self.change = change
        self.step = step
        self.underlying = String(describing: underlying)
        self.isFirewall = isFirewall
    }

    public var description: String {
        "\(step): \(underlying)" + (teardownFailure.map { "; failing closed, the teardown failed too: \($0)" } ?? "")
    }
}

/// A sysctl the gateway needs but cannot write (a container's read-only /proc/sys):
/// only the host can set it.
public struct SysctlNotWritable: Error, Sendable, CustomStringConvertible {
    public var setting: SysctlSetting
    public var current: String
    public var reason: String

    public init(setting: SysctlSetting, current: String, reason: String) {
        self.setting = setting
        self.current = current
        self.reason = reason
    }

    public var description: String {
        "\(setting.key) is \(current) and cannot be written here (\(reason)); run `sysctl -w \(setting)` on the host"
            + " (Docker refuses --sysctl net.* with --network host)"
    }
}
