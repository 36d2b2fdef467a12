/*
 * mfsio-driver: metadata ops/s of a MooseFS 3.0 master, driven through libmfsio.
 *
 *   driver --master HOST:PORT --clients N --ops-per-phase TOTAL [--json] [--api inode|path]
 *
 * N threads share one mfs_init() (libmfsio keeps one master session and multiplexes the
 * threads' requests over it, as mfsmount does). Each thread works in its own top directory
 * /b<pid>_<k>, made before timing, and has one call in flight at a time. Phases, in order,
 * each timed on its own (wall time from the barrier that starts the phase until the last
 * thread is done; per-op latency with clock_gettime around each call), F = TOTAL/N per thread:
 *
 *   mkdir    F directories d<i>
 *   create   F regular files f<i> (mknod S_IFREG|0644: one master request, no open/close)
 *   stat     F stats of f<i>
 *   readdir  F full listings of a directory holding 16 files (made untimed): one op each
 *   rename   f<i> -> g<i>
 *   unlink   g<i>
 *
 * then untimed cleanup. --json prints one JSON object per phase, one a line:
 *   {"op":"mkdir","clients":8,"ops":100000,"seconds":0.93,"opsPerSecond":107526,"p50ms":0.061,"p99ms":0.42}
 * otherwise a table. Any failed call prints its errno text and exits 1.
 *
 * --api inode (default): one master request per op, as mfsmount sends them once the kernel's
 *   dentry cache knows the parent: the thread's top directory inode is looked up once, untimed,
 *   and each op calls libmfsio's fs_* request functions with (parent inode, name).
 * --api path: the public path calls of mfsio.h (mfs_mkdir, mfs_mknod, mfs_stat, mfs_rename,
 *   mfs_unlink). libmfsio 3.0 has no cache: it resolves every path component with one lookup
 *   request first, so these ops cost 2 (mkdir, create, stat), 3 (unlink) or 5 (rename) master
 *   requests each.
 * readdir: libmfsio 3.0 has no opendir/readdir, so both modes list with fs_readdir (one request
 *   for the whole directory) with attributes, as mfsmount asks when its directory cache is on
 *   (its default); --api path first resolves the directory's path (mfs_stat), as an opendir
 *   would.
 *
 * The fs_* request functions are exported by libmfsio.so.1 but declared in no installed
 * header: the prototypes below are those of MooseFS 3.0.117 (Debian bookworm), checked against
 * the argument passing in the library's own mfs_* callers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mfsio.h>

#include "session.h"

/* ---- libmfsio 3.0.117 internals (mastercomm.h, MFSCommunication.h) ---- */

#define ATTR_BUFFER_SIZE 64 /* ATTR_RECORD_SIZE is 36 in 3.0; room to spare */
#define MFS_ROOT_ID 1
#define TYPE_FILE 1
#define TYPE_DIRECTORY 2

uint8_t fs_simple_lookup(uint32_t parent, uint8_t nleng, const uint8_t *name, uint32_t uid, uint32_t gids,
                         uint32_t *gid, uint32_t *inode, uint8_t *attr);
uint8_t fs_mkdir(uint32_t parent, uint8_t nleng, const uint8_t *name, uint16_t mode, uint16_t cumask, uint32_t uid,
                 uint32_t gids, uint32_t *gid, uint8_t copysgid, uint32_t *inode, uint8_t *attr);
uint8_t fs_mknod(uint32_t parent, uint8_t nleng, const uint8_t *name, uint8_t type, uint16_t mode, uint16_t cumask,
                 uint32_t uid, uint32_t gids, uint32_t *gid, uint32_t rdev, uint32_t *inode, uint8_t *attr);
uint8_t fs_unlink(uint32_t parent, uint8_t nleng, const uint8_t *name, uint32_t uid, uint32_t gids, uint32_t *gid,
                  uint32_t *inode);
uint8_t fs_rmdir(uint32_t parent, uint8_t nleng, const uint8_t *name, uint32_t uid, uint32_t gids, uint32_t *gid,
                 uint32_t *inode);
uint8_t fs_rename(uint32_t parent_src, uint8_t nleng_src, const uint8_t *name_src, uint32_t parent_dst,
                  uint8_t nleng_dst, const uint8_t *name_dst, uint32_t uid, uint32_t gids, uint32_t *gid,
                  uint32_t *inode, uint8_t *attr);
