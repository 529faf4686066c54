/* drydock-dns: the embedded DNS server of containers on user-defined networks, Docker's 127.0.0.11. One process in
 * the guest (/init starts it, and again if it dies) answers for every container: drydock-init opens 127.0.0.11:53
 * inside the container's network namespace and hands the sockets over (net-steps.c, net_dns). A query is answered
 * from /run/drydock/dns/<container id> (lines `NAME ADDRESS`, written by the engine's network driver) or forwarded
 * to the guest's own resolver, as dockerd's resolver does (libnetwork/resolver.go): A from the file, AAAA of a
 * known name empty, PTR of a known address its first name, anything else forwarded, SERVFAIL when the upstream does
 * not answer. Everything is bounded: a fixed number of containers, pending forwards and TCP clients, a token bucket
 * per container, so a container flooding its resolver costs itself, not the guest. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../runtime/net-steps.h"

#define VIEW_DIR "/run/drydock/dns"
#define MAX_CONTAINERS 128
#define MAX_PENDING 128
#define MAX_TCP 16
#define FORWARD_TIMEOUT_MS 3000
#define TCP_TIMEOUT_MS 5000
#define MAX_VIEW (64 * 1024)
#define RATE_PER_SECOND 200 /* queries per container; a lookup storm of a real program stays well under */
#define BURST 100
#define TTL 600             /* dockerd's respTTL */
#define UDP_LIMIT 512       /* an answer larger than this (no EDNS here) is truncated, TC set */

struct container {
  int used;
  char id[130];
  int udp, tcp, pidfd;
  double tokens;
  long long refilled_ms;
};

struct pending {
  int used;
  int container;
  uint16_t upstream_id, client_id;
  struct sockaddr_in client;
  int tcp; /* index in tcp[], or -1: the client asked over UDP */
  long long deadline_ms;
  uint8_t question[12 + 256 + 4]; /* header and question, for the SERVFAIL when nobody answers */
  size_t question_len;
};

struct tcp_client {
  int used, fd, container;
  uint8_t buf[2 + 1024];
  size_t got;
  long long deadline_ms;
  int waiting; /* a forward is pending for it */
};

static struct container containers[MAX_CONTAINERS];
static struct pending pending[MAX_PENDING];
static struct tcp_client tcp[MAX_TCP];
static int upstream = -1;

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ containers */
static void drop_container(int i) {
  struct container *c = &containers[i];
  close(c->udp), close(c->tcp), close(c->pidfd);
  for (int p = 0; p < MAX_PENDING; p++)
    if (pending[p].used && pending[p].container == i) pending[p].used = 0;
  for (int t = 0; t < MAX_TCP; t++)
    if (tcp[t].used && tcp[t].container == i) close(tcp[t].fd), tcp[t].used = 0;
  memset(c, 0, sizeof *c);
}

static int valid_id(const char *id) {
  size_t n = strlen(id);
  if (n == 0 || n > 128) return 0;
  for (const char *p = id; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-') return 0;
  return id[0] != '.';
}

static int is_type(int fd, int type) {
  int t = 0;
  socklen_t l = sizeof t;
  return getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &l) == 0 && t == type;
}

