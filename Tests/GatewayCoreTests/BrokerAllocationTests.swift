import GatewayCore
import Testing

@Suite struct BrokerAllocationTests {
    @Test func portsComeLowestFirstAndFreedOnesAreReused() {
        var ports = PortAllocator(range: 40000..<40004)
        #expect(ports.allocate() == 40000)
        #expect(ports.allocate() == 40001)
        #expect(ports.allocate() == 40002)
        ports.release(40001)
        #expect(ports.allocate() == 40001)
        #expect(ports.allocate() == 40003)
        #expect(ports.allocate() == nil)
        #expect(ports.allocatedCount == 4)
    }

    @Test func reservingSkipsThatPortAndRefusesDuplicatesAndStrangers() {
        var ports = PortAllocator(range: 40000..<41000)
        #expect(ports.reserve(40000) == true)
        #expect(ports.reserve(40002) == true)
        #expect(ports.reserve(40002) == false)
        #expect(ports.reserve(41000) == false)
        #expect(ports.reserve(39999) == false)
        #expect(ports.allocate() == 40001)
        #expect(ports.allocate() == 40003)
    }

    @Test func theWholeSixteenBitSpaceFillsInOrderAcrossWordBoundaries() {
        var ports = PortAllocator(range: 1..<UInt16.max)
        for expected in UInt16(1)..<UInt16.max { #expect(ports.allocate() == expected) }
        #expect(ports.allocate() == nil)
        ports.release(4097)
        ports.release(64)
        #expect(ports.allocate() == 64)
        #expect(ports.allocate() == 4097)
    }

    @Test func emptyRangeHasNoPorts() {
        var ports = PortAllocator(range: 40000..<40000)
        #expect(ports.allocate() == nil)
    }

    @Test func interfaceNumbersStartAtOneLikeTheSeed() {
        var names = PeerInterfaceNames()
        #expect(names.allocate() == 1)
        #expect(names.reserve(3) == true)
        #expect(names.allocate() == 2)
        #expect(names.allocate() == 4)
        names.release(2)
        #expect(names.allocate() == 2)
        #expect(PeerInterfaceNames.name(7) == "babel-wg-7")
    }

    @Test(arguments: [
        ("babel-wg-1", 1), ("babel-wg-42", 42), ("babel-wg-999999", 999_999),
        ("babel-wg-0", nil), ("babel-wg-01", nil), ("babel-wg-+5", nil), ("babel-wg-", nil),
        ("babel-wg-1234567", nil), ("babel-wg-1a", nil), ("eth0", nil), ("mesh-wg-1", nil),
    ] as [(String, Int?)])
    func onlyOurNamesHaveNumbers(name: String, number: Int?) {
        #expect(PeerInterfaceNames.number(of: name) == number)
    }

    @Test func linkLocalAddressReadsTheDecimalDigitsAsHexLikeTheSeed() {
        let key = TestKeys.key(1)
        #expect(PeerInterfaceSpec(number: 1, listenPort: 1, mtu: 1374, peer: key).linkLocalAddress.description == "fe80::1")
        #expect(PeerInterfaceSpec(number: 10, listenPort: 1, mtu: 1374, peer: key).linkLocalAddress.description == "fe80::10")
        #expect(PeerInterfaceSpec(number: 123_456, listenPort: 1, mtu: 1374, peer: key).linkLocalAddress.description
            == "fe80::12:3456")
    }
}
