/* drydock-init's network steps (STEPS.md "Network steps"): links, addresses and routes over rtnetlink, a removed
 * container's connections forgotten over ctnetlink, the embedded DNS server's socket handed to drydock-dns, and
 * docker-proxy started detached with dockerd's readiness pipe. All in the calling process: a guest process costs
 * ~25 ms of emulated CPU, and `ip` would be one per step. Like the rest of drydock-init, it decides nothing. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net-steps.h"

/* ------------------------------------------------------------ netlink messages */
struct nlbuf {
  struct nlmsghdr *h;
  size_t cap;
  char space[2048] __attribute__((aligned(NLMSG_ALIGNTO)));
};

static void nl_init(struct nlbuf *b, unsigned short type, unsigned short flags, const void *head, size_t head_len) {
  memset(b->space, 0, sizeof b->space);
  b->h = (struct nlmsghdr *)b->space;
  b->cap = sizeof b->space;
  b->h->nlmsg_len = NLMSG_LENGTH(head_len);
  b->h->nlmsg_type = type;
  b->h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  memcpy(NLMSG_DATA(b->h), head, head_len);
}

static struct rtattr *nl_put(struct nlbuf *b, unsigned short type, const void *data, size_t len) {
  size_t at = NLMSG_ALIGN(b->h->nlmsg_len);
  if (at + RTA_SPACE(len) > b->cap) net_die("netlink message too long");
  struct rtattr *a = (struct rtattr *)((char *)b->h + at);
  a->rta_type = type;
  a->rta_len = RTA_LENGTH(len);
  if (len) memcpy(RTA_DATA(a), data, len);
  b->h->nlmsg_len = at + RTA_SPACE(len);
  return a;
}

static void nl_put_str(struct nlbuf *b, unsigned short type, const char *s) { nl_put(b, type, s, strlen(s) + 1); }
static void nl_put_u32(struct nlbuf *b, unsigned short type, uint32_t v) { nl_put(b, type, &v, sizeof v); }
static struct rtattr *nl_nest(struct nlbuf *b, unsigned short type) { return nl_put(b, type, NULL, 0); }
static void nl_end(struct nlbuf *b, struct rtattr *nest) { nest->rta_len = (char *)b->h + b->h->nlmsg_len - (char *)nest; }

/* Sends one request and reads its acknowledgement: 0, or -errno as the kernel answered. */
static int nl_talk(int protocol, struct nlmsghdr *h) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0) net_die("netlink socket: %s", strerror(errno));
  static uint32_t seq;
  h->nlmsg_seq = ++seq;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) net_die("netlink send: %s", strerror(errno));
  char reply[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      net_die("netlink receive: %s", strerror(errno));
    }
    for (struct nlmsghdr *r = (struct nlmsghdr *)reply; NLMSG_OK(r, (size_t)n); r = NLMSG_NEXT(r, n)) {
      if (r->nlmsg_seq != h->nlmsg_seq || r->nlmsg_type != NLMSG_ERROR) continue;
      int err = ((struct nlmsgerr *)NLMSG_DATA(r))->error;
      close(fd);
      return err;
    }
  }
}

static unsigned ifindex(const char *name) {
  unsigned i = if_nametoindex(name);
  if (!i) net_die("%s: no such network interface", name);
  return i;
}

