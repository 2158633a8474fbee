#include "gateway_shims.h"
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

size_t gw_mnl_socket_buffer_size(void) { return MNL_SOCKET_BUFFER_SIZE; }
uint16_t gw_rta_max(void) { return RTA_MAX; }
