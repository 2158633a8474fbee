import CMnl

/// One received netlink message: its header fields, the family header and attributes.
/// Parsed in plain Swift from bytes so decoding is testable without a socket.
struct ReceivedMessage: Sendable {
    let type: UInt16
    let flags: UInt16
    let bytes: [UInt8]

    static let headerLength = 16

    init(bytes: [UInt8]) {
        self.bytes = bytes
        type = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        flags = UInt16(bytes[6]) | UInt16(bytes[7]) << 8
    }

    /// The messages of one datagram, as the kernel packs them (several per datagram in
    /// dumps and notifications); a truncated tail is dropped.
    static func split(_ datagram: UnsafeRawBufferPointer) -> [ReceivedMessage] {
        var header = datagram.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: nlmsghdr.self)) }
        var remaining = Int32(datagram.count)
        var messages: [ReceivedMessage] = []
        while let current = header, mnl_nlmsg_ok(current, remaining) {
            messages.append(ReceivedMessage(bytes: Array(UnsafeRawBufferPointer(start: current, count: Int(current.pointee.nlmsg_len)))))
            header = mnl_nlmsg_next(current, &remaining)
        }
        return messages
    }

    /// The family header after the netlink header, as `Header`.
    func familyHeader<Header>(_: Header.Type) -> Header? {
        guard bytes.count >= Self.headerLength + MemoryLayout<Header>.size else { return nil }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: Self.headerLength, as: Header.self) }
    }

    /// The attributes following a family header of `familyHeaderLength` bytes.
    func attributes(familyHeaderLength: Int) -> NetlinkAttributes {
        let start = Self.headerLength + NetlinkAttributes.align(familyHeaderLength)
        return NetlinkAttributes(start < bytes.count ? Array(bytes[start...]) : [])
    }
}

/// A flat run of netlink attributes by type (the last one of a type wins, as in the kernel).
struct NetlinkAttributes: Sendable {
    private(set) var payloads: [UInt16: [UInt8]] = [:]

    /// NLA_F_NESTED and NLA_F_NET_BYTEORDER live in the top bits of the type.
    static let typeMask: UInt16 = 0x3fff

    static func align(_ length: Int) -> Int { (length + 3) & ~3 }

    init(_ bytes: [UInt8]) {
        var offset = 0
        while offset + 4 <= bytes.count {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            let type = (UInt16(bytes[offset + 2]) | UInt16(bytes[offset + 3]) << 8) & Self.typeMask
            guard length >= 4, offset + length <= bytes.count else { break }
            payloads[type] = Array(bytes[(offset + 4)..<(offset + length)])
            offset += Self.align(length)
        }
    }

    subscript(type: Int) -> [UInt8]? { payloads[UInt16(type)] }

    func u8(_ type: Int) -> UInt8? { self[type]?.first }

    func u32(_ type: Int) -> UInt32? {
        guard let payload = self[type], payload.count >= 4 else { return nil }
        return payload.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    func u64(_ type: Int) -> UInt64? {
        guard let payload = self[type], payload.count >= 8 else { return nil }
        return payload.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }

    func string(_ type: Int) -> String? {
        self[type].map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    func nested(_ type: Int) -> NetlinkAttributes? { self[type].map(NetlinkAttributes.init) }
}