static void parse_mac(const char *text, unsigned char mac[6]) {
  unsigned v[6];
  if (sscanf(text, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) net_die("bad MAC address %s", text);
  for (int i = 0; i < 6; i++) mac[i] = (unsigned char)v[i];
}

static struct in_addr parse_ip(const char *text) {
  struct in_addr a;
  if (inet_pton(AF_INET, text, &a) != 1) net_die("bad IPv4 address %s", text);
  return a;
}

/* ------------------------------------------------------------ links */
/* ip link add NAME [address MAC] type bridge. A bridge without an address of its own takes the lowest of its
 * ports' and changes it as containers come and go (neighbours' ARP caches go stale): dockerd sets one, so do we. */
void net_bridge_add(const char *name, const char *mac) {
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
  struct nlbuf b;
  nl_init(&b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
  nl_put_str(&b, IFLA_IFNAME, name);
  if (mac && *mac) {
    unsigned char m[6];
    parse_mac(mac, m);
    nl_put(&b, IFLA_ADDRESS, m, 6);
  }
  struct rtattr *info = nl_nest(&b, IFLA_LINKINFO);
  nl_put_str(&b, IFLA_INFO_KIND, "bridge");
  nl_end(&b, info);
  int err = nl_talk(NETLINK_ROUTE, b.h);
  if (err) net_die("ip link add %s type bridge: %s", name, strerror(-err));
}

/* ip link add NAME type veth peer name PEER netns PEER_NS: NAME here, PEER in the namespace at the path (the
 * guest's own, /proc/1/ns/net, for a container's veth), in one call. */
void net_veth_add(const char *name, const char *peer, const char *peer_ns) {
  int ns = open(peer_ns, O_RDONLY | O_CLOEXEC);
  if (ns < 0) net_die("open %s: %s", peer_ns, strerror(errno));
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
  struct nlbuf b;
  nl_init(&b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
  nl_put_str(&b, IFLA_IFNAME, name);
  struct rtattr *info = nl_nest(&b, IFLA_LINKINFO);
  nl_put_str(&b, IFLA_INFO_KIND, "veth");
  struct rtattr *data = nl_nest(&b, IFLA_INFO_DATA);
  struct rtattr *p = nl_nest(&b, VETH_INFO_PEER);
  /* the peer's attributes follow an ifinfomsg of its own */
  struct ifinfomsg peer_ifi = {.ifi_family = AF_UNSPEC};
  size_t at = NLMSG_ALIGN(b.h->nlmsg_len);
  memcpy((char *)b.h + at, &peer_ifi, sizeof peer_ifi);
  b.h->nlmsg_len = at + NLMSG_ALIGN(sizeof peer_ifi);
  nl_put_str(&b, IFLA_IFNAME, peer);
  nl_put_u32(&b, IFLA_NET_NS_FD, (uint32_t)ns);
  nl_end(&b, p);
  nl_end(&b, data);
  nl_end(&b, info);
  int err = nl_talk(NETLINK_ROUTE, b.h);
  close(ns);
  if (err) net_die("ip link add %s type veth peer name %s: %s", name, peer, strerror(-err));
}

/* ip link set DEV [address MAC] [master BRIDGE] [name NEW] [up]: words address=, master=, name=, up. */
void net_link_set(const char *dev, char **words, int n) {
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)ifindex(dev)};
  for (int i = 0; i < n; i++)
    if (strcmp(words[i], "up") == 0) ifi.ifi_flags |= IFF_UP, ifi.ifi_change |= IFF_UP;
  struct nlbuf b;
  nl_init(&b, RTM_NEWLINK, 0, &ifi, sizeof ifi);
  for (int i = 0; i < n; i++) {
    const char *w = words[i];
    if (strncmp(w, "address=", 8) == 0) {
      unsigned char m[6];
      parse_mac(w + 8, m);
      nl_put(&b, IFLA_ADDRESS, m, 6);
    } else if (strncmp(w, "master=", 7) == 0) nl_put_u32(&b, IFLA_MASTER, ifindex(w + 7));
    else if (strncmp(w, "name=", 5) == 0) nl_put_str(&b, IFLA_IFNAME, w + 5);
    else if (strcmp(w, "up") != 0) net_die("link-set: unknown word %s", w);
  }
  int err = nl_talk(NETLINK_ROUTE, b.h);
  if (err) net_die("ip link set %s: %s", dev, strerror(-err));
}

/* ip link del NAME. Already gone is fine: a container's veth goes with its network namespace when the kernel
 * gets to it, and either end's deletion takes the pair. */
void net_link_del(const char *name) {
  unsigned i = if_nametoindex(name);
  if (!i) return;
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)i};
  struct nlbuf b;
  nl_init(&b, RTM_DELLINK, 0, &ifi, sizeof ifi);
  int err = nl_talk(NETLINK_ROUTE, b.h);
  if (err && err != -ENODEV) net_die("ip link del %s: %s", name, strerror(-err));
}

/* ip addr add ADDR/PREFIX brd + dev DEV (the broadcast address as dockerd's netlink library fills it in) */
void net_addr_add(const char *dev, const char *cidr) {
  char ip[64];
  snprintf(ip, sizeof ip, "%s", cidr);
  char *slash = strchr(ip, '/');
  if (!slash) net_die("addr-add: %s has no /prefix", cidr);
  *slash = 0;
  int prefix = atoi(slash + 1);
  if (prefix < 0 || prefix > 32) net_die("addr-add: bad prefix in %s", cidr);
  struct in_addr a = parse_ip(ip);
  struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)prefix, .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = ifindex(dev)};
  struct nlbuf b;
  nl_init(&b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
  nl_put(&b, IFA_LOCAL, &a, 4);
  nl_put(&b, IFA_ADDRESS, &a, 4);
  if (prefix < 31) {
    struct in_addr brd = {.s_addr = a.s_addr | htonl(prefix ? 0xffffffffu >> prefix : 0xffffffffu)};
    nl_put(&b, IFA_BROADCAST, &brd, 4);
  }
  int err = nl_talk(NETLINK_ROUTE, b.h);
  if (err) net_die("ip addr add %s dev %s: %s", cidr, dev, strerror(-err));
}

