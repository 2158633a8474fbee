import CMnl

/// A netlink request under construction. libmnl writes the header and attributes into
/// an owned buffer; `bytes` is the finished message. Pure: no socket, so every
/// encoder is testable byte for byte without root.
struct NetlinkMessage {
    private var buffer: [UInt8]

    /// Room for one request: a header, a family header and a handful of attributes.
    static let capacity = 4096

    init(type: UInt16, flags: Int32, sequence: UInt32 = 0) {
        buffer = [UInt8](repeating: 0, count: Self.capacity)
        withHeader { header in
            _ = mnl_nlmsg_put_header(header)
            header.pointee.nlmsg_type = type
            header.pointee.nlmsg_flags = UInt16(flags)
            header.pointee.nlmsg_seq = sequence
        }
    }

    /// Appends the family-specific header (`rtmsg`, `fib_rule_hdr`, `ifinfomsg`, `genlmsghdr`).
    mutating func putExtraHeader<Header>(_ value: Header) {
        withHeader { header in
            let raw = mnl_nlmsg_put_extra_header(header, MemoryLayout<Header>.size)!
            raw.storeBytes(of: value, as: Header.self)
        }
    }

    /// Appends a family header and attributes taken whole from a received message (a
    /// dumped route sent back as a delete or an add, as `ip route flush`/`restore` do).
    mutating func putBody(_ body: [UInt8]) {
        withHeader { header in
            let raw = mnl_nlmsg_put_extra_header(header, body.count)!
            body.withUnsafeBytes { raw.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
    }

    mutating func put(_ type: UInt16, bytes: [UInt8]) {
        withHeader { header in bytes.withUnsafeBytes { mnl_attr_put(header, type, $0.count, $0.baseAddress) } }
    }

    mutating func put(_ type: UInt16, u8 value: UInt8) { withHeader { mnl_attr_put_u8($0, type, value) } }
    mutating func put(_ type: UInt16, u16 value: UInt16) { withHeader { mnl_attr_put_u16($0, type, value) } }
    mutating func put(_ type: UInt16, u32 value: UInt32) { withHeader { mnl_attr_put_u32($0, type, value) } }
    mutating func put(_ type: UInt16, string value: String) { withHeader { mnl_attr_put_strz($0, type, value) } }

    /// A nested attribute whose children `body` adds.
    mutating func nest(_ type: UInt16, _ body: (inout NetlinkMessage) -> Void) {
        let start = withHeader { Int(bitPattern: mnl_attr_nest_start($0, type)) - Int(bitPattern: $0) }
        body(&self)
        withHeader { header in
            let nest = UnsafeMutableRawPointer(header).advanced(by: start).assumingMemoryBound(to: nlattr.self)
            mnl_attr_nest_end(header, nest)
        }
    }

    var sequence: UInt32 {
        get { buffer.withUnsafeBytes { $0.load(fromByteOffset: 8, as: UInt32.self) } }
        set { withHeader { $0.pointee.nlmsg_seq = newValue } }
    }

    /// nlmsg_len, which libmnl keeps up to date as attributes are added.
    var length: Int { buffer.withUnsafeBytes { Int($0.load(as: UInt32.self)) } }

    /// The message as it goes on the wire.
    var bytes: [UInt8] { Array(buffer.prefix(length)) }

    private mutating func withHeader<T>(_ body: (UnsafeMutablePointer<nlmsghdr>) -> T) -> T {
        buffer.withUnsafeMutableBytes { body($0.baseAddress!.assumingMemoryBound(to: nlmsghdr.self)) }
    }
}
