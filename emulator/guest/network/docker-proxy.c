/* docker-proxy: dockerd's userland proxy, same argv, one process per published port. It holds the host port (so
 * nothing else takes it) and relays what iptables' DNAT does not see: connections the guest makes to itself, e.g.
 * `wget 127.0.0.1:8080` (locally generated traffic to 127.0.0.1 never passes PREROUTING, and the OUTPUT rule leaves
 * 127.0.0.0/8 alone, as dockerd's does when the proxy is on). Started by drydock-init's `spawn` step with fd 3 the
 * readiness pipe dockerd gives it: "0\n" once the port is held, "1\n" and the error otherwise.
 *
 * Bounded on purpose: at most MAX_CONNS TCP connections (then it stops accepting and the kernel's backlog holds the
 * rest), two BUF-byte buffers each, and a side that does not read stops the other side being read (TCP's own flow
 * control does the rest); at most MAX_FLOWS UDP flows, idle ones dropped after 90 s as dockerd's proxy does. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64
#define BUF 16384
#define MAX_FLOWS 128
#define UDP_IDLE_MS 90000

struct half { char data[BUF]; size_t off, len; int eof, shut; };
struct conn { int client, backend, connecting; struct half up, down; };
struct flow { int used, fd; struct sockaddr_in client; long long last_ms; };

static struct conn *conns[MAX_CONNS];
static struct flow flows[MAX_FLOWS];

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* dockerd's readiness protocol on fd 3, when the caller gave one */
static void ready(const char *error) {
  if (fcntl(3, F_GETFD) < 0) {
    if (error) fprintf(stderr, "docker-proxy: %s\n", error);
    return;
  }
  char msg[512];
  int n = error ? snprintf(msg, sizeof msg, "1\n%s", error) : snprintf(msg, sizeof msg, "0\n");
  if (write(3, msg, (size_t)n) < 0) {}
  close(3);
}

static int usage(const char *why) {
  char msg[256];
  snprintf(msg, sizeof msg, "docker-proxy: %s (usage: docker-proxy -proto tcp|udp -host-ip IP -host-port PORT -container-ip IP -container-port PORT)", why);
  ready(msg);
  return 2;
}

/* ------------------------------------------------------------ TCP */
static void close_conn(int i) {
  close(conns[i]->client);
  close(conns[i]->backend);
  free(conns[i]);
  conns[i] = NULL;
}

/* Reads into h from fd while it has room: 0 fine, -1 the connection is broken. */
static int fill(int fd, struct half *h) {
  if (h->eof || h->len == BUF) return 0;
  if (h->off && h->off + h->len == BUF) memmove(h->data, h->data + h->off, h->len), h->off = 0;
  ssize_t n = recv(fd, h->data + h->off + h->len, BUF - h->off - h->len, MSG_DONTWAIT);
  if (n > 0) h->len += (size_t)n;
  else if (n == 0) h->eof = 1;
  else if (errno != EAGAIN && errno != EINTR) return -1;
  return 0;
}

/* Writes what h holds to fd; once the reading side ended and all is written, passes the end on (half-close). */
static int drain(int fd, struct half *h) {
  if (h->len) {
    ssize_t n = send(fd, h->data + h->off, h->len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      h->off += (size_t)n, h->len -= (size_t)n;
      if (!h->len) h->off = 0;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) return -1;
  }
  if (!h->len && h->eof && !h->shut) shutdown(fd, SHUT_WR), h->shut = 1;
  return 0;
}

static void accept_conn(int listener, const struct sockaddr_in *backend) {
  int slot = 0;
  while (slot < MAX_CONNS && conns[slot]) slot++;
  if (slot == MAX_CONNS) return;
  int client = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (client < 0) return;
  int b = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  struct conn *c = b < 0 ? NULL : calloc(1, sizeof *c);
  if (!c) {
    close(client);
    if (b >= 0) close(b);
    return;
  }
  c->client = client, c->backend = b;
  if (connect(b, (const struct sockaddr *)backend, sizeof *backend) < 0) {
    if (errno != EINPROGRESS) {
      close(client), close(b), free(c);
      return;
    }
    c->connecting = 1;
  }
  conns[slot] = c;
}