uint8_t master_attrsize(void);
uint8_t fs_readdir(uint32_t inode, uint32_t uid, uint32_t gids, uint32_t *gid, uint8_t wantattr, uint8_t addtocache,
                   const uint8_t **dbuff, uint32_t *dbuffsize);

/* MooseFS status -> errno, as libmfsio's mfs_errorconv does for the common ones. */
static int status_errno(uint8_t status) {
    switch (status) {
    case 0: return 0;
    case 1: return EPERM;
    case 2: return ENOTDIR;
    case 3: return ENOENT;
    case 4: return EACCES;
    case 5: return EEXIST;
    case 6: return EINVAL;
    case 7: return ENOTEMPTY;
    case 9: return ENOMEM;
    case 21: return ENOSPC;
    case 22: return EIO;
    case 33: return EROFS;
    case 34: return EDQUOT;
    default: return EIO;
    }
}

/* ---- settings ---- */

enum api { API_INODE, API_PATH };

static const char *master_host;
static const char *master_port;
static int clients;
static long per_thread; /* F */
static int json;
static enum api api = API_INODE;

#define READDIR_FILES 16

enum phase { P_MKDIR, P_CREATE, P_STAT, P_READDIR, P_RENAME, P_UNLINK, P_COUNT };
static const char *phase_names[P_COUNT] = {"mkdir", "create", "stat", "readdir", "rename", "unlink"};

typedef struct {
    int index;
    char top[64];        /* /b<pid>_<k> */
    uint32_t top_inode;
    uint32_t list_inode; /* <top>/r, the directory with 16 files */
    double *latency_ms;  /* F per phase, reused */
} worker;

static worker *workers;
static pthread_barrier_t phase_start, phase_end;
static uint32_t my_uid, my_gid[1];

/* ---- helpers ---- */

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const char *what, const char *path, int err) {
    fprintf(stderr, "driver: %s %s: %s\n", what, path, strerror(err));
    exit(1);
}

static void check_status(const char *what, const worker *w, const char *name, uint8_t status) {
    if (status != 0) {
        char path[320];
        snprintf(path, sizeof path, "%s/%s", w->top, name);
        fail(what, path, status_errno(status));
    }
}

static void check_call(const char *what, const char *path, int rc) {
    if (rc != 0) fail(what, path, errno);
}

/* Inode of an existing directory given as a path, one lookup per component. */
static uint32_t lookup_path(const char *path) {
    struct stat st;
    check_call("stat", path, mfs_stat(path, &st));
    if (!S_ISDIR(st.st_mode)) fail("stat", path, ENOTDIR);
    return (uint32_t)st.st_ino;
}

/* Number of entries in an fs_readdir answer with attributes: [nleng:8 name inode:32 attr]*, the
 * attributes master_attrsize() bytes long (35 or 36, by the master's version). */
static long count_entries(const uint8_t *buf, uint32_t size) {
    long n = 0;
    uint32_t pos = 0, attr = master_attrsize();
    while (pos < size) {
        pos += 1u + buf[pos] + 4u + attr;
        n++;
    }
    return pos == size ? n : -1;
}

/* ---- one op ---- */

