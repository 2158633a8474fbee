#!/usr/bin/env bash
# The baseline for bench/run's host-setup section: a model, written by us, of the host
# changes the seed gateway (wg-docker: scripts/run.sh, scripts/iprules and the runtime
# setup its README asks for; see DESIGN.md section 3) makes at start, one command per
# change, as a shell-script gateway does. It is not the seed's code; it performs the same
# host changes `gatewayd apply` makes, so the two can be timed against each other.
#
# Reads wg-docker's variables from the environment:
#   NODEPREFIX CLIENTPREFIX (required), CLATPREFIX PLATPREFIX (optional),
#   BROKERPORT STARTPORT ENDPORT WAN, MESHIFS (space-separated static mesh interfaces).
# Run it inside a throwaway network namespace: it is not idempotent (a second run adds
# every rule again), just as the seed's scripts are not.
#
# Uses the -legacy xtables tools so both sides write the same backend (gatewayd uses libiptc).
set -eu

: "${NODEPREFIX:?}" "${CLIENTPREFIX:?}"
BROKERPORT=${BROKERPORT:-40000}
STARTPORT=${STARTPORT:-40000}
ENDPORT=${ENDPORT:-41000}
WAN=${WAN:-}
MESHIFS=${MESHIFS:-}
IP6TABLES=${IP6TABLES:-ip6tables-legacy}
IPTABLES=${IPTABLES:-iptables-legacy}

# scripts/iprules: traffic to and from the mesh's prefixes looks up babel's table 10.
for prefix in "$NODEPREFIX" "$CLIENTPREFIX" ${CLATPREFIX:-} ${PLATPREFIX:-}; do
    ip -6 rule add to "$prefix" lookup 10
    ip -6 rule add from "$prefix" lookup 10
done

# README: the sysctls babeld requires (`docker run --sysctl ...`), one write each.
sysctl -q -w net.ipv6.conf.all.accept_redirects=0
sysctl -q -w net.ipv4.conf.all.rp_filter=0
sysctl -q -w net.ipv6.conf.all.forwarding=1

# Mesh interfaces: the broker's babel-wg-N peers (as iptables' wildcard) and the static MESHIFS.
for meshif in 'babel-wg-+' $MESHIFS; do
    # babeld sets rp_filter=0 on each interface it is given (in C, by writing /proc);
    # modelled with a shell builtin write, no extra process. Not for the wildcard.
    if [ "$meshif" != 'babel-wg-+' ]; then
        echo 0 > "/proc/sys/net/ipv4/conf/$meshif/rp_filter"
    fi
    # babel (6696) and mmfd (27275) from link-local and node addresses; l3roamd (5523).
    for source in fe80::/64 "$NODEPREFIX"; do
        for port in 6696 27275; do
            $IP6TABLES -I INPUT 1 -i "$meshif" -s "$source" -p udp --dport "$port" -j ACCEPT
        done
    done
    $IP6TABLES -I INPUT 1 -i "$meshif" -p udp --dport 5523 -j ACCEPT
    # MSS clamping on everything leaving through the mesh, v6 and v4.
    for tool in "$IP6TABLES" "$IPTABLES"; do
        for chain in FORWARD OUTPUT; do
            $tool -t mangle -A "$chain" -o "$meshif" -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
        done
    done
done

# WAN: nodes reach the broker (TCP) and their WireGuard ports (UDP range), v6 and v4.
wanif=()
if [ -n "$WAN" ]; then wanif=(-i "$WAN"); fi
for tool in "$IP6TABLES" "$IPTABLES"; do
    $tool -I INPUT 1 "${wanif[@]}" -p tcp --dport "$BROKERPORT" -j ACCEPT
    $tool -I INPUT 1 "${wanif[@]}" -p udp --dport "$STARTPORT:$((ENDPORT - 1))" -j ACCEPT
done
