#!/usr/bin/env bash
# For the benchmarks only: puts the seed model's gateway into the state its broker
# (bench/seed-wg-broker.sh) leaves after serving N nodes, without the scan that makes each
# of its requests slower the more interfaces there are — so the cost of the *next* request
# with N peers there can be measured without waiting for the seed to reach N (at 1,000
# peers that alone takes about an hour). Untimed: the same steps per peer as the broker
# model (WireGuard interface, `wg set`, MTU, multicast, fe80::N/64, up), and one babeld
# session registering them all.
#
#   seed-fill.sh KEYFILE   one node public key per line; interface N gets line N's key
# Environment as for seed-wg-broker.sh: STARTPORT, MTU, KEYFILE_GATEWAY (the gateway's
# private key file), BABELPORT, SEED_WIREGUARD.
set -euo pipefail

number=0
interfaces=()
while read -r key; do
    number=$((number + 1))
    interface="babel-wg-$number"
    if [ "${SEED_WIREGUARD:-userspace}" = kernel ]; then
        ip link add dev "$interface" type wireguard
    else
        wireguard-go "$interface" >/dev/null 2>&1
    fi
    wg set "$interface" private-key "$KEYFILE_GATEWAY" listen-port $((STARTPORT + number - 1)) peer "$key" allowed-ips ::/0
    ip link set dev "$interface" mtu "$MTU" multicast on up
    ip -6 addr add "fe80::$number/64" dev "$interface"
    interfaces+=("$interface")
done < "$1"
if [ -n "${BABELPORT:-}" ] && [ "${#interfaces[@]}" -gt 0 ]; then
    { printf 'interface %s\n' "${interfaces[@]}"; printf 'quit\n'; } | socat -t 30 - "TCP6:[::1]:$BABELPORT" >/dev/null
fi