static int serve_tcp(const struct sockaddr_in *host, const struct sockaddr_in *backend, char *error, size_t cap) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int on = 1;
  if (listener >= 0) setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (listener < 0 || bind(listener, (const struct sockaddr *)host, sizeof *host) < 0 || listen(listener, 128) < 0) {
    /* Go's words, as dockerd's proxy prints them */
    snprintf(error, cap, "listen tcp4 %s:%d: bind: %s", inet_ntoa(host->sin_addr), ntohs(host->sin_port), errno == EADDRINUSE ? "address already in use" : strerror(errno));
    return -1;
  }
  ready(NULL);
  struct pollfd fds[1 + 2 * MAX_CONNS];
  int who[1 + 2 * MAX_CONNS];
  for (;;) {
    int n = 0, open_conns = 0;
    for (int i = 0; i < MAX_CONNS; i++) open_conns += conns[i] != NULL;
    if (open_conns < MAX_CONNS) fds[n] = (struct pollfd){.fd = listener, .events = POLLIN}, who[n++] = -1;
    for (int i = 0; i < MAX_CONNS; i++) {
      struct conn *c = conns[i];
      if (!c) continue;
      short ce = 0, be = 0;
      if (c->connecting) be |= POLLOUT;
      else {
        if (!c->up.eof && c->up.len < BUF) ce |= POLLIN;
        if (c->down.len) ce |= POLLOUT;
        if (!c->down.eof && c->down.len < BUF) be |= POLLIN;
        if (c->up.len) be |= POLLOUT;
      }
      fds[n] = (struct pollfd){.fd = c->client, .events = ce}, who[n++] = i * 2;
      fds[n] = (struct pollfd){.fd = c->backend, .events = be}, who[n++] = i * 2 + 1;
    }
    if (poll(fds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      return 0;
    }
    for (int k = 0; k < n; k++) {
      if (!fds[k].revents) continue;
      if (who[k] == -1) {
        accept_conn(listener, backend);
        continue;
      }
      int i = who[k] / 2;
      struct conn *c = conns[i];
      if (!c) continue;
      int broken = 0;
      if (who[k] % 2 == 1 && c->connecting) {
        int err = 0;
        socklen_t l = sizeof err;
        getsockopt(c->backend, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err) broken = 1;
        else c->connecting = 0;
      } else if (who[k] % 2 == 0) {
        if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) && fill(c->client, &c->up) < 0) broken = 1;
        if (!broken && (fds[k].revents & POLLOUT) && drain(c->client, &c->down) < 0) broken = 1;
        if (!broken && !c->connecting && drain(c->backend, &c->up) < 0) broken = 1;
      } else {
        if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) && fill(c->backend, &c->down) < 0) broken = 1;
        if (!broken && (fds[k].revents & POLLOUT) && drain(c->backend, &c->up) < 0) broken = 1;
        if (!broken && drain(c->client, &c->down) < 0) broken = 1;
      }
      if (!broken && fds[k].revents & POLLERR && !(fds[k].revents & POLLIN)) broken = 1;
      if (broken || (c->up.shut && c->down.shut)) close_conn(i);
    }
  }
}