static void do_op(worker *w, enum phase p, long i) {
    char a[32], b[32], pa[320], pb[320];
    uint8_t attr[ATTR_BUFFER_SIZE];
    uint32_t inode;
    uint8_t st;
    struct stat sb;
    snprintf(a, sizeof a, "%c%ld", p == P_MKDIR ? 'd' : (p == P_UNLINK ? 'g' : 'f'), i);
    snprintf(b, sizeof b, "g%ld", i);
    if (api == API_PATH) {
        snprintf(pa, sizeof pa, "%s/%s", w->top, a);
        snprintf(pb, sizeof pb, "%s/%s", w->top, b);
    }
    const uint8_t *an = (const uint8_t *)a, *bn = (const uint8_t *)b;
    uint8_t al = (uint8_t)strlen(a), bl = (uint8_t)strlen(b);
    switch (p) {
    case P_MKDIR:
        if (api == API_PATH) {
            check_call("mkdir", pa, mfs_mkdir(pa, 0755));
        } else {
            st = fs_mkdir(w->top_inode, al, an, 0755, 022, my_uid, 1, my_gid, 0, &inode, attr);
            check_status("mkdir", w, a, st);
        }
        break;
    case P_CREATE:
        if (api == API_PATH) {
            check_call("mknod", pa, mfs_mknod(pa, S_IFREG | 0644, 0));
        } else {
            st = fs_mknod(w->top_inode, al, an, TYPE_FILE, 0644, 022, my_uid, 1, my_gid, 0, &inode, attr);
            check_status("mknod", w, a, st);
        }
        break;
    case P_STAT:
        if (api == API_PATH) {
            check_call("stat", pa, mfs_stat(pa, &sb));
        } else {
            /* A lookup by name answers with the attributes: the stat of a path whose parent is known. */
            st = fs_simple_lookup(w->top_inode, al, an, my_uid, 1, my_gid, &inode, attr);
            check_status("stat", w, a, st);
        }
        break;
    case P_READDIR: {
        uint32_t dir = w->list_inode;
        const uint8_t *buf;
        uint32_t size;
        if (api == API_PATH) { /* opendir resolves the path */
            snprintf(pa, sizeof pa, "%s/r", w->top);
            dir = lookup_path(pa);
        }
        st = fs_readdir(dir, my_uid, 1, my_gid, 1, 0, &buf, &size);
        check_status("readdir", w, "r", st);
        long n = count_entries(buf, size);
        if (n != READDIR_FILES + 2) { /* ".", ".." and the files */
            fprintf(stderr, "driver: readdir %s/r: %ld entries, expected . .. and %d files\n", w->top, n, READDIR_FILES);
            exit(1);
        }
        break;
    }
    case P_RENAME:
        if (api == API_PATH) {
            check_call("rename", pa, mfs_rename(pa, pb));
        } else {
            st = fs_rename(w->top_inode, al, an, w->top_inode, bl, bn, my_uid, 1, my_gid, &inode, attr);
            check_status("rename", w, a, st);
        }
        break;
    case P_UNLINK:
        if (api == API_PATH) {
            check_call("unlink", pa, mfs_unlink(pa));
        } else {
            st = fs_unlink(w->top_inode, al, an, my_uid, 1, my_gid, &inode);
            check_status("unlink", w, a, st);
        }
        break;
    default: break;
    }
}

/* ---- untimed setup and cleanup (one thread's own tree) ---- */

static void setup(worker *w) {
    char path[320];
    snprintf(w->top, sizeof w->top, "/b%ld_%d", (long)getpid(), w->index);
    check_call("mkdir", w->top, mfs_mkdir(w->top, 0755));
    w->top_inode = lookup_path(w->top);
    snprintf(path, sizeof path, "%s/r", w->top);
    check_call("mkdir", path, mfs_mkdir(path, 0755));
    w->list_inode = lookup_path(path);
    for (int k = 0; k < READDIR_FILES; k++) {
        snprintf(path, sizeof path, "%s/r/e%d", w->top, k);
        check_call("mknod", path, mfs_mknod(path, S_IFREG | 0644, 0));
    }
}

static void cleanup(worker *w) {
    uint32_t inode;
    char name[32];
    for (long i = 0; i < per_thread; i++) {
        snprintf(name, sizeof name, "d%ld", i);
        check_status("rmdir", w, name, fs_rmdir(w->top_inode, (uint8_t)strlen(name), (const uint8_t *)name, my_uid, 1, my_gid, &inode));
    }
    for (int k = 0; k < READDIR_FILES; k++) {
        snprintf(name, sizeof name, "e%d", k);
        uint8_t st = fs_unlink(w->list_inode, (uint8_t)strlen(name), (const uint8_t *)name, my_uid, 1, my_gid, &inode);
        check_status("unlink", w, "r/e*", st);
    }
    check_status("rmdir", w, "r", fs_rmdir(w->top_inode, 1, (const uint8_t *)"r", my_uid, 1, my_gid, &inode));
    check_call("rmdir", w->top, mfs_rmdir(w->top));
}

/* ---- threads and phases ---- */

static void *worker_main(void *arg) {
    worker *w = arg;
    setup(w);
    for (int p = 0; p < P_COUNT; p++) {
        pthread_barrier_wait(&phase_start);
        for (long i = 0; i < per_thread; i++) {
            double t0 = now_seconds();
            do_op(w, (enum phase)p, i);
            w->latency_ms[i] = (now_seconds() - t0) * 1e3;
        }
        pthread_barrier_wait(&phase_end);
        pthread_barrier_wait(&phase_start); /* main has read the latencies */
    }
    cleanup(w);
    return NULL;
}