/* One drydock-init: the container's id, and SCM_RIGHTS with its UDP socket, TCP listener and a pidfd. */
static void take_container(int listener) {
  int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0) return;
  struct timeval limit = {1, 0};
  setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  char id[130] = {0};
  int fds[3] = {-1, -1, -1};
  char control[CMSG_SPACE(sizeof fds)];
  struct iovec iov = {.iov_base = id, .iov_len = sizeof id - 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  ssize_t n = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
  const char *why = NULL;
  int got = 0;
  for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL; c; c = CMSG_NXTHDR(&m, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      memcpy(fds, CMSG_DATA(c), (got > 3 ? 3 : got) * sizeof(int));
      for (int k = 3; k < got; k++) close(((int *)CMSG_DATA(c))[k]);
    }
  if (n <= 0) why = "no message";
  else if (got != 3 || !is_type(fds[0], SOCK_DGRAM) || !is_type(fds[1], SOCK_STREAM)) why = "expected a UDP socket, a TCP listener and a pidfd";
  else if (!valid_id(id)) why = "bad container id";
  int slot = -1;
  if (!why) {
    for (int i = 0; i < MAX_CONTAINERS && slot < 0; i++)
      if (containers[i].used && strcmp(containers[i].id, id) == 0) drop_container(i), slot = i; /* restarted */
    for (int i = 0; i < MAX_CONTAINERS && slot < 0; i++)
      if (!containers[i].used) slot = i;
    if (slot < 0) why = "too many containers";
  }
  if (why) {
    for (int k = 0; k < 3; k++) if (fds[k] >= 0) close(fds[k]);
    char answer[128];
    int len = snprintf(answer, sizeof answer, "1%s", why);
    send(conn, answer, (size_t)len, MSG_NOSIGNAL);
    close(conn);
    return;
  }
  struct container *c = &containers[slot];
  c->used = 1;
  snprintf(c->id, sizeof c->id, "%s", id);
  c->udp = fds[0], c->tcp = fds[1], c->pidfd = fds[2];
  fcntl(c->udp, F_SETFL, O_NONBLOCK);
  fcntl(c->tcp, F_SETFL, O_NONBLOCK);
  c->tokens = BURST;
  c->refilled_ms = now_ms();
  send(conn, "0", 1, MSG_NOSIGNAL);
  close(conn);
}

static int spend_token(struct container *c) {
  long long t = now_ms();
  c->tokens += (double)(t - c->refilled_ms) * RATE_PER_SECOND / 1000.0;
  if (c->tokens > BURST) c->tokens = BURST;
  c->refilled_ms = t;
  if (c->tokens < 1) return 0;
  c->tokens -= 1;
  return 1;
}

/* ------------------------------------------------------------ the view: NAME ADDRESS lines */
static char view[MAX_VIEW + 1];

static int load_view(const char *id) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", VIEW_DIR, id);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return view[0] = 0, 0;
  ssize_t n = read(fd, view, MAX_VIEW);
  close(fd);
  view[n > 0 ? n : 0] = 0;
  return 1;
}

/* Addresses of NAME (case-insensitive), or with want_name, the first name of ADDRESS (PTR). */
static int lookup(const char *name, uint32_t *addrs, int max, const char *want_addr, char *name_out, size_t name_cap) {
  int found = 0;
  for (char *line = view; line && *line;) {
    char *next = strchr(line, '\n');
    if (next) *next = 0;
    char n[256], a[64];
    if (line[0] != '#' && sscanf(line, "%255s %63s", n, a) == 2) {
      struct in_addr ia;
      if (inet_pton(AF_INET, a, &ia) == 1) {
        if (want_addr) {
          if (strcmp(a, want_addr) == 0) {
            snprintf(name_out, name_cap, "%s", n);
            if (next) *next = '\n';
            return 1;
          }
        } else if (strcasecmp(n, name) == 0 && found < max) addrs[found++] = ia.s_addr;
      }
    }
    if (next) *next = '\n';
    line = next ? next + 1 : NULL;
  }
  return found;
}

/* ------------------------------------------------------------ messages */
struct question {
  char name[256]; /* lower case, dots, no final dot */
  uint16_t type, class;
  size_t end;     /* offset after the question section */
};

