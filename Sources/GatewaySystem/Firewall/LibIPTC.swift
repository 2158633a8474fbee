import CGatewayShims
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

    static let ipv4 = LibIPTC(ipv6: 0)
    static let ipv6 = LibIPTC(ipv6: 1)

    /// libiptc's calls are C wrappers that pick iptc_* or ip6tc_* (see iptc_shims.h for why).
    private init(ipv6 flag: Int32) {
        open = { gw_iptc_init(flag, $0) }
        free = { gw_iptc_free(flag, $0) }
        firstChain = { gw_iptc_first_chain(flag, $0) }
        nextChain = { gw_iptc_next_chain(flag, $0) }
        isChain = { gw_iptc_is_chain(flag, $0, $1) }
        isBuiltin = { gw_iptc_builtin(flag, $0, $1) }
        firstRule = { gw_iptc_first_rule(flag, $0, $1) }
        nextRule = { gw_iptc_next_rule(flag, $0, $1) }
        target = { gw_iptc_get_target(flag, $0, $1) }
        insert = { gw_iptc_insert_entry(flag, $0, $1, $2, $3) }
        append = { gw_iptc_append_entry(flag, $0, $1, $2) }
        deleteNumber = { gw_iptc_delete_num_entry(flag, $0, $1, $2) }
        flush = { gw_iptc_flush_entries(flag, $0, $1) }
        createChain = { gw_iptc_create_chain(flag, $0, $1) }
        deleteChain = { gw_iptc_delete_chain(flag, $0, $1) }
        commit = { gw_iptc_commit(flag, $0) }
        strerror = { gw_iptc_strerror(flag, $0) }
    }
}
