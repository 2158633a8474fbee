#include "xtables_shims.h"

#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter/xt_TCPMSS.h>
#include <linux/netfilter/xt_comment.h>

#define OWNER_TAG "gatewayd"
#define MATCH_SIZE(data) XT_ALIGN(sizeof(struct xt_entry_match) + sizeof(data))
#define STANDARD_TARGET_SIZE XT_ALIGN(sizeof(struct xt_standard_target))
#define TCPMSS_TARGET_SIZE XT_ALIGN(sizeof(struct xt_entry_target) + sizeof(struct xt_tcpmss_info))

/* The fields both entry layouts share, located once per family so that the encoder and
 * decoder below are written once rather than as an IPv4 and an IPv6 twin. */
struct entry_view {
    char *in_iface, *out_iface;
    unsigned char *in_mask, *out_mask;
    uint16_t *target_offset, *next_offset;
    size_t header_size;
};

/* Takes const so that the decoder can use it too; the decoder only reads through v. */
static int view_of(int family, const void *entry, struct entry_view *v)
{
    if (family == GW_XT_IPV4) {
        struct ipt_entry *e = (struct ipt_entry *)entry;
        *v = (struct entry_view){ e->ip.iniface, e->ip.outiface, e->ip.iniface_mask, e->ip.outiface_mask,
                                  &e->target_offset, &e->next_offset, sizeof(*e) };
        return 1;
    }
    if (family == GW_XT_IPV6) {
        struct ip6t_entry *e = (struct ip6t_entry *)entry;
        *v = (struct entry_view){ e->ipv6.iniface, e->ipv6.outiface, e->ipv6.iniface_mask, e->ipv6.outiface_mask,
                                  &e->target_offset, &e->next_offset, sizeof(*e) };
        return 1;
    }
    return 0;
}

/* As iptables' xtables_parse_interface: a trailing '+' masks only the prefix before it;
 * otherwise the mask also covers the terminating NUL, so "eth0" does not match "eth01". */
static int put_iface(const char *name, char *field, unsigned char *mask)
{
    size_t len = strnlen(name, GW_XT_IFNAMSIZ);
    if (len >= GW_XT_IFNAMSIZ) return 0;
    memset(field, 0, IFNAMSIZ);
    memset(mask, 0, IFNAMSIZ);
    if (len == 0) return 1;
    memcpy(field, name, len);
    memset(mask, 0xff, name[len - 1] == '+' ? len - 1 : len + 1);
    return 1;
}

/* The decoder's inverse of put_iface: foreign when the mask is not the one iptables sets. */
static int get_iface(const char *field, const unsigned char *mask, char *name)
{
    unsigned char expected[IFNAMSIZ];
    char canonical[IFNAMSIZ];
    size_t len = strnlen(field, IFNAMSIZ);
    if (len >= IFNAMSIZ) return 0;
    memcpy(name, field, len);
    name[len] = 0;
    if (!put_iface(name, canonical, expected)) return 0;
    return memcmp(mask, expected, IFNAMSIZ) == 0;
}

static void prefix_mask(uint8_t len, uint8_t *mask)
{
    for (int i = 0; i < 16; i++) {
        int bits = (int)len - 8 * i;
        mask[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
    }
}

/* Length of a contiguous mask, or -1 when it has holes. */
static int mask_length(const uint8_t *mask)
{
    int len = 0;
    while (len < 128 && (mask[len / 8] & (0x80 >> (len % 8)))) len++;
    uint8_t canonical[16];
    prefix_mask((uint8_t)len, canonical);
    return memcmp(mask, canonical, 16) == 0 ? len : -1;
}

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) if (b[i]) return 0;
    return 1;
}