static int parse_question(const uint8_t *q, size_t len, struct question *out) {
  if (len < 12) return 0;
  if (q[2] & 0x80) return 0;                  /* a response */
  if ((q[2] >> 3 & 0x0f) != 0) return 0;      /* not a standard query */
  if (q[4] != 0 || q[5] != 1) return 0;       /* exactly one question */
  size_t at = 12, out_len = 0;
  for (;;) {
    if (at >= len) return 0;
    uint8_t l = q[at++];
    if (l == 0) break;
    if (l > 63 || at + l > len || out_len + l + 1 >= sizeof out->name) return 0;
    if (out_len) out->name[out_len++] = '.';
    for (int i = 0; i < l; i++) out->name[out_len++] = (char)tolower(q[at + i]);
    at += l;
  }
  out->name[out_len] = 0;
  if (at + 4 > len) return 0;
  out->type = (uint16_t)(q[at] << 8 | q[at + 1]);
  out->class = (uint16_t)(q[at + 2] << 8 | q[at + 3]);
  out->end = at + 4;
  return 1;
}

/* The response's header and question, copied from the query: QR, RA and the rcode set, counts zero. */
static size_t answer_head(const uint8_t *q, const struct question *qu, uint8_t *r, int rcode) {
  memcpy(r, q, qu->end);
  r[2] = (uint8_t)(0x80 | (q[2] & 0x01)); /* QR, opcode 0, not authoritative, RD as asked */
  r[3] = (uint8_t)(0x80 | rcode);         /* RA, as dockerd's createRespMsg */
  r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
  return qu->end;
}

static size_t put_rr(uint8_t *r, size_t at, size_t cap, uint16_t type, const void *data, uint16_t len) {
  if (at + 12 + len > cap) return 0;
  r[at++] = 0xc0, r[at++] = 12; /* the name: a pointer to the question's */
  r[at++] = (uint8_t)(type >> 8), r[at++] = (uint8_t)type;
  r[at++] = 0, r[at++] = 1; /* IN */
  r[at++] = 0, r[at++] = 0, r[at++] = (uint8_t)(TTL >> 8), r[at++] = (uint8_t)TTL;
  r[at++] = (uint8_t)(len >> 8), r[at++] = (uint8_t)len;
  memcpy(r + at, data, len);
  return at + len;
}

static size_t encode_name(const char *name, uint8_t *out, size_t cap) {
  size_t at = 0;
  for (const char *p = name; *p;) {
    const char *dot = strchr(p, '.');
    size_t l = dot ? (size_t)(dot - p) : strlen(p);
    if (l == 0 || l > 63 || at + l + 2 > cap) return 0;
    out[at++] = (uint8_t)l;
    memcpy(out + at, p, l);
    at += l;
    p += l + (dot ? 1 : 0);
  }
  out[at++] = 0;
  return at;
}

/* A PTR name for an IPv4 address: d.c.b.a.in-addr.arpa -> "a.b.c.d" */
static int ptr_address(const char *name, char *out, size_t cap) {
  unsigned d, c, b, a;
  char rest[32];
  if (sscanf(name, "%u.%u.%u.%u.%31s", &d, &c, &b, &a, rest) != 5 || strcmp(rest, "in-addr.arpa") != 0) return 0;
  if (a > 255 || b > 255 || c > 255 || d > 255) return 0;
  snprintf(out, cap, "%u.%u.%u.%u", a, b, c, d);
  return 1;
}

/* The answer from the container's view, or 0 when the name is not there (the query is forwarded). */
static size_t answer_locally(struct container *c, const uint8_t *q, const struct question *qu, uint8_t *r, size_t cap) {
  if (qu->class != 1) return 0;
  if (qu->type != 1 && qu->type != 28 && qu->type != 12) return 0;
  if (!load_view(c->id)) return 0;
  if (qu->type == 12) {
    char addr[32], name[256];
    if (!ptr_address(qu->name, addr, sizeof addr) || !lookup(NULL, NULL, 0, addr, name, sizeof name)) return 0;
    uint8_t enc[256];
    size_t l = encode_name(name, enc, sizeof enc);
    if (!l) return 0;
    size_t at = answer_head(q, qu, r, 0), next = put_rr(r, at, cap, 12, enc, (uint16_t)l);
    if (!next) return 0;
    r[7] = 1;
    return next;
  }
  uint32_t addrs[64];
  int n = lookup(qu->name, addrs, 64, NULL, NULL, 0);
  if (n == 0) return 0;
  size_t at = answer_head(q, qu, r, 0);
  if (qu->type == 28) return at; /* a known name with no IPv6 address: NOERROR, no answer (not NXDOMAIN) */
  int count = 0;
  for (int i = 0; i < n; i++) {
    size_t next = put_rr(r, at, cap, 1, &addrs[i], 4);
    if (!next) {
      r[2] |= 0x02; /* TC: the client asks again over TCP */
      break;
    }
    at = next, count++;
  }
  r[6] = (uint8_t)(count >> 8), r[7] = (uint8_t)count;
  return at;
}

