#ifndef GATEWAY_SHIMS_H
#define GATEWAY_SHIMS_H

#include <stddef.h>
#include <stdint.h>
#include "process_shims.h"

/* Constants that arrive in Swift only as macros Swift cannot import. */
size_t gw_mnl_socket_buffer_size(void);
uint16_t gw_rta_max(void);

#include "xtables_shims.h"
#include "iptc_shims.h"

#endif