/* ip route replace default via GW dev DEV: replace, so `docker network connect` can move the default route */
void net_route_default(const char *gw, const char *dev) {
  struct rtmsg rt = {.rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST};
  struct nlbuf b;
  nl_init(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &rt, sizeof rt);
  struct in_addr g = parse_ip(gw);
  nl_put(&b, RTA_GATEWAY, &g, 4);
  nl_put_u32(&b, RTA_OIF, ifindex(dev));
  int err = nl_talk(NETLINK_ROUTE, b.h);
  if (err) net_die("ip route replace default via %s dev %s: %s", gw, dev, strerror(-err));
}

/* ------------------------------------------------------------ namespaces */
void net_enter(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) net_die("open %s: %s", path, strerror(errno));
  if (setns(fd, CLONE_NEWNET) < 0) net_die("setns %s: %s", path, strerror(errno));
  close(fd);
}

/* `@ PATH STEP`: the step runs in the network namespace at PATH, then this process is back where it was. */
int net_enter_for_step(const char *path) {
  int here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (here < 0) net_die("open /proc/self/ns/net: %s", strerror(errno));
  net_enter(path);
  return here;
}

void net_leave_after_step(int here) {
  if (setns(here, CLONE_NEWNET) < 0) net_die("setns back: %s", strerror(errno));
  close(here);
}

