// libFuzzer target (scripts/fuzz): the wg-broker v1 request parser on arbitrary bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBrokerRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if case .success(let request) = BrokerRequest.parse(UnsafeBufferPointer(start: data, count: size)) {
        precondition(request.publicKey.bytes.count == 32)
    }
    return 0
}
