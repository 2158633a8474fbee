#ifndef GATEWAY_XTABLES_SHIMS_H
#define GATEWAY_XTABLES_SHIMS_H

#include <stddef.h>
#include <stdint.h>

/* The subset of xtables rules gatewayd writes, as one flat struct Swift can fill.
 * Swift cannot build ipt_entry/ip6t_entry itself (flexible arrays, XT_ALIGN), so the
 * encoder and decoder below own every byte of the entry layout. */

enum gw_xt_family { GW_XT_IPV4 = 4, GW_XT_IPV6 = 6 };

enum gw_xt_target {
    GW_XT_TARGET_NONE = 0,
    GW_XT_TARGET_ACCEPT,
    GW_XT_TARGET_DROP,
    GW_XT_TARGET_JUMP,       /* to the user chain named in jump_chain */
    GW_XT_TARGET_CLAMP_MSS,  /* TCPMSS --clamp-mss-to-pmtu */
};

#define GW_XT_IFNAMSIZ 16
#define GW_XT_CHAINSIZ 32
/* Large enough for every entry the encoder can produce. */
#define GW_XT_ENTRY_MAX 1024

typedef struct gw_xt_rule {
    char in_iface[GW_XT_IFNAMSIZ];    /* "" = any; trailing '+' = prefix wildcard */
    char out_iface[GW_XT_IFNAMSIZ];
    uint8_t has_source;               /* IPv6 only */
    uint8_t source_prefix_len;
    uint8_t source[16];               /* network order */
    uint8_t protocol;                 /* 0 = any, else IPPROTO_TCP / IPPROTO_UDP */
    uint8_t has_dports;
    uint16_t dport_min, dport_max;
    uint8_t has_tcp_flags;
    uint8_t tcp_flags_mask, tcp_flags_cmp;
    uint8_t tagged;                   /* carries -m comment --comment "gatewayd" */
    uint8_t foreign;                  /* decoder: something outside this subset */
    int32_t target;                   /* enum gw_xt_target */
    char jump_chain[GW_XT_CHAINSIZ];
} gw_xt_rule;

/* Writes a complete entry (header, matches, target) into buf; returns its size
 * (next_offset), or 0 when the rule cannot be expressed or buf is too small. */
size_t gw_xt_encode(int family, const gw_xt_rule *rule, void *buf, size_t buf_len);

/* Fills out from an entry. resolved_target is libiptc's iptc_get_target() answer (needed
 * because a cached jump carries an offset, not a name); pass NULL for a freshly encoded
 * entry. Anything outside the subset sets out->foreign. */
void gw_xt_decode(int family, const void *entry, const char *resolved_target, gw_xt_rule *out);

/* Layout facts the tests check. */
size_t gw_xt_entry_header_size(int family);
uint16_t gw_xt_target_offset(int family, const void *entry);
uint16_t gw_xt_next_offset(int family, const void *entry);
/* Copies the entry's in/out interface masks (IFNAMSIZ bytes each). */
void gw_xt_iface_masks(int family, const void *entry, uint8_t *in_mask, uint8_t *out_mask);

#endif
