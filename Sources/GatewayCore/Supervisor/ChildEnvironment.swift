/// The environment gatewayd gives its children (babeld, mmfd, l3roamd, wireguard-go):
/// an allow-list, not gatewayd's own environment, which may hold WGSECRET and whatever
/// else a container was started with.
public enum ChildEnvironment {
    /// PATH (so that children find their helpers) and wireguard-go's LOG_LEVEL
    /// (wireguard-go main.go: `LOG_LEVEL=verbose|error|silent`); nothing else.
    public static let passedOn = ["PATH", "LOG_LEVEL"]
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// `NAME=value` entries, sorted by name.
    public static func minimal(_ environment: [String: String]) -> [String] {
        var result = ["PATH": environment["PATH"] ?? defaultPath]
        for name in passedOn where name != "PATH" { result[name] = environment[name] }
        return result.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }
}