static int encode_header(int family, const gw_xt_rule *rule, void *entry)
{
    if (rule->protocol != 0 && rule->protocol != IPPROTO_TCP && rule->protocol != IPPROTO_UDP) return 0;
    if (family == GW_XT_IPV4) {
        if (rule->has_source) return 0;  /* the model's source is an IPv6 prefix */
        ((struct ipt_entry *)entry)->ip.proto = rule->protocol;
        return 1;
    }
    struct ip6t_ip6 *ip = &((struct ip6t_entry *)entry)->ipv6;
    ip->proto = rule->protocol;
    /* Without IP6T_F_PROTO the kernel ignores proto, and TCPMSS refuses the rule. */
    if (rule->protocol) ip->flags |= IP6T_F_PROTO;
    if (rule->has_source) {
        if (rule->source_prefix_len > 128) return 0;
        prefix_mask(rule->source_prefix_len, ip->smsk.s6_addr);
        for (int i = 0; i < 16; i++) ip->src.s6_addr[i] = rule->source[i] & ip->smsk.s6_addr[i];
    }
    return 1;
}

static struct xt_entry_match *add_match(uint8_t **cursor, const char *name, size_t size)
{
    struct xt_entry_match *m = (struct xt_entry_match *)*cursor;
    m->u.user.match_size = (uint16_t)size;
    strncpy(m->u.user.name, name, sizeof(m->u.user.name) - 1);
    *cursor += size;
    return m;
}

static int encode_matches(const gw_xt_rule *rule, uint8_t **cursor)
{
    if (rule->has_tcp_flags && rule->protocol != IPPROTO_TCP) return 0;
    if (rule->has_dports && (rule->protocol == 0 || rule->dport_min > rule->dport_max)) return 0;
    uint16_t dmin = rule->has_dports ? rule->dport_min : 0;
    uint16_t dmax = rule->has_dports ? rule->dport_max : 0xffff;
    if (rule->protocol == IPPROTO_TCP && (rule->has_dports || rule->has_tcp_flags)) {
        struct xt_tcp *tcp = (struct xt_tcp *)add_match(cursor, "tcp", MATCH_SIZE(struct xt_tcp))->data;
        tcp->spts[1] = 0xffff;
        tcp->dpts[0] = dmin;
        tcp->dpts[1] = dmax;
        if (rule->has_tcp_flags) {
            tcp->flg_mask = rule->tcp_flags_mask;
            tcp->flg_cmp = rule->tcp_flags_cmp;
        }
    } else if (rule->protocol == IPPROTO_UDP && rule->has_dports) {
        struct xt_udp *udp = (struct xt_udp *)add_match(cursor, "udp", MATCH_SIZE(struct xt_udp))->data;
        udp->spts[1] = 0xffff;
        udp->dpts[0] = dmin;
        udp->dpts[1] = dmax;
    }
    if (rule->tagged) {
        struct xt_comment_info *c =
            (struct xt_comment_info *)add_match(cursor, "comment", MATCH_SIZE(struct xt_comment_info))->data;
        strcpy(c->comment, OWNER_TAG);
    }
    return 1;
}

static size_t target_size(const gw_xt_rule *rule)
{
    switch (rule->target) {
    case GW_XT_TARGET_ACCEPT: case GW_XT_TARGET_DROP: case GW_XT_TARGET_JUMP: return STANDARD_TARGET_SIZE;
    case GW_XT_TARGET_CLAMP_MSS: return TCPMSS_TARGET_SIZE;
    default: return 0;
    }
}

/* libiptc maps standard targets by name (ACCEPT, DROP, or an existing chain) and fills
 * in the verdict itself; the verdicts are set anyway so that the entry stands alone. */
static int encode_target(const gw_xt_rule *rule, uint8_t *cursor)
{
    struct xt_entry_target *t = (struct xt_entry_target *)cursor;
    t->u.user.target_size = (uint16_t)target_size(rule);
    switch (rule->target) {
    case GW_XT_TARGET_ACCEPT:
        strcpy(t->u.user.name, "ACCEPT");
        ((struct xt_standard_target *)t)->verdict = -NF_ACCEPT - 1;
        return 1;
    case GW_XT_TARGET_DROP:
        strcpy(t->u.user.name, "DROP");
        ((struct xt_standard_target *)t)->verdict = -NF_DROP - 1;
        return 1;
    case GW_XT_TARGET_JUMP: {
        size_t len = strnlen(rule->jump_chain, GW_XT_CHAINSIZ);
        if (len == 0 || len >= sizeof(t->u.user.name)) return 0;
        memcpy(t->u.user.name, rule->jump_chain, len);
        return 1;
    }
    case GW_XT_TARGET_CLAMP_MSS:
        /* The kernel insists on -p tcp --tcp-flags SYN,RST SYN for TCPMSS. */
        if (rule->protocol != IPPROTO_TCP || !rule->has_tcp_flags) return 0;
        strcpy(t->u.user.name, "TCPMSS");
        ((struct xt_tcpmss_info *)t->data)->mss = XT_TCPMSS_CLAMP_PMTU;
        return 1;
    default:
        return 0;
    }
}

