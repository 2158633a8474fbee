#ifndef GATEWAY_PROCESS_SHIMS_H
#define GATEWAY_PROCESS_SHIMS_H

#include <stdbool.h>
#include <sys/types.h>

/* The wait(2) status macros, which Swift cannot import. */
bool gw_wifexited(int status);
int gw_wexitstatus(int status);
bool gw_wifsignaled(int status);
int gw_wtermsig(int status);

/* Spawns argv[0] (searched on PATH) with stdout on `stdout_fd` and stderr on `stderr_fd`
 * (separate pipes: one stream's partial lines cannot split the other's), stdin on
 * /dev/null, every signal at its default disposition and unblocked, in a process group
 * of its own (so a terminal's Ctrl-C reaches gatewayd, which stops children in order).
 * Returns 0 and the pid, or an errno. */
/* envp: the child's whole environment (posix_spawnp still searches the caller's PATH).
 * stdout_fd and stderr_fd: each stream on a pipe of its own, so lines never interleave. */
int gw_spawn(const char *const argv[], const char *const envp[], int stdout_fd, int stderr_fd, pid_t *pid);

#endif
