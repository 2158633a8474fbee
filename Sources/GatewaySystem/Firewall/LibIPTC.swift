import CIPTC
import GatewayCore

/// libiptc's API for one family, as function references over raw entry pointers, so that
/// everything above it is written once for iptc_* (IPv4) and ip6tc_* (IPv6).
struct LibIPTC: Sendable {
    typealias Handle = OpaquePointer
    typealias Chain = UnsafePointer<CChar>

    let open: @Sendable (Chain) -> Handle?
    let free: @Sendable (Handle) -> Void
    let firstChain: @Sendable (Handle) -> Chain?
    let nextChain: @Sendable (Handle) -> Chain?
    let isChain: @Sendable (Chain, Handle) -> Int32
    let isBuiltin: @Sendable (Chain, Handle) -> Int32
    let firstRule: @Sendable (Chain, Handle) -> UnsafeRawPointer?
    let nextRule: @Sendable (UnsafeRawPointer, Handle) -> UnsafeRawPointer?
    let target: @Sendable (UnsafeRawPointer, Handle) -> Chain?
    let insert: @Sendable (Chain, UnsafeRawPointer, UInt32, Handle) -> Int32
    let append: @Sendable (Chain, UnsafeRawPointer, Handle) -> Int32
    let deleteNumber: @Sendable (Chain, UInt32, Handle) -> Int32
    let flush: @Sendable (Chain, Handle) -> Int32
    let createChain: @Sendable (Chain, Handle) -> Int32
    let deleteChain: @Sendable (Chain, Handle) -> Int32
    let commit: @Sendable (Handle) -> Int32
    let strerror: @Sendable (Int32) -> Chain?

    static func of(_ family: IPFamily) -> LibIPTC { family == .ipv4 ? ipv4 : ipv6 }

    static let ipv4 = LibIPTC(
        open: { iptc_init($0) },
        free: { iptc_free($0) },
        firstChain: { iptc_first_chain($0) },
        nextChain: { iptc_next_chain($0) },
        isChain: { iptc_is_chain($0, $1) },
        isBuiltin: { iptc_builtin($0, $1) },
        firstRule: { UnsafeRawPointer(iptc_first_rule($0, $1)) },
        nextRule: { UnsafeRawPointer(iptc_next_rule($0.assumingMemoryBound(to: ipt_entry.self), $1)) },
        target: { iptc_get_target($0.assumingMemoryBound(to: ipt_entry.self), $1) },
        insert: { iptc_insert_entry($0, $1.assumingMemoryBound(to: ipt_entry.self), $2, $3) },
        append: { iptc_append_entry($0, $1.assumingMemoryBound(to: ipt_entry.self), $2) },
        deleteNumber: { iptc_delete_num_entry($0, $1, $2) },
        flush: { iptc_flush_entries($0, $1) },
        createChain: { iptc_create_chain($0, $1) },
        deleteChain: { iptc_delete_chain($0, $1) },
        commit: { iptc_commit($0) },
        strerror: { iptc_strerror($0) })

    static let ipv6 = LibIPTC(
        open: { ip6tc_init($0) },
        free: { ip6tc_free($0) },
        firstChain: { ip6tc_first_chain($0) },
        nextChain: { ip6tc_next_chain($0) },
        isChain: { ip6tc_is_chain($0, $1) },
        isBuiltin: { ip6tc_builtin($0, $1) },
        firstRule: { UnsafeRawPointer(ip6tc_first_rule($0, $1)) },
        nextRule: { UnsafeRawPointer(ip6tc_next_rule($0.assumingMemoryBound(to: ip6t_entry.self), $1)) },
        target: { ip6tc_get_target($0.assumingMemoryBound(to: ip6t_entry.self), $1) },
        insert: { ip6tc_insert_entry($0, $1.assumingMemoryBound(to: ip6t_entry.self), $2, $3) },
        append: { ip6tc_append_entry($0, $1.assumingMemoryBound(to: ip6t_entry.self), $2) },
        deleteNumber: { ip6tc_delete_num_entry($0, $1, $2) },
        flush: { ip6tc_flush_entries($0, $1) },
        createChain: { ip6tc_create_chain($0, $1) },
        deleteChain: { ip6tc_delete_chain($0, $1) },
        commit: { ip6tc_commit($0) },
        strerror: { ip6tc_strerror($0) })
}