size_t gw_xt_encode(int family, const gw_xt_rule *rule, void *buf, size_t buf_len)
{
    struct entry_view v;
    if (buf_len < GW_XT_ENTRY_MAX || !view_of(family, buf, &v)) return 0;
    memset(buf, 0, GW_XT_ENTRY_MAX);
    if (!put_iface(rule->in_iface, v.in_iface, v.in_mask)) return 0;
    if (!put_iface(rule->out_iface, v.out_iface, v.out_mask)) return 0;
    if (!encode_header(family, rule, buf)) return 0;
    uint8_t *cursor = (uint8_t *)buf + v.header_size;
    if (!encode_matches(rule, &cursor)) return 0;
    size_t toff = (size_t)(cursor - (uint8_t *)buf);
    if (!encode_target(rule, cursor)) return 0;
    *v.target_offset = (uint16_t)toff;
    *v.next_offset = (uint16_t)(toff + target_size(rule));
    return *v.next_offset;
}

/* ---- decoding ---- */

static void decode_header(int family, const void *entry, gw_xt_rule *out)
{
    if (family == GW_XT_IPV4) {
        const struct ipt_ip *ip = &((const struct ipt_entry *)entry)->ip;
        out->protocol = (uint8_t)ip->proto;
        if (ip->proto > 255 || ip->src.s_addr || ip->dst.s_addr || ip->smsk.s_addr || ip->dmsk.s_addr
            || ip->flags || ip->invflags)
            out->foreign = 1;
        return;
    }
    const struct ip6t_ip6 *ip = &((const struct ip6t_entry *)entry)->ipv6;
    out->protocol = (uint8_t)ip->proto;
    if (ip->proto > 255 || (ip->flags & ~IP6T_F_PROTO) || ip->invflags || ip->tos
        || !all_zero(&ip->dst, 16) || !all_zero(&ip->dmsk, 16))
        out->foreign = 1;
    int len = mask_length(ip->smsk.s6_addr);
    if (len < 0) { out->foreign = 1; return; }
    if (len > 0 || !all_zero(&ip->src, 16)) {
        out->has_source = 1;
        out->source_prefix_len = (uint8_t)len;
        memcpy(out->source, ip->src.s6_addr, 16);
    }
}

static void decode_ports(const uint16_t *spts, const uint16_t *dpts, gw_xt_rule *out)
{
    if (spts[0] != 0 || spts[1] != 0xffff) out->foreign = 1;
    if (dpts[0] != 0 || dpts[1] != 0xffff) {
        out->has_dports = 1;
        out->dport_min = dpts[0];
        out->dport_max = dpts[1];
    }
}

static void decode_match(const struct xt_entry_match *m, gw_xt_rule *out)
{
    const char *name = m->u.user.name;
    size_t size = m->u.user.match_size;
    if (strcmp(name, "tcp") == 0 && size == MATCH_SIZE(struct xt_tcp) && out->protocol == IPPROTO_TCP) {
        const struct xt_tcp *tcp = (const struct xt_tcp *)m->data;
        decode_ports(tcp->spts, tcp->dpts, out);
        if (tcp->option || tcp->invflags) out->foreign = 1;
        if (tcp->flg_mask) {
            out->has_tcp_flags = 1;
            out->tcp_flags_mask = tcp->flg_mask;
            out->tcp_flags_cmp = tcp->flg_cmp;
        }
    } else if (strcmp(name, "udp") == 0 && size == MATCH_SIZE(struct xt_udp) && out->protocol == IPPROTO_UDP) {
        const struct xt_udp *udp = (const struct xt_udp *)m->data;
        decode_ports(udp->spts, udp->dpts, out);
        if (udp->invflags) out->foreign = 1;
    } else if (strcmp(name, "comment") == 0 && size == MATCH_SIZE(struct xt_comment_info)) {
        const struct xt_comment_info *c = (const struct xt_comment_info *)m->data;
        if (strncmp(c->comment, OWNER_TAG, XT_MAX_COMMENT_LEN) == 0) out->tagged = 1;
        else out->foreign = 1;
    } else {
        out->foreign = 1;
    }
}