static size_t servfail(const uint8_t *q, size_t len, uint8_t *r) {
  struct question qu;
  if (!parse_question(q, len, &qu)) {
    if (len < 12) return 0;
    memcpy(r, q, 12);
    r[2] = (uint8_t)(0x80 | (q[2] & 0x01)), r[3] = 0x80 | 2;
    r[4] = r[5] = r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
    return 12;
  }
  return answer_head(q, &qu, r, 2);
}

/* ------------------------------------------------------------ replies */
static void reply_udp(struct container *c, const struct sockaddr_in *to, const uint8_t *r, size_t len) {
  sendto(c->udp, r, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)to, sizeof *to);
}

static void close_tcp(int t) {
  close(tcp[t].fd);
  tcp[t].used = 0;
}

static void reply_tcp(int t, const uint8_t *r, size_t len) {
  uint8_t out[2 + 4096];
  if (len > 4096) len = 4096;
  out[0] = (uint8_t)(len >> 8), out[1] = (uint8_t)len;
  memcpy(out + 2, r, len);
  send(tcp[t].fd, out, len + 2, MSG_DONTWAIT | MSG_NOSIGNAL); /* a few hundred bytes into an empty socket */
  close_tcp(t);
}

/* A query from container ci (over UDP from `from`, or TCP client t): answered here, forwarded, or refused. */
static void handle_query(int ci, const uint8_t *q, size_t len, const struct sockaddr_in *from, int t) {
  struct container *c = &containers[ci];
  uint8_t r[4096];
  struct question qu;
  if (!parse_question(q, len, &qu)) {
    size_t l = servfail(q, len, r);
    if (l && t < 0) reply_udp(c, from, r, l);
    else if (l) reply_tcp(t, r, l);
    else if (t >= 0) close_tcp(t);
    return;
  }
  size_t l = answer_locally(c, q, &qu, r, t < 0 ? UDP_LIMIT : sizeof r);
  if (l) {
    if (t < 0) reply_udp(c, from, r, l);
    else reply_tcp(t, r, l);
    return;
  }
  int p = 0;
  while (p < MAX_PENDING && pending[p].used) p++;
  if (p == MAX_PENDING || upstream < 0 || len > sizeof r) {
    l = servfail(q, len, r);
    if (t < 0) reply_udp(c, from, r, l);
    else reply_tcp(t, r, l);
    return;
  }
  uint16_t id;
  if (getrandom(&id, sizeof id, GRND_NONBLOCK) != sizeof id) id = (uint16_t)(now_ms() * 2654435761u >> 16);
  struct pending *pe = &pending[p];
  *pe = (struct pending){.used = 1, .container = ci, .upstream_id = id, .client_id = (uint16_t)(q[0] << 8 | q[1]), .tcp = t, .deadline_ms = now_ms() + FORWARD_TIMEOUT_MS};
  if (from) pe->client = *from;
  pe->question_len = qu.end <= sizeof pe->question ? qu.end : 0;
  memcpy(pe->question, q, pe->question_len);
  memcpy(r, q, len);
  r[0] = (uint8_t)(id >> 8), r[1] = (uint8_t)id;
  if (send(upstream, r, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
    pe->used = 0;
    l = servfail(q, len, r);
    if (t < 0) reply_udp(c, from, r, l);
    else reply_tcp(t, r, l);
    return;
  }
  if (t >= 0) tcp[t].waiting = 1;
}

static void upstream_answer(void) {
  uint8_t r[4096];
  for (int k = 0; k < 64; k++) {
    ssize_t n = recv(upstream, r, sizeof r, MSG_DONTWAIT);
    if (n < 12) return;
    uint16_t id = (uint16_t)(r[0] << 8 | r[1]);
    for (int p = 0; p < MAX_PENDING; p++) {
      struct pending *pe = &pending[p];
      if (!pe->used || pe->upstream_id != id) continue;
      pe->used = 0;
      r[0] = (uint8_t)(pe->client_id >> 8), r[1] = (uint8_t)pe->client_id;
      struct container *c = &containers[pe->container];
      if (pe->tcp >= 0) reply_tcp(pe->tcp, r, (size_t)n);
      else {
        size_t len = (size_t)n;
        if (len > UDP_LIMIT) len = UDP_LIMIT, r[2] |= 0x02;
        reply_udp(c, &pe->client, r, len);
      }
      break;
    }
  }
}

/* Forwards nobody answered: SERVFAIL, as dockerd says when no external server did. */
static void expire(long long t) {
  uint8_t r[512];
  for (int p = 0; p < MAX_PENDING; p++) {
    struct pending *pe = &pending[p];
    if (!pe->used || pe->deadline_ms > t) continue;
    pe->used = 0;
    size_t l = servfail(pe->question, pe->question_len, r);
    if (!l) {
      if (pe->tcp >= 0) close_tcp(pe->tcp);
      continue;
    }
    if (pe->tcp >= 0) reply_tcp(pe->tcp, r, l);
    else reply_udp(&containers[pe->container], &pe->client, r, l);
  }
  for (int i = 0; i < MAX_TCP; i++)
    if (tcp[i].used && !tcp[i].waiting && tcp[i].deadline_ms <= t) close_tcp(i);
}

static void read_udp(int ci) {
  uint8_t q[4096];
  for (int k = 0; k < 16 && containers[ci].used; k++) { /* at most 16 a round: the others get their turn */
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(containers[ci].udp, q, sizeof q, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
    if (n < 0) return;
    if (!spend_token(&containers[ci])) continue; /* over its rate: dropped, the client's resolver retries */
    handle_query(ci, q, (size_t)n, &from, -1);
  }
}

static void accept_tcp(int ci) {
  int t = 0;
  while (t < MAX_TCP && tcp[t].used) t++;
  int fd = accept4(containers[ci].tcp, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return;
  if (t == MAX_TCP || !spend_token(&containers[ci])) {
    close(fd);
    return;
  }
  tcp[t] = (struct tcp_client){.used = 1, .fd = fd, .container = ci, .deadline_ms = now_ms() + TCP_TIMEOUT_MS};
}

static void read_tcp(int t) {
  struct tcp_client *c = &tcp[t];
  ssize_t n = recv(c->fd, c->buf + c->got, sizeof c->buf - c->got, MSG_DONTWAIT);
  if (n <= 0) {
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) close_tcp(t);
    return;
  }
  c->got += (size_t)n;
  if (c->got < 2) return;
  size_t want = (size_t)(c->buf[0] << 8 | c->buf[1]);
  if (want == 0 || want > sizeof c->buf - 2) return close_tcp(t);
  if (c->got >= want + 2) handle_query(c->container, c->buf + 2, want, NULL, t);
}

/* ------------------------------------------------------------ main */
static void open_upstream(const char *address) {
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(53)};
  if (inet_pton(AF_INET, address, &to.sin_addr) != 1) return;
  upstream = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (upstream >= 0 && connect(upstream, (struct sockaddr *)&to, sizeof to) < 0) close(upstream), upstream = -1;
}

/* The guest's first nameserver (its /etc/resolv.conf), where dockerd forwards to the host's. */
static void guest_resolver(char *out, size_t cap) {
  snprintf(out, cap, "192.168.86.1");
  FILE *f = fopen("/etc/resolv.conf", "re");
  if (!f) return;
  char line[256], ns[64];
  while (fgets(line, sizeof line, f))
    if (sscanf(line, " nameserver %63s", ns) == 1 && strchr(ns, '.') && strncmp(ns, "127.", 4) != 0) {
      snprintf(out, cap, "%s", ns);
      break;
    }
  fclose(f);
}

int dns_main(int argc, char **argv) {
  char resolver[64];
  guest_resolver(resolver, sizeof resolver);
  const char *socket_path = DNS_SOCKET;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--upstream") == 0) snprintf(resolver, sizeof resolver, "%s", argv[i + 1]);
    else if (strcmp(argv[i], "--socket") == 0) socket_path = argv[i + 1];
    else {
      fprintf(stderr, "usage: drydock-dns [--upstream ADDRESS] [--socket PATH]\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  mkdir("/run/drydock", 0755);
  mkdir(VIEW_DIR, 0755);
  open_upstream(resolver);
  int listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  struct sockaddr_un at = {.sun_family = AF_UNIX};
  snprintf(at.sun_path, sizeof at.sun_path, "%s", socket_path);
  unlink(socket_path);
  mode_t old = umask(077); /* root only: whoever connects hands over sockets */
  if (listener < 0 || bind(listener, (struct sockaddr *)&at, sizeof at) < 0 || listen(listener, 16) < 0) {
    fprintf(stderr, "drydock-dns: %s: %s\n", socket_path, strerror(errno));
    return 1;
  }
  umask(old);
  struct pollfd fds[2 + MAX_CONTAINERS * 3 + MAX_TCP];
  int owner[2 + MAX_CONTAINERS * 3 + MAX_TCP];
  for (;;) {
    int n = 0;
    fds[n] = (struct pollfd){.fd = listener, .events = POLLIN}, owner[n++] = -1;
    fds[n] = (struct pollfd){.fd = upstream, .events = POLLIN}, owner[n++] = -2;
    for (int i = 0; i < MAX_CONTAINERS; i++) {
      if (!containers[i].used) continue;
      fds[n] = (struct pollfd){.fd = containers[i].udp, .events = POLLIN}, owner[n++] = i * 3;
      fds[n] = (struct pollfd){.fd = containers[i].tcp, .events = POLLIN}, owner[n++] = i * 3 + 1;
      fds[n] = (struct pollfd){.fd = containers[i].pidfd, .events = POLLIN}, owner[n++] = i * 3 + 2;
    }
    for (int t = 0; t < MAX_TCP; t++)
      if (tcp[t].used && !tcp[t].waiting) fds[n] = (struct pollfd){.fd = tcp[t].fd, .events = POLLIN}, owner[n++] = -100 - t;
    long long t0 = now_ms(), next = t0 + 60000;
    for (int p = 0; p < MAX_PENDING; p++)
      if (pending[p].used && pending[p].deadline_ms < next) next = pending[p].deadline_ms;
    for (int t = 0; t < MAX_TCP; t++)
      if (tcp[t].used && tcp[t].deadline_ms < next) next = tcp[t].deadline_ms;
    int ready = poll(fds, (nfds_t)n, (int)(next > t0 ? next - t0 : 0));
    if (ready < 0 && errno != EINTR) return 1;
    for (int k = 0; ready > 0 && k < n; k++) {
      if (!fds[k].revents) continue;
      int o = owner[k];
      if (o == -1) take_container(listener);
      else if (o == -2) upstream_answer();
      else if (o <= -100) {
        if (tcp[-100 - o].used) read_tcp(-100 - o);
      } else {
        int ci = o / 3;
        if (!containers[ci].used) continue;
        if (o % 3 == 2) drop_container(ci); /* the container's process ended: let its namespace go */
        else if (o % 3 == 0) read_udp(ci);
        else accept_tcp(ci);
      }
    }
    expire(now_ms());
  }
}
