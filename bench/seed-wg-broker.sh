#!/usr/bin/env bash
# A model of the seed's bash wg-broker (DESIGN.md section 3), for the benchmarks only: what
# it does for one request, one process per step, as the seed does it. The server loop
# (bench/run) accepts one connection at a time and runs this with the connection on
# stdin/stdout, as the seed's `nc -l` loop did.
#
# Environment: STARTPORT, ENDPORT, MTU, KEYFILE (the gateway's private key file),
# BABELPORT (babeld's local port on ::1; unset: no babeld registration),
# SEED_WIREGUARD (userspace: wireguard-go, the default; kernel: `ip link add … type wireguard`).
set -u

read -r line
key=$(printf '%s' "$line" | jq -r '.pubkey // empty' 2>/dev/null)
version=$(printf '%s' "$line" | jq -r '.version // empty' 2>/dev/null)
refuse() {
    printf '{"version":1,"error":{"code":1,"reason":"Remote peer is not accepting additional connections"}}\n'
    exit 0
}
[ "$version" = 1 ] && [ -n "$key" ] || refuse

reply() { printf '{"version":1, "port": %s, "time": %s }\n' "$1" "$(date +%s)"; }

# A known key keeps its interface: every interface is asked for its peers.
interfaces=$(ip -br link show | awk '{print $1}' | grep '^babel-wg-' || true)
for interface in $interfaces; do
    if wg show "$interface" peers | grep -qxF "$key"; then
        reply "$(wg show "$interface" listen-port)"
        exit 0
    fi
done

# The lowest free interface number and the lowest free port, from the interfaces there.
number=1
while printf '%s\n' $interfaces | grep -qx "babel-wg-$number"; do number=$((number + 1)); done
used=$(for interface in $interfaces; do wg show "$interface" listen-port; done)
port=$STARTPORT
while printf '%s\n' $used | grep -qx "$port"; do port=$((port + 1)); done
[ "$port" -lt "$ENDPORT" ] || refuse

interface="babel-wg-$number"
if [ "${SEED_WIREGUARD:-userspace}" = kernel ]; then
    ip link add dev "$interface" type wireguard || refuse
else
    wireguard-go "$interface" >/dev/null 2>&1 || refuse
fi
wg set "$interface" private-key "$KEYFILE" listen-port "$port" peer "$key" allowed-ips ::/0
ip link set dev "$interface" mtu "$MTU"
ip link set dev "$interface" multicast on
ip -6 addr add "fe80::$number/64" dev "$interface"
ip link set dev "$interface" up
if [ -n "${BABELPORT:-}" ]; then
    printf 'interface %s\nquit\n' "$interface" | socat -t 2 - "TCP6:[::1]:$BABELPORT" >/dev/null
fi
reply "$port"