static int is_label(const char *name, const char *label) { return strcmp(name, label) == 0; }

static void decode_target(const struct xt_entry_target *t, const char *resolved, gw_xt_rule *out)
{
    const char *own = t->u.user.name;
    const char *name = resolved ? resolved : own;
    size_t size = t->u.user.target_size;
    if (is_label(own, "TCPMSS") && is_label(name, "TCPMSS")) {
        if (size == TCPMSS_TARGET_SIZE && ((const struct xt_tcpmss_info *)t->data)->mss == XT_TCPMSS_CLAMP_PMTU)
            out->target = GW_XT_TARGET_CLAMP_MSS;
        else
            out->foreign = 1;
        return;
    }
    if (size != STANDARD_TARGET_SIZE) { out->foreign = 1; return; }
    if (name[0] == 0) {  /* an unresolved standard target: only the verdict tells */
        int verdict = ((const struct xt_standard_target *)t)->verdict;
        if (verdict == -NF_ACCEPT - 1) out->target = GW_XT_TARGET_ACCEPT;
        else if (verdict == -NF_DROP - 1) out->target = GW_XT_TARGET_DROP;
        else out->foreign = 1;
    } else if (is_label(name, "ACCEPT")) {
        out->target = GW_XT_TARGET_ACCEPT;
    } else if (is_label(name, "DROP")) {
        out->target = GW_XT_TARGET_DROP;
    } else if (is_label(name, "RETURN") || is_label(name, "QUEUE") || is_label(name, "ERROR")) {
        out->foreign = 1;
    } else if (strnlen(name, GW_XT_CHAINSIZ) < GW_XT_CHAINSIZ) {
        out->target = GW_XT_TARGET_JUMP;
        strcpy(out->jump_chain, name);
    } else {
        out->foreign = 1;
    }
}

void gw_xt_decode(int family, const void *entry, const char *resolved_target, gw_xt_rule *out)
{
    struct entry_view v;
    memset(out, 0, sizeof(*out));
    if (!view_of(family, entry, &v)) { out->foreign = 1; return; }
    if (!get_iface(v.in_iface, v.in_mask, out->in_iface)) out->foreign = 1;
    if (!get_iface(v.out_iface, v.out_mask, out->out_iface)) out->foreign = 1;
    decode_header(family, entry, out);
    const uint8_t *base = entry;
    size_t offset = v.header_size;
    while (offset + sizeof(struct xt_entry_match) <= *v.target_offset) {
        const struct xt_entry_match *m = (const struct xt_entry_match *)(base + offset);
        if (m->u.user.match_size < sizeof(*m)) { out->foreign = 1; return; }
        decode_match(m, out);
        offset += m->u.user.match_size;
    }
    if (offset != *v.target_offset) out->foreign = 1;
    decode_target((const struct xt_entry_target *)(base + *v.target_offset), resolved_target, out);
}

size_t gw_xt_entry_header_size(int family)
{
    return family == GW_XT_IPV4 ? sizeof(struct ipt_entry) : sizeof(struct ip6t_entry);
}

uint16_t gw_xt_target_offset(int family, const void *entry)
{
    struct entry_view v;
    return view_of(family, entry, &v) ? *v.target_offset : 0;
}

uint16_t gw_xt_next_offset(int family, const void *entry)
{
    struct entry_view v;
    return view_of(family, entry, &v) ? *v.next_offset : 0;
}

void gw_xt_iface_masks(int family, const void *entry, uint8_t *in_mask, uint8_t *out_mask)
{
    struct entry_view v;
    if (!view_of(family, entry, &v)) return;
    memcpy(in_mask, v.in_mask, IFNAMSIZ);
    memcpy(out_mask, v.out_mask, IFNAMSIZ);
}
