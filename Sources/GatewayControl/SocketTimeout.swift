import Glibc

/// Bounds every receive and send on a blocking socket. Its failure matters: a socket
/// without the bound can block its caller forever on a peer that stops answering.
public enum SocketTimeout {
    /// Sets SO_RCVTIMEO and SO_SNDTIMEO; nil, or the errno of the one that failed.
    public static func set(_ timeout: Duration, on descriptor: Int32) -> Int32? {
        var interval = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            guard setsockopt(descriptor, SOL_SOCKET, option, &interval, socklen_t(MemoryLayout<timeval>.size)) == 0 else { return errno }
        }
        return nil
    }
}
