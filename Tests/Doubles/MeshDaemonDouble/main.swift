// A test double for mmfd and l3roamd, which no package registry here ships. It takes
// their command-line flags and serves their control socket exactly as upstream does
// (freifunk-gluon/mmfd src/socket.c and freifunk-gluon/l3roamd src/socket.c):
//
// - unix stream socket at -s PATH, unlinked first, listen backlog 5;
// - one command line per connection, read up to '\n' or '\r'; the daemon closes after it;
// - both: `add_meshif IF`, `del_meshif IF`, `verbosity none|verbose|debug` — no reply;
//   `get_meshifs` → `{ "mesh_interfaces": [ "IF", … ] }` (json-c's spaced format);
// - mmfd: `get_neighbours` → `{ "mmfd_neighbours": [ ] }`;
// - l3roamd: `get_clients` → `{ "clients": 0 }` (no clientlist while empty),
//   `get_prefixes` → `{ "prefixes": [ … ] }`, `add_prefix P` → `Added prefix: P`,
//   `del_prefix P` → `Deleted prefix: P`, `add_address A MAC` → `OK`,
//   `has_route A` → `found route A/128: NO`;
// - anything else: "Could not parse command on socket (…)" on stderr, no reply.
//
// mmfd also creates its tun `mmfd0` (MTU 1280) and sets it up, as the real one does.
// Every line received is appended to the file MESH_DOUBLE_RECORD.mmfd (or .l3roamd),
// after a `start PID` line at start, so tests can see replays after a restart.
import Foundation
import Glibc

enum Kind: String { case mmfd, l3roamd }

var arguments = Array(CommandLine.arguments.dropFirst())
var kind = Kind(rawValue: URL(fileURLWithPath: CommandLine.arguments[0]).lastPathComponent) ?? .mmfd
if arguments.first == "--as", arguments.count > 1, let chosen = Kind(rawValue: arguments[1]) {
    kind = chosen
    arguments.removeFirst(2)
}

var socketPath = kind == .mmfd ? "/var/run/mmfd.sock" : "/var/run/l3roamd.sock"
var interfaces: [String] = []
var prefixes: [String] = ["0:0:0:0:0:ffff::"]
var index = 0
while index < arguments.count {
    let flag = arguments[index]
    let value = index + 1 < arguments.count ? arguments[index + 1] : ""
    switch flag {
    case "-s": socketPath = value
    case "-i" where kind == .mmfd, "-m" where kind == .l3roamd: interfaces.append(value)
    case "-p" where kind == .l3roamd: prefixes.append(String(value.split(separator: "/")[0]))
    case "-d", "-v", "-V": index -= 1  // flags without a value
    default: break
    }
    index += 2
}

let recordPath = ProcessInfo.processInfo.environment["MESH_DOUBLE_RECORD"].map { "\($0).\(kind.rawValue)" }
@MainActor func record(_ line: String) {
    guard let recordPath else { return }
    if !FileManager.default.fileExists(atPath: recordPath) {
        guard FileManager.default.createFile(atPath: recordPath, contents: nil) else { return }
    }
    guard let handle = FileHandle(forWritingAtPath: recordPath) else { return }
    handle.seekToEndOfFile()
    handle.write(Data((line + "\n").utf8))
    try? handle.close()
}

@MainActor func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("\(kind.rawValue): \(message): \(String(cString: strerror(errno)))\n".utf8))
    exit(1)
}

/// json-c's default (spaced) rendering of a string array.
@MainActor func jsonList(_ strings: [String]) -> String {
    strings.isEmpty ? "[ ]" : "[ " + strings.map { "\"\($0)\"" }.joined(separator: ", ") + " ]"
}

