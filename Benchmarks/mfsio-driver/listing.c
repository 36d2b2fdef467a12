/*
 * Listing of one large directory, at the master alone (scripts/bench-master.sh --listing):
 *
 *   listing HOST ENTRIES LISTINGS
 *
 * Through libmfsio (MooseFS 3.0's client library, as driver.c): makes a directory of ENTRIES
 * empty files (untimed), then times LISTINGS whole listings of it with fs_readdir, first
 * without attributes (names, inodes and types, as libmfsio lists), then with them (as mfsmount
 * lists). One master request per listing, one in flight. Prints one JSON line per kind:
 *   {"listing":"attributes","entries":N,"listings":L,"msPerListing":X,"replyBytes":B}
 * The rate is wall time / LISTINGS; the reply travels over the namespace's loopback.
 */
#include <errno.h>
#include <mfsio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "session.h"

/* Exported by libmfsio.so.1, declared in no installed header (see driver.c). */
uint8_t fs_mkdir(uint32_t parent, uint8_t nleng, const uint8_t *name, uint16_t mode, uint16_t cumask, uint32_t uid,
                 uint32_t gids, uint32_t *gid, uint8_t copysgid, uint32_t *inode, uint8_t *attr);
uint8_t fs_mknod(uint32_t parent, uint8_t nleng, const uint8_t *name, uint8_t type, uint16_t mode, uint16_t cumask,
                 uint32_t uid, uint32_t gids, uint32_t *gid, uint32_t rdev, uint32_t *inode, uint8_t *attr);
uint8_t fs_readdir(uint32_t inode, uint32_t uid, uint32_t gids, uint32_t *gid, uint8_t wantattr, uint8_t addtocache,
                   const uint8_t **dbuff, uint32_t *dbuffsize);

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long whole(const char *text, long most) {
    char *end;
    long n = strtol(text, &end, 10);
    if (*text == 0 || *end != 0 || n < 1 || n > most) {
        fprintf(stderr, "listing: %s: not a whole number in 1...%ld\n", text, most);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: listing HOST ENTRIES LISTINGS\n");
        return 2;
    }
    long entries = whole(argv[2], 1000000), listings = whole(argv[3], 1000000);
    if (open_session(argv[1], "9421", "mfsio-listing") < 0) {
        fprintf(stderr, "listing: cannot connect to the master at %s:9421\n", argv[1]);
        return 1;
    }
    uint32_t uid = (uint32_t)geteuid(), gid[1] = {(uint32_t)getegid()}, dir, inode;
    uint8_t attr[64], status;
    char name[32];
    snprintf(name, sizeof name, "listing%ld", (long)getpid());
    status = fs_mkdir(1, (uint8_t)strlen(name), (const uint8_t *)name, 0755, 022, uid, 1, gid, 0, &dir, attr);
    if (status != 0) {
        fprintf(stderr, "listing: mkdir /%s: MooseFS status %u\n", name, status);
        return 1;
    }
    for (long i = 0; i < entries; i++) {
        int n = snprintf(name, sizeof name, "file-%07ld", i);
        status = fs_mknod(dir, (uint8_t)n, (const uint8_t *)name, 1, 0644, 022, uid, 1, gid, 0, &inode, attr);
        if (status != 0) {
            fprintf(stderr, "listing: mknod %s: MooseFS status %u\n", name, status);
            return 1;
        }
    }
    for (int withAttributes = 0; withAttributes < 2; withAttributes++) {
        const uint8_t *reply;
        uint32_t size = 0;
        double start = now_seconds();
        for (long i = 0; i < listings; i++) {
            status = fs_readdir(dir, uid, 1, gid, (uint8_t)withAttributes, 0, &reply, &size);
            if (status != 0) {
                fprintf(stderr, "listing: readdir: MooseFS status %u\n", status);
                return 1;
            }
        }
        double seconds = now_seconds() - start;
        printf("{\"listing\":\"%s\",\"entries\":%ld,\"listings\":%ld,\"msPerListing\":%.4f,\"replyBytes\":%u}\n",
               withAttributes ? "attributes" : "names", entries, listings, seconds * 1000 / (double)listings, size);
    }
    return 0;
}