static int compare_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *v, long n, double q) {
    long rank = (long)(q * (double)n + 0.999999999);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return v[rank - 1];
}

static void report(enum phase p, double seconds, double *all, long n) {
    qsort(all, (size_t)n, sizeof *all, compare_double);
    double rate = (double)n / seconds;
    double p50 = percentile(all, n, 0.50), p99 = percentile(all, n, 0.99);
    if (json) {
        printf("{\"op\":\"%s\",\"clients\":%d,\"ops\":%ld,\"seconds\":%.4f,\"opsPerSecond\":%.0f,"
               "\"p50ms\":%.4f,\"p99ms\":%.4f}\n",
               phase_names[p], clients, n, seconds, rate, p50, p99);
    } else {
        printf("%-8s %7d %9ld %9.3f %11.0f %9.3f %9.3f\n", phase_names[p], clients, n, seconds, rate, p50, p99);
    }
    fflush(stdout);
}

static void usage(void) {
    fprintf(stderr, "usage: driver --master HOST:PORT --clients N --ops-per-phase TOTAL [--json] [--api inode|path]\n");
    exit(2);
}

static void parse_arguments(int argc, char **argv) {
    long total = 0;
    static char hostbuf[256];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--master") == 0 && v) {
            const char *colon = strrchr(v, ':');
            if (!colon || colon == v || (size_t)(colon - v) >= sizeof hostbuf) usage();
            memcpy(hostbuf, v, (size_t)(colon - v));
            hostbuf[colon - v] = 0;
            master_host = hostbuf;
            master_port = colon + 1;
            i++;
        } else if (strcmp(a, "--clients") == 0 && v) {
            clients = atoi(v);
            i++;
        } else if (strcmp(a, "--ops-per-phase") == 0 && v) {
            total = atol(v);
            i++;
        } else if (strcmp(a, "--api") == 0 && v) {
            if (strcmp(v, "inode") == 0) api = API_INODE;
            else if (strcmp(v, "path") == 0) api = API_PATH;
            else usage();
            i++;
        } else {
            usage();
        }
    }
    if (!master_host || clients < 1 || total < 1) usage();
    per_thread = total / clients;
    if (per_thread < 1) {
        fprintf(stderr, "driver: --ops-per-phase %ld is fewer than one op per client\n", total);
        exit(2);
    }
}

int main(int argc, char **argv) {
    parse_arguments(argc, argv);
    my_uid = (uint32_t)geteuid();
    my_gid[0] = (uint32_t)getegid();

    if (open_session(master_host, master_port, "mfsio-driver") < 0) {
        fprintf(stderr, "driver: cannot connect to the master at %s:%s\n", master_host, master_port);
        return 1;
    }

    workers = calloc((size_t)clients, sizeof *workers);
    double *all = malloc(sizeof(double) * (size_t)(per_thread * clients));
    if (!workers || !all) fail("malloc", "", ENOMEM);
    pthread_barrier_init(&phase_start, NULL, (unsigned)clients + 1);
    pthread_barrier_init(&phase_end, NULL, (unsigned)clients + 1);
    pthread_t *threads = calloc((size_t)clients, sizeof *threads);
    for (int k = 0; k < clients; k++) {
        workers[k].index = k;
        workers[k].latency_ms = malloc(sizeof(double) * (size_t)per_thread);
        if (!workers[k].latency_ms) fail("malloc", "", ENOMEM);
        if (pthread_create(&threads[k], NULL, worker_main, &workers[k]) != 0) fail("pthread_create", "", errno);
    }

    if (!json) printf("%-8s %7s %9s %9s %11s %9s %9s\n", "op", "clients", "ops", "seconds", "ops/s", "p50 ms", "p99 ms");
    for (int p = 0; p < P_COUNT; p++) {
        pthread_barrier_wait(&phase_start); /* every thread ready: the phase starts */
        double t0 = now_seconds();
        pthread_barrier_wait(&phase_end);   /* the last thread is done */
        double seconds = now_seconds() - t0;
        for (int k = 0; k < clients; k++)
            memcpy(all + (long)k * per_thread, workers[k].latency_ms, sizeof(double) * (size_t)per_thread);
        report((enum phase)p, seconds, all, per_thread * clients);
        pthread_barrier_wait(&phase_start); /* let the threads go on */
    }
    for (int k = 0; k < clients; k++) pthread_join(threads[k], NULL);
    mfs_term();
    return 0;
}
