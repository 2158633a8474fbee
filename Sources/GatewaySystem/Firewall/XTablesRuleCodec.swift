import CGatewayShims
import GatewayCore
import Glibc

/// Translates between `FirewallRule` and the C shim's flat `gw_xt_rule`, which owns the
/// byte layout of ipt_entry / ip6t_entry.
enum XTablesRuleCodec {
    /// What the decoder found in one kernel entry.
    struct Decoded: Equatable {
        /// Carries the `gatewayd` comment.
        var tagged: Bool
        /// The rule, when it lies wholly inside gatewayd's subset.
        var rule: FirewallRule?
    }

    /// A complete entry for `family`, tagged with the owner comment; nil when the rule cannot
    /// be expressed (e.g. an IPv6 source in an IPv4 rule, TCPMSS without the SYN flags match).
    static func encode(_ rule: FirewallRule, family: IPFamily) -> [UInt8]? {
        guard var raw = flatten(rule) else { return nil }
        var buffer = [UInt8](repeating: 0, count: Int(GW_XT_ENTRY_MAX))
        let size = buffer.withUnsafeMutableBytes { gw_xt_encode(family.shimFamily, &raw, $0.baseAddress, $0.count) }
        return size == 0 ? nil : Array(buffer.prefix(size))
    }

    /// Decodes the entry at `entry`; `resolvedTarget` is libiptc's name for its target.
    static func decode(_ entry: UnsafeRawPointer, family: IPFamily, resolvedTarget: String?) -> Decoded {
        var raw = gw_xt_rule()
        if let resolvedTarget {
            resolvedTarget.withCString { gw_xt_decode(family.shimFamily, entry, $0, &raw) }
        } else {
            gw_xt_decode(family.shimFamily, entry, nil, &raw)
        }
        return Decoded(tagged: raw.tagged != 0, rule: raw.foreign == 0 ? rebuild(raw) : nil)
    }

    private static func flatten(_ rule: FirewallRule) -> gw_xt_rule? {
        var raw = gw_xt_rule()
        raw.tagged = 1
        guard put(rule.inInterface ?? "", into: &raw.in_iface),
              put(rule.outInterface ?? "", into: &raw.out_iface) else { return nil }
        if let source = rule.source {
            raw.has_source = 1
            raw.source_prefix_len = UInt8(source.length)
            withUnsafeMutableBytes(of: &raw.source) { $0.copyBytes(from: source.address.bytes) }
        }
        switch rule.transport {
        case nil: raw.protocol = 0
        case .tcp: raw.protocol = UInt8(IPPROTO_TCP)
        case .udp: raw.protocol = UInt8(IPPROTO_UDP)
        }
        if let ports = rule.destinationPorts {
            raw.has_dports = 1
            raw.dport_min = ports.lowerBound
            raw.dport_max = ports.upperBound
        }
        if let flags = rule.tcpFlags {
            raw.has_tcp_flags = 1
            raw.tcp_flags_mask = flags.mask
            raw.tcp_flags_cmp = flags.comparison
        }
        switch rule.target {
        case .accept: raw.target = Int32(GW_XT_TARGET_ACCEPT.rawValue)
        case .drop: raw.target = Int32(GW_XT_TARGET_DROP.rawValue)
        case .clampMSSToPMTU: raw.target = Int32(GW_XT_TARGET_CLAMP_MSS.rawValue)
        case .jump(let chain):
            raw.target = Int32(GW_XT_TARGET_JUMP.rawValue)
            guard put(chain, into: &raw.jump_chain) else { return nil }
        }
        return raw
    }

    private static func rebuild(_ raw: gw_xt_rule) -> FirewallRule? {
        let target: FirewallTarget
        switch UInt32(raw.target) {
        case GW_XT_TARGET_ACCEPT.rawValue: target = .accept
        case GW_XT_TARGET_DROP.rawValue: target = .drop
        case GW_XT_TARGET_CLAMP_MSS.rawValue: target = .clampMSSToPMTU
        case GW_XT_TARGET_JUMP.rawValue: target = .jump(string(raw.jump_chain))
        default: return nil
        }
        let transport: TransportProtocol?
        switch Int32(raw.protocol) {
        case 0: transport = nil
        case Int32(IPPROTO_TCP): transport = .tcp
        case Int32(IPPROTO_UDP): transport = .udp
        default: return nil
        }
        let inInterface = string(raw.in_iface)
        let outInterface = string(raw.out_iface)
        return FirewallRule(
            inInterface: inInterface.isEmpty ? nil : inInterface,
            outInterface: outInterface.isEmpty ? nil : outInterface,
            source: raw.has_source == 0 ? nil : IPv6Prefix(
                address: IPv6Address(bytes: withUnsafeBytes(of: raw.source) { Array($0) }),
                length: Int(raw.source_prefix_len)),
            transport: transport,
            destinationPorts: raw.has_dports == 0 ? nil : raw.dport_min...raw.dport_max,
            tcpFlags: raw.has_tcp_flags == 0 ? nil : TCPFlagsMatch(mask: raw.tcp_flags_mask, comparison: raw.tcp_flags_cmp),
            target: target)
    }

    /// Copies `text` NUL-terminated into a fixed C char array; false when it does not fit.
    private static func put<Field>(_ text: String, into field: inout Field) -> Bool {
        let bytes = Array(text.utf8)
        return withUnsafeMutableBytes(of: &field) { buffer in
            guard bytes.count < buffer.count, !bytes.contains(0) else { return false }
            buffer.copyBytes(from: bytes)
            return true
        }
    }

    private static func string<Field>(_ field: Field) -> String {
        withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

extension IPFamily {
    var shimFamily: Int32 { Int32(self == .ipv4 ? GW_XT_IPV4.rawValue : GW_XT_IPV6.rawValue) }
}