/* ------------------------------------------------------------ conntrack */
/* Attributes of one nested attribute (or a message's payload after its fixed header). */
static struct nlattr *attr_find(void *start, int len, int type) {
  for (struct nlattr *a = start; len >= (int)sizeof *a && a->nla_len >= sizeof *a && a->nla_len <= len;
       len -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
    if ((a->nla_type & NLA_TYPE_MASK) == type) return a;
  return NULL;
}
#define NLA_DATA(a) ((void *)((char *)(a) + NLA_HDRLEN))
#define NLA_LEN(a) ((int)(a)->nla_len - NLA_HDRLEN)

/* Whether a tuple (CTA_TUPLE_ORIG or _REPLY) has this IPv4 address as its source or destination. */
static int tuple_has(struct nlattr *tuple, uint32_t addr) {
  if (!tuple) return 0;
  struct nlattr *ip = attr_find(NLA_DATA(tuple), NLA_LEN(tuple), CTA_TUPLE_IP);
  if (!ip) return 0;
  struct nlattr *src = attr_find(NLA_DATA(ip), NLA_LEN(ip), CTA_IP_V4_SRC), *dst = attr_find(NLA_DATA(ip), NLA_LEN(ip), CTA_IP_V4_DST);
  return (src && NLA_LEN(src) == 4 && *(uint32_t *)NLA_DATA(src) == addr) || (dst && NLA_LEN(dst) == 4 && *(uint32_t *)NLA_DATA(dst) == addr);
}

/* Whether the original tuple's protocol and destination port are these (a published port's connections). */
static int tuple_port(struct nlattr *tuple, int proto, uint16_t port) {
  if (!tuple) return 0;
  struct nlattr *p = attr_find(NLA_DATA(tuple), NLA_LEN(tuple), CTA_TUPLE_PROTO);
  if (!p) return 0;
  struct nlattr *num = attr_find(NLA_DATA(p), NLA_LEN(p), CTA_PROTO_NUM), *dport = attr_find(NLA_DATA(p), NLA_LEN(p), CTA_PROTO_DST_PORT);
  return num && dport && *(uint8_t *)NLA_DATA(num) == proto && NLA_LEN(dport) == 2 && *(uint16_t *)NLA_DATA(dport) == htons(port);
}

/* What a conntrack-flush word selects: an IPv4 address (from, to or NATed to), or PROTO/PORT (to that port). */
struct ct_filter { uint32_t addr; int proto; uint16_t port; };

static struct ct_filter parse_ct_filter(const char *word) {
  struct ct_filter f = {0};
  const char *slash = strchr(word, '/');
  if (!slash) {
    f.addr = parse_ip(word).s_addr;
    return f;
  }
  if (strncmp(word, "tcp/", 4) == 0) f.proto = IPPROTO_TCP;
  else if (strncmp(word, "udp/", 4) == 0) f.proto = IPPROTO_UDP;
  else net_die("conntrack-flush: %s is neither an address nor tcp/PORT or udp/PORT", word);
  int port = atoi(slash + 1);
  if (port <= 0 || port > 65535) net_die("conntrack-flush: bad port in %s", word);
  f.port = (uint16_t)port;
  return f;
}

static int ct_matches(const struct ct_filter *f, struct nlattr *orig, struct nlattr *reply) {
  if (f->proto) return tuple_port(orig, f->proto, f->port);
  return tuple_has(orig, f->addr) || tuple_has(reply, f->addr);
}

#define CT_BATCH 256
struct ct_entry { uint16_t len; char tuple[160]; uint16_t zone_len; char zone[8]; };

/* Dumps the table and keeps the original tuples (and zones) of the entries that involve the address. */
static int ct_collect(const struct ct_filter *filter, struct ct_entry *out, int max) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) net_die("netfilter netlink socket: %s (is the kernel's ctnetlink built in?)", strerror(errno));
  struct { struct nlmsghdr h; struct nfgenmsg g; } req = {
    .h = {.nlmsg_len = sizeof req, .nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1},
    .g = {.nfgen_family = AF_INET, .version = NFNETLINK_V0},
  };
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) net_die("conntrack dump: %s", strerror(errno));
  int found = 0, done = 0;
  static char reply[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
  while (!done) {
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      net_die("conntrack dump: %s", strerror(errno));
    }
    for (struct nlmsghdr *r = (struct nlmsghdr *)reply; NLMSG_OK(r, (size_t)n); r = NLMSG_NEXT(r, n)) {
      if (r->nlmsg_type == NLMSG_DONE) { done = 1; break; }
      if (r->nlmsg_type == NLMSG_ERROR) {
        int err = ((struct nlmsgerr *)NLMSG_DATA(r))->error;
        if (err) net_die("conntrack dump: %s", strerror(-err));
        done = 1;
        break;
      }
      char *attrs = (char *)NLMSG_DATA(r) + NLMSG_ALIGN(sizeof(struct nfgenmsg));
      int len = (int)r->nlmsg_len - (int)(attrs - (char *)r);
      struct nlattr *orig = attr_find(attrs, len, CTA_TUPLE_ORIG), *rep = attr_find(attrs, len, CTA_TUPLE_REPLY);
      if (!orig || !ct_matches(filter, orig, rep) || found == max) continue;
      if (orig->nla_len > sizeof out[found].tuple) continue;
      out[found].len = orig->nla_len;
      memcpy(out[found].tuple, orig, orig->nla_len);
      struct nlattr *zone = attr_find(attrs, len, CTA_ZONE);
      out[found].zone_len = zone && zone->nla_len <= sizeof out[found].zone ? zone->nla_len : 0;
      if (out[found].zone_len) memcpy(out[found].zone, zone, zone->nla_len);
      found++;
    }
  }
  close(fd);
  return found;
}

/* conntrack -D for every connection from, to or NATed to an address, or to a published port, as dockerd clears a
 * leaving endpoint's: a stale entry would keep sending a reused address's or port's packets where they went before. */
void net_conntrack_flush(const char *word) {
  struct ct_filter filter = parse_ct_filter(word);
  const char *addr_text = word;
  static struct ct_entry entries[CT_BATCH];
  /* deleted after the dump, not during it; a full batch means there may be more */
  for (int pass = 0; pass < 16; pass++) {
    int n = ct_collect(&filter, entries, CT_BATCH);
    for (int i = 0; i < n; i++) {
      struct nlbuf b;
      struct nfgenmsg g = {.nfgen_family = AF_INET, .version = NFNETLINK_V0};
      nl_init(&b, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE, 0, &g, sizeof g);
      size_t at = NLMSG_ALIGN(b.h->nlmsg_len);
      memcpy((char *)b.h + at, entries[i].tuple, entries[i].len);
      b.h->nlmsg_len = at + NLA_ALIGN(entries[i].len);
      if (entries[i].zone_len) {
        at = NLMSG_ALIGN(b.h->nlmsg_len);
        memcpy((char *)b.h + at, entries[i].zone, entries[i].zone_len);
        b.h->nlmsg_len = at + NLA_ALIGN(entries[i].zone_len);
      }
      int err = nl_talk(NETLINK_NETFILTER, b.h);
      if (err && err != -ENOENT) net_die("conntrack -D (%s): %s", addr_text, strerror(-err));
    }
    if (n < CT_BATCH) return;
  }
}