/// mmfd's tun, created and set up like the real one does.
@MainActor func createTun(_ name: String) -> Int32 {
    let descriptor = open("/dev/net/tun", O_RDWR | O_CLOEXEC)
    guard descriptor >= 0 else { fail("open /dev/net/tun") }
    var request = [UInt8](repeating: 0, count: 40)  // struct ifreq
    request.replaceSubrange(0..<name.utf8.count, with: name.utf8)
    let flags: UInt16 = 0x0001 | 0x1000  // IFF_TUN | IFF_NO_PI
    request[16] = UInt8(flags & 0xff)
    request[17] = UInt8(flags >> 8)
    guard ioctl(descriptor, 0x400454ca, &request) == 0 else { fail("TUNSETIFF") }  // TUNSETIFF
    let control = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
    var up = [UInt8](repeating: 0, count: 40)
    up.replaceSubrange(0..<name.utf8.count, with: name.utf8)
    guard ioctl(control, UInt(SIOCGIFFLAGS), &up) == 0 else { fail("SIOCGIFFLAGS") }
    up[16] |= 0x01  // IFF_UP
    guard ioctl(control, UInt(SIOCSIFFLAGS), &up) == 0 else { fail("SIOCSIFFLAGS") }
    var mtu = [UInt8](repeating: 0, count: 40)
    mtu.replaceSubrange(0..<name.utf8.count, with: name.utf8)
    withUnsafeBytes(of: Int32(1280).littleEndian) { mtu.replaceSubrange(16..<20, with: $0) }
    _ = ioctl(control, UInt(SIOCSIFMTU), &mtu)
    close(control)
    return descriptor
}

signal(SIGPIPE, SIG_IGN)
record("start \(getpid())")
let tun = kind == .mmfd ? createTun("mmfd0") : -1

unlink(socketPath)
let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
var address = sockaddr_un()
address.sun_family = sa_family_t(AF_UNIX)
withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8)) }
let bound = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
}
guard bound == 0, listen(listener, 5) == 0 else { fail("unable to create status socket \(socketPath)") }
print("Initializing unix socket: \(socketPath)")
fflush(nil)

@MainActor func reply(to line: String) -> String? {
    let words = line.split(separator: " ", maxSplits: 1).map(String.init)
    let argument = words.count > 1 ? words[1] : ""
    switch (kind, words.first ?? "") {
    case (_, "add_meshif"):
        if !interfaces.contains(argument) { interfaces.append(argument) }
        return nil
    case (_, "del_meshif"):
        interfaces.removeAll { $0 == argument }
        return nil
    case (_, "verbosity"):
        return nil
    case (_, "get_meshifs"):
        return "{ \"mesh_interfaces\": \(jsonList(interfaces)) }"
    case (.mmfd, "get_neighbours"):
        return "{ \"mmfd_neighbours\": [ ] }"
    case (.l3roamd, "get_clients"):
        return "{ \"clients\": 0 }"
    case (.l3roamd, "get_prefixes"):
        return "{ \"prefixes\": \(jsonList(prefixes)) }"
    case (.l3roamd, "add_prefix"):
        prefixes.append(String(argument.split(separator: "/")[0]))
        return "Added prefix: \(argument)"
    case (.l3roamd, "del_prefix"):
        return "Deleted prefix: \(argument)"
    case (.l3roamd, "add_address"), (.l3roamd, "del_address"):
        return "OK"
    case (.l3roamd, "has_route"):
        return "found route \(argument)/128: NO\n"
    case (.l3roamd, "probe"):
        return nil
    default:
        FileHandle.standardError.write(Data("Could not parse command on socket (\(line))\n".utf8))
        return nil
    }
}

while true {
    let connection = accept(listener, nil, nil)
    guard connection >= 0 else { continue }
    var line: [UInt8] = []
    var byte: UInt8 = 0
    while line.count < 1024, read(connection, &byte, 1) == 1, byte != 10, byte != 13 { line.append(byte) }
    let text = String(decoding: line, as: UTF8.self)
    record(text)
    if let answer = reply(to: text) { _ = answer.withCString { write(connection, $0, strlen($0)) } }
    close(connection)
}
