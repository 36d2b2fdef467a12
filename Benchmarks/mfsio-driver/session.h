/* One libmfsio session with the master, as both benchmark programs open it. */
#ifndef MFSIO_DRIVER_SESSION_H
#define MFSIO_DRIVER_SESSION_H

#include <mfsio.h>
#include <string.h>

/* mfs_init with the settings both programs use: the whole tree, 16 MiB caches, 3 tries.
 * `name` is the session's name in the master's lists. Returns mfs_init's result (< 0: failed). */
static inline int open_session(const char *host, const char *port, const char *name) {
    mfscfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.masterhost = (char *)host;
    cfg.masterport = (char *)port;
    cfg.mountpoint = (char *)name;
    cfg.masterpath = "/";
    cfg.read_cache_mb = 16;
    cfg.write_cache_mb = 16;
    cfg.io_try_cnt = 3;
    cfg.sugid_clear_mode = -1;
    cfg.mkdir_copy_sgid = -1;
    return mfs_init(&cfg, 0);
}

#endif