/* ------------------------------------------------------------ the embedded DNS server's socket */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int bound_socket(int type, struct sockaddr_in *at) {
  int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (s < 0) net_die("socket: %s", strerror(errno));
  int on = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (bind(s, (struct sockaddr *)at, sizeof *at) < 0) net_die("bind %s:53: %s", inet_ntoa(at->sin_addr), strerror(errno));
  if (type == SOCK_STREAM && listen(s, 16) < 0) net_die("listen: %s", strerror(errno));
  return s;
}

/*
 * dns ID [PID]: opens 127.0.0.11:53 (UDP and TCP) in this network namespace and hands both to drydock-dns over its
 * unix socket (SCM_RIGHTS) with the container's id and a pidfd of PID (default: this process, which waits for the
 * container's PID 1): the server answers there from /run/drydock/dns/ID and lets go when that process ends, so the
 * namespace goes with the container. No server running: a warning, the container still starts (as a container
 * with no embedded DNS).
 */
void net_dns(const char *id, const char *pid_text) {
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(53)};
  inet_pton(AF_INET, DNS_ADDRESS, &at.sin_addr);
  int fds[3];
  fds[0] = bound_socket(SOCK_DGRAM, &at);
  fds[1] = bound_socket(SOCK_STREAM, &at);
  pid_t pid = pid_text && *pid_text ? (pid_t)atoi(pid_text) : getpid();
  fds[2] = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fds[2] < 0) net_die("pidfd_open %d: %s", (int)pid, strerror(errno));
  int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  struct sockaddr_un server = {.sun_family = AF_UNIX};
  snprintf(server.sun_path, sizeof server.sun_path, "%s", DNS_SOCKET);
  if (s < 0 || connect(s, (struct sockaddr *)&server, sizeof server) < 0) {
    fprintf(stderr, "drydock-init: warning: no embedded DNS server (%s: %s): names of other containers will not resolve\n", DNS_SOCKET, strerror(errno));
  } else {
    char control[CMSG_SPACE(sizeof fds)] = {0};
    struct iovec iov = {.iov_base = (void *)id, .iov_len = strlen(id)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    /* the server's one-byte answer: it holds the sockets now (or said why not) */
    struct timeval limit = {5, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    char answer[256];
    ssize_t n = -1;
    if (sendmsg(s, &m, MSG_NOSIGNAL) >= 0) n = recv(s, answer, sizeof answer - 1, 0);
    if (n <= 0 || answer[0] != '0') {
      if (n > 0) answer[n] = 0;
      fprintf(stderr, "drydock-init: warning: the embedded DNS server did not take the socket: %s\n", n > 0 ? answer + 1 : n == 0 ? "it hung up" : strerror(errno));
    }
  }
  if (s >= 0) close(s);
  for (int i = 0; i < 3; i++) close(fds[i]);
}

/* ------------------------------------------------------------ detached helpers (docker-proxy) */
/*
 * spawn pidfile=PATH [cgroup=DIR] -- ARGV: starts ARGV in a session of its own, stdio on /dev/null, with fd 3 the
 * write end of a pipe, as dockerd starts docker-proxy: the helper writes "0\n" there once it holds its port, or
 * "1\n" and why not. Only then is its pid written to PATH; a failure is this step's, in the helper's words.
 */
void net_spawn(char **w, int n) {
  const char *pidfile = NULL, *cgroup = NULL;
  int i = 0;
  for (; i < n && strcmp(w[i], "--") != 0; i++) {
    if (strncmp(w[i], "pidfile=", 8) == 0) pidfile = w[i] + 8;
    else if (strncmp(w[i], "cgroup=", 7) == 0) cgroup = w[i] + 7;
    else net_die("spawn: unknown word %s", w[i]);
  }
  if (!pidfile || i + 1 >= n) net_die("spawn needs pidfile= and a command after --");
  char **argv = w + i + 1;
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) net_die("pipe: %s", strerror(errno));
  fflush(NULL);
  pid_t child = fork();
  if (child < 0) net_die("fork: %s", strerror(errno));
  if (child == 0) {
    if (cgroup && *cgroup) {
      char procs[4096];
      snprintf(procs, sizeof procs, "%s/cgroup.procs", cgroup);
      int fd = open(procs, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write(fd, "0", 1) != 1) _exit(121);
      close(fd);
    }
    setsid();
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    if (null > 2) close(null);
    if (dup2(ready[1], 3) < 0) _exit(122); /* dup2 clears close-on-exec on 3 */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int sig = 1; sig < NSIG; sig++)
      if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[0], argv);
    _exit(127);
  }
  close(ready[1]);
  char msg[512];
  size_t got = 0;
  struct pollfd p = {.fd = ready[0], .events = POLLIN};
  /* 30 s: a loaded guest is slow, but a helper that never answers must not hang the engine */
  while (got < sizeof msg - 1 && poll(&p, 1, 30000) > 0) {
    ssize_t r = read(ready[0], msg + got, sizeof msg - 1 - got);
    if (r <= 0) break;
    got += (size_t)r;
    if (got >= 2 && msg[0] == '0' && msg[1] == '\n') break;
  }
  close(ready[0]);
  msg[got] = 0;
  if (got >= 2 && msg[0] == '0') {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", pidfile);
    FILE *f = fopen(tmp, "we");
    if (!f || fprintf(f, "%d\n", (int)child) < 0 || fclose(f) != 0 || rename(tmp, pidfile) < 0) {
      kill(child, SIGKILL);
      net_die("writing %s: %s", pidfile, strerror(errno));
    }
    return;
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  char *why = got > 2 && msg[0] == '1' ? msg + 2 : NULL;
  if (why) {
    size_t l = strlen(why);
    while (l && why[l - 1] == '\n') why[--l] = 0;
    net_die("%s", why);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) net_die("%s: %s", argv[0], "cannot be run");
  net_die("%s exited before it was ready", argv[0]);
}

