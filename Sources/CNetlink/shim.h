/* The C the announcer (MFSAnnouncer) needs beyond Glibc's Swift module:
 * - libnl-3 route addresses: rtnl_addr_add / rtnl_addr_delete and the address cache;
 * - Linux headers the Glibc module map leaves out: signalfd, AF_PACKET addresses;
 * - the CMSG_* macros, which Swift cannot call, and ppoll, as static inline functions. */
#ifndef MFS_CNETLINK_SHIM_H
#define MFS_CNETLINK_SHIM_H

#include <poll.h>
#include <signal.h>
#include <time.h>

#include <netlink/netlink.h>
#include <netlink/errno.h>
#include <netlink/socket.h>
#include <netlink/cache.h>
#include <netlink/addr.h>
#include <netlink/route/addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <net/ethernet.h>

/* The cache iteration functions take and return struct nl_object *; rtnl_addr is one. */
static inline struct rtnl_addr *mfs_nl_object_as_addr(struct nl_object *object) {
    return (struct rtnl_addr *)object;
}

/* Bytes of control buffer for one IP_PKTINFO message. */
static inline size_t mfs_pktinfo_control_length(void) {
    return CMSG_SPACE(sizeof(struct in_pktinfo));
}

/* Fills `msg`'s control buffer (mfs_pktinfo_control_length() bytes, msg_control set) with an
 * IP_PKTINFO message: send from `source` (network order) out of interface `ifindex`. */
static inline void mfs_set_pktinfo(struct msghdr *msg, int ifindex, in_addr_t source) {
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg);
    cmsg->cmsg_level = IPPROTO_IP;
    cmsg->cmsg_type = IP_PKTINFO;
    cmsg->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    struct in_pktinfo info = { 0 };
    info.ipi_ifindex = ifindex;
    info.ipi_spec_dst.s_addr = source;
    __builtin_memcpy(CMSG_DATA(cmsg), &info, sizeof info);
    msg->msg_controllen = cmsg->cmsg_len;
}

/* ppoll with nanosecond timeouts (poll's milliseconds are too coarse for 10 ms adverts).
 * <poll.h> declares it only under _GNU_SOURCE, which must not be defined here: it changes
 * fd_set's field names and clashes with Foundation's modules in the same program. */
extern int ppoll(struct pollfd *fds, nfds_t count, const struct timespec *timeout, const sigset_t *mask);

static inline int mfs_ppoll(struct pollfd *fds, nfds_t count, const struct timespec *timeout) {
    return ppoll(fds, count, timeout, NULL);
}

#endif
