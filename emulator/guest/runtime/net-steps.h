/* drydock-init's network steps (net-steps.c), called by run_step in drydock-init.c; STEPS.md describes them. */
#ifndef DRYDOCK_NET_STEPS_H
#define DRYDOCK_NET_STEPS_H

/* where a container on a user-defined network finds the embedded DNS server, as in Docker */
#define DNS_ADDRESS "127.0.0.11"
/* drydock-dns's unix socket (SOCK_SEQPACKET): a container's sockets come in here */
#define DNS_SOCKET "/run/drydock/dns.sock"

/* drydock-init's die(): the section and line of the failing step, then this message; exits 1 */
void net_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

void net_bridge_add(const char *name, const char *mac);
void net_veth_add(const char *name, const char *peer, const char *peer_ns);
void net_link_set(const char *dev, char **words, int n);
void net_link_del(const char *name);
void net_addr_add(const char *dev, const char *cidr);
void net_route_default(const char *gw, const char *dev);
void net_enter(const char *path);
int net_enter_for_step(const char *path);
void net_leave_after_step(int here);
void net_conntrack_flush(const char *addr);
void net_dns(const char *id, const char *pid);
void net_spawn(char **words, int n);
void net_stop(const char *pidfile, const char *comm);
void net_run(char **words, int n);

#endif