/* Whether /proc/PID is a live process called `comm` (not a zombie, not a recycled pid of something else). */
static int alive_as(pid_t pid, const char *comm) {
  char path[64], stat[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, stat, sizeof stat - 1);
  close(fd);
  if (n <= 0) return 0;
  stat[n] = 0;
  char *open_paren = strchr(stat, '('), *close_paren = strrchr(stat, ')');
  if (!open_paren || !close_paren || close_paren[1] != ' ') return 0;
  if (close_paren[2] == 'Z' || close_paren[2] == 'X') return 0;
  *close_paren = 0;
  return comm == NULL || strncmp(open_paren + 1, comm, 15) == 0;
}

/*
 * stop PIDFILE NAME: SIGTERM to the helper whose pid the file holds (when it is still a process called NAME),
 * then waits until it has exited (its port is free again), SIGKILL after 5 s; the file goes.
 */
void net_stop(const char *pidfile, const char *comm) {
  FILE *f = fopen(pidfile, "re");
  if (!f) {
    if (errno == ENOENT) return;
    net_die("%s: %s", pidfile, strerror(errno));
  }
  int pid = 0;
  if (fscanf(f, "%d", &pid) != 1) pid = 0;
  fclose(f);
  if (pid > 1 && alive_as(pid, comm)) {
    kill(pid, SIGTERM);
    for (int i = 0; alive_as(pid, comm); i++) {
      if (i == 1000) kill(pid, SIGKILL);
      if (i == 2000) net_die("%s (pid %d) did not exit", comm, pid);
      nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
  }
  if (unlink(pidfile) < 0 && errno != ENOENT) net_die("rm %s: %s", pidfile, strerror(errno));
}

/* run -- ARGV: the program (iptables-restore) in a child with this process's stdio; its failure is this step's.
 * Not `exec`: the steps after it (the driver's record of what now exists) run only once it succeeded. */
void net_run(char **w, int n) {
  int i = 0;
  while (i < n && strcmp(w[i], "--") != 0) i++;
  if (i + 1 >= n) net_die("run needs a command after --");
  char **argv = w + i + 1;
  fflush(NULL);
  pid_t child = fork();
  if (child < 0) net_die("fork: %s", strerror(errno));
  if (child == 0) {
    execv(argv[0], argv);
    fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) net_die("waitpid: %s", strerror(errno));
  if (WIFSIGNALED(status)) net_die("%s: killed by signal %d", argv[0], WTERMSIG(status));
  if (WEXITSTATUS(status)) net_die("%s exited %d", argv[0], WEXITSTATUS(status));
}
