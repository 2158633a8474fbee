#include "iptc_shims.h"

#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>

#define PICK(ipv6, name, ...) ((ipv6) ? ip6tc_##name(__VA_ARGS__) : iptc_##name(__VA_ARGS__))

struct xtc_handle *gw_iptc_init(int ipv6, const char *table) { return PICK(ipv6, init, table); }
void gw_iptc_free(int ipv6, struct xtc_handle *handle) {
    if (ipv6) ip6tc_free(handle); else iptc_free(handle);
}
const char *gw_iptc_first_chain(int ipv6, struct xtc_handle *handle) { return PICK(ipv6, first_chain, handle); }
const char *gw_iptc_next_chain(int ipv6, struct xtc_handle *handle) { return PICK(ipv6, next_chain, handle); }
int gw_iptc_is_chain(int ipv6, const char *chain, struct xtc_handle *handle) { return PICK(ipv6, is_chain, chain, handle); }
int gw_iptc_builtin(int ipv6, const char *chain, struct xtc_handle *handle) { return PICK(ipv6, builtin, chain, handle); }

const void *gw_iptc_first_rule(int ipv6, const char *chain, struct xtc_handle *handle) {
    return ipv6 ? (const void *)ip6tc_first_rule(chain, handle) : (const void *)iptc_first_rule(chain, handle);
}
const void *gw_iptc_next_rule(int ipv6, const void *previous, struct xtc_handle *handle) {
    return ipv6 ? (const void *)ip6tc_next_rule(previous, handle) : (const void *)iptc_next_rule(previous, handle);
}
const char *gw_iptc_get_target(int ipv6, const void *entry, struct xtc_handle *handle) {
    return PICK(ipv6, get_target, entry, handle);
}
int gw_iptc_insert_entry(int ipv6, const char *chain, const void *entry, unsigned int number, struct xtc_handle *handle) {
    return PICK(ipv6, insert_entry, chain, entry, number, handle);
}
int gw_iptc_append_entry(int ipv6, const char *chain, const void *entry, struct xtc_handle *handle) {
    return PICK(ipv6, append_entry, chain, entry, handle);
}
int gw_iptc_delete_num_entry(int ipv6, const char *chain, unsigned int number, struct xtc_handle *handle) {
    return PICK(ipv6, delete_num_entry, chain, number, handle);
}
int gw_iptc_flush_entries(int ipv6, const char *chain, struct xtc_handle *handle) { return PICK(ipv6, flush_entries, chain, handle); }
int gw_iptc_create_chain(int ipv6, const char *chain, struct xtc_handle *handle) { return PICK(ipv6, create_chain, chain, handle); }
int gw_iptc_delete_chain(int ipv6, const char *chain, struct xtc_handle *handle) { return PICK(ipv6, delete_chain, chain, handle); }
int gw_iptc_commit(int ipv6, struct xtc_handle *handle) { return PICK(ipv6, commit, handle); }
const char *gw_iptc_strerror(int ipv6, int error) { return PICK(ipv6, strerror, error); }