/* ------------------------------------------------------------ UDP */
static int serve_udp(const struct sockaddr_in *host, const struct sockaddr_in *backend, char *error, size_t cap) {
  int listener = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listener < 0 || bind(listener, (const struct sockaddr *)host, sizeof *host) < 0) {
    snprintf(error, cap, "listen udp4 %s:%d: bind: %s", inet_ntoa(host->sin_addr), ntohs(host->sin_port), errno == EADDRINUSE ? "address already in use" : strerror(errno));
    return -1;
  }
  ready(NULL);
  static char data[65536];
  struct pollfd fds[1 + MAX_FLOWS];
  int who[1 + MAX_FLOWS];
  for (;;) {
    int n = 0;
    fds[n] = (struct pollfd){.fd = listener, .events = POLLIN}, who[n++] = -1;
    for (int i = 0; i < MAX_FLOWS; i++)
      if (flows[i].used) fds[n] = (struct pollfd){.fd = flows[i].fd, .events = POLLIN}, who[n++] = i;
    if (poll(fds, (nfds_t)n, 10000) < 0 && errno != EINTR) return 0;
    long long t = now_ms();
    for (int k = 0; k < n; k++) {
      if (!fds[k].revents) continue;
      if (who[k] >= 0) {
        struct flow *f = &flows[who[k]];
        for (int m = 0; m < 32; m++) {
          ssize_t r = recv(f->fd, data, sizeof data, MSG_DONTWAIT);
          if (r < 0) break;
          sendto(listener, data, (size_t)r, MSG_DONTWAIT, (struct sockaddr *)&f->client, sizeof f->client);
          f->last_ms = t;
        }
        continue;
      }
      for (int m = 0; m < 32; m++) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t r = recvfrom(listener, data, sizeof data, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (r < 0) break;
        int slot = -1, oldest = 0;
        for (int i = 0; i < MAX_FLOWS; i++) {
          if (flows[i].used && flows[i].client.sin_addr.s_addr == from.sin_addr.s_addr && flows[i].client.sin_port == from.sin_port) slot = i;
          if (!flows[i].used || (flows[oldest].used && flows[i].last_ms < flows[oldest].last_ms)) oldest = i;
        }
        if (slot < 0) {
          slot = oldest; /* a free slot, or the flow idle longest gives way */
          if (flows[slot].used) close(flows[slot].fd);
          int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
          if (fd < 0 || connect(fd, (const struct sockaddr *)backend, sizeof *backend) < 0) {
            if (fd >= 0) close(fd);
            flows[slot].used = 0;
            continue;
          }
          flows[slot] = (struct flow){.used = 1, .fd = fd, .client = from};
        }
        flows[slot].last_ms = t;
        send(flows[slot].fd, data, (size_t)r, MSG_DONTWAIT);
      }
    }
    for (int i = 0; i < MAX_FLOWS; i++)
      if (flows[i].used && t - flows[i].last_ms > UDP_IDLE_MS) close(flows[i].fd), flows[i].used = 0;
  }
}

/* ------------------------------------------------------------ main */
static int parse_address(const char *ip, const char *port, struct sockaddr_in *out) {
  char *end;
  long p = strtol(port, &end, 10);
  if (*end || p < 0 || p > 65535) return -1;
  *out = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
  return inet_pton(AF_INET, ip, &out->sin_addr) == 1 ? 0 : -1;
}

int proxy_main(int argc, char **argv) {
  const char *proto = "tcp", *host_ip = NULL, *host_port = NULL, *container_ip = NULL, *container_port = NULL;
  for (int i = 1; i < argc; i++) {
    const char *f = argv[i][0] == '-' && argv[i][1] == '-' ? argv[i] + 1 : argv[i]; /* Go's flag: -x or --x */
    const char **slot = strcmp(f, "-proto") == 0 ? &proto
                        : strcmp(f, "-host-ip") == 0 ? &host_ip
                        : strcmp(f, "-host-port") == 0 ? &host_port
                        : strcmp(f, "-container-ip") == 0 ? &container_ip
                        : strcmp(f, "-container-port") == 0 ? &container_port
                        : NULL;
    if (!slot || i + 1 == argc) return usage(slot ? "a flag needs a value" : "unknown flag");
    *slot = argv[++i];
  }
  struct sockaddr_in host, backend;
  if (!host_ip || !host_port || !container_ip || !container_port) return usage("missing flags");
  if (parse_address(host_ip, host_port, &host) < 0 || parse_address(container_ip, container_port, &backend) < 0) return usage("bad address or port");
  signal(SIGPIPE, SIG_IGN);
  char error[256] = "";
  int r;
  if (strcmp(proto, "tcp") == 0) r = serve_tcp(&host, &backend, error, sizeof error);
  else if (strcmp(proto, "udp") == 0) r = serve_udp(&host, &backend, error, sizeof error);
  else return usage("unsupported protocol");
  if (r < 0) {
    ready(error);
    return 1;
  }
  return 0;
}
