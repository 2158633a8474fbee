// libFuzzer target (scripts/fuzz): the env-file parser on arbitrary bytes must neither
// crash nor quote a malformed line back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEnvFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = EnvFile(bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    for malformed in file.malformedLines where malformed.reason.utf8.count > 200 { fatalError("a reason this long may quote its line") }
    return 0
}
