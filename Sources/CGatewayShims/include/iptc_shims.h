#ifndef GATEWAY_IPTC_SHIMS_H
#define GATEWAY_IPTC_SHIMS_H

/* libiptc behind plain functions with a family switch (ipv6: 0 = iptc_*, 1 = ip6tc_*).
 * Swift never sees libiptc's headers: they pull in glibc's <netinet/udp.h>, whose
 * struct udphdr clashes with <linux/udp.h> from SwiftNIO's CNIOLinux in one module. */

struct xtc_handle;

struct xtc_handle *gw_iptc_init(int ipv6, const char *table);
void gw_iptc_free(int ipv6, struct xtc_handle *handle);
const char *gw_iptc_first_chain(int ipv6, struct xtc_handle *handle);
const char *gw_iptc_next_chain(int ipv6, struct xtc_handle *handle);
int gw_iptc_is_chain(int ipv6, const char *chain, struct xtc_handle *handle);
int gw_iptc_builtin(int ipv6, const char *chain, struct xtc_handle *handle);
const void *gw_iptc_first_rule(int ipv6, const char *chain, struct xtc_handle *handle);
const void *gw_iptc_next_rule(int ipv6, const void *previous, struct xtc_handle *handle);
const char *gw_iptc_get_target(int ipv6, const void *entry, struct xtc_handle *handle);
int gw_iptc_insert_entry(int ipv6, const char *chain, const void *entry, unsigned int number, struct xtc_handle *handle);
int gw_iptc_append_entry(int ipv6, const char *chain, const void *entry, struct xtc_handle *handle);
int gw_iptc_delete_num_entry(int ipv6, const char *chain, unsigned int number, struct xtc_handle *handle);
int gw_iptc_flush_entries(int ipv6, const char *chain, struct xtc_handle *handle);
int gw_iptc_create_chain(int ipv6, const char *chain, struct xtc_handle *handle);
int gw_iptc_delete_chain(int ipv6, const char *chain, struct xtc_handle *handle);
int gw_iptc_commit(int ipv6, struct xtc_handle *handle);
const char *gw_iptc_strerror(int ipv6, int error);

#endif
