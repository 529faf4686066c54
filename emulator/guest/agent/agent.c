/* drydock-agent: runs what the host asks over its line, a virtio serial port (see PROTOCOL.md); decides nothing.
 * Called as `docker` it is the shim instead: a client of the agent's unix socket (shim_main); called as
 * `drydock-init`, the container runtime's step runner (../runtime/drydock-init.c); as `drydock-dns` and
 * `docker-proxy`, the embedded DNS server and the userland proxy of published ports (../network/). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <ftw.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0xD7
#define HEADER 12
#define MAX_PAYLOAD 65536
#define PROTOCOL_VERSION "1"
/* Stop reading children and files while this much output waits for the
 * serial line: a child that spews then blocks on its pipe instead of
 * growing our memory. */
#define OUT_HIGH_WATER (256 * 1024)

enum {
  T_HELLO = 0x01, T_PING = 0x02, T_PONG = 0x03,
  T_EXEC = 0x10, T_STARTED = 0x11, T_STDIN = 0x12, T_STDOUT = 0x13, T_STDERR = 0x14,
  T_EXIT = 0x15, T_KILL = 0x16, T_ACK = 0x17, T_HANGUP = 0x18, T_ERROR = 0x1F,
  T_READ_FILE = 0x20, T_DATA = 0x21, T_END = 0x22, T_WRITE_FILE = 0x23, T_OK = 0x24, T_LIST_TREE = 0x25,
  T_RESIZE = 0x30, T_SET_TIME = 0x31,
  T_SHIM_OPEN = 0x40, T_SHIM_STDIN = 0x41, T_SHIM_EXIT = 0x42, T_SHIM_SPAWN = 0x43,
  T_SHIM_CHILD_EXIT = 0x44, T_SHIM_CLOSED = 0x45, T_SHIM_RAW = 0x47,
};

#define SHIM_SOCKET_DIR "/run/drydock"
#define SHIM_SOCKET SHIM_SOCKET_DIR "/engine.sock"
#define AGENT_STREAM_BIT 0x80000000u

extern char **environ;

/* ------------------------------------------------------------ byte buffer */
struct buf { uint8_t *p; size_t off, len, cap; };

static void buf_put(struct buf *b, const void *data, size_t n) {
  if (b->off && b->off + b->len + n > b->cap) { /* reclaim consumed space first */
    memmove(b->p, b->p + b->off, b->len);
    b->off = 0;
  }
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) { perror("drydock-agent: out of memory"); exit(1); }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->off + b->len, data, n);
  b->len += n;
}

static void buf_drop(struct buf *b, size_t n) {
  b->off += n;
  b->len -= n;
  if (!b->len) b->off = 0;
}

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static void put_frame(struct buf *b, uint8_t type, uint32_t id, const void *payload, size_t len) {
  uint8_t h[HEADER] = {MAGIC, type, 0, 0,
                       id & 0xff, (id >> 8) & 0xff, (id >> 16) & 0xff, (id >> 24) & 0xff,
                       len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, (len >> 24) & 0xff};
  buf_put(b, h, HEADER);
  if (len) buf_put(b, payload, len);
}

/* One whole frame from the front of b: 1 (the caller drops HEADER + *len when done), 0 when incomplete,
 * -1 on a bad header. Used on the unix socket, where nothing resynchronises: a bad frame ends the connection. */
static int peek_frame(struct buf *b, uint8_t *type, uint32_t *id, uint8_t **payload, uint32_t *len) {
  if (b->len < HEADER) return 0;
  uint8_t *h = b->p + b->off;
  *len = le32(h + 8);
  if (h[0] != MAGIC || *len > MAX_PAYLOAD) return -1;
  if (b->len < HEADER + *len) return 0;
  *type = h[1];
  *id = le32(h + 4);
  *payload = h + HEADER;
  return 1;
}

/* ------------------------------------------------------------ streams */
enum kind { K_EXEC, K_READ, K_WRITE, K_SHIM };

struct chunk { struct chunk *next; size_t len, off; uint8_t data[]; }; /* len 0 = EOF */

struct stream {
  struct stream *next;
  uint32_t id;
  enum kind kind;
  /* K_EXEC */
  pid_t pid;
  int in_fd, out_fd, err_fd; /* our ends; -1 when closed */
  /* EXEC with a terminal (`t`): the console socket until the pty's master comes over it (or it closes without one),
   * then the master, whose output is the stream's STDOUT (in_fd is a dup of it when stdin is streamed) */
  int console_sock, pty_fd;
  int ws_pending; /* a RESIZE that came before the master: applied when it comes */
  int hung_up; /* HANGUP came: the master is closed (on arrival, when it comes later) */
  struct winsize ws;
  struct chunk *in_head, *in_tail;
  int reaped, status;
  /* K_READ / K_WRITE */
  int file_fd;
  char *path, *tmp_path;
  /* K_SHIM: a `docker` client on the unix socket, relayed on an agent-chosen id */
  int sock;
  struct buf sock_in, sock_out;
  int shim_exited; /* SHIM_EXIT was relayed: its hangup is expected, no SHIM_CLOSED */
  int want_stdin; /* K_EXEC: the host streams stdin (`i`) */
  int in_place; /* K_WRITE to a kernel file (cgroup, proc, sys): written directly, no temporary file */
  unsigned long bulk_mark; /* K_EXEC: bulk_queued when its last output frame was queued (its EXIT goes after it) */
};

static struct stream *streams;
static int tty = -1;
/* Two lanes to the host: a container's output (STDOUT/STDERR of host streams) waits in `bulk`; everything else
 * (replies, exits, the docker shim's frames, file data) in `urgent`, which goes first at each frame boundary, so a
 * container that floods its output cannot hold `docker ps` behind megabytes at the serial line's ~50 KB/s. */
static struct buf urgent, bulk, in;
static struct buf *writing; /* the lane whose frame is on its way, frame_left bytes of it still to write */
static size_t frame_left;
static unsigned long bulk_queued, bulk_sent; /* frames put into the bulk lane, and written from it */
static int sigchld_pipe[2];
static int resyncing;
static int shim_listen = -1;
static uint32_t next_shim_id = 1;

static struct stream *find_stream(uint32_t id);

static void send_frame(uint8_t type, uint32_t id, const void *payload, size_t len) {
  int output = (type == T_STDOUT || type == T_STDERR) && !(id & 0x80000000u);
  if (output) {
    struct stream *s = find_stream(id);
    if (s) s->bulk_mark = ++bulk_queued;
    else bulk_queued++;
  }
  put_frame(output ? &bulk : &urgent, type, id, payload, len);
}

/* Writes whole frames to the line, the urgent lane's first; returns when the line takes no more. */
static void pump_out(void) {
  for (;;) {
    if (!frame_left) {
      writing = urgent.len ? &urgent : bulk.len ? &bulk : NULL;
      if (!writing) return;
      frame_left = HEADER + le32(writing->p + writing->off + 8);
    }
    ssize_t w = write(tty, writing->p + writing->off, frame_left);
    if (w <= 0) return;
    buf_drop(writing, (size_t)w);
    frame_left -= (size_t)w;
    if (!frame_left && writing == &bulk) bulk_sent++;
  }
}

static void send_text(uint8_t type, uint32_t id, const char *fmt, ...) {
  char s[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(s, sizeof s, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof s) n = sizeof s - 1;
  send_frame(type, id, s, (size_t)n);
}

static void send_errno(uint32_t id, int err, const char *what) {
  const char *name = strerrorname_np(err);
  send_text(T_ERROR, id, "%s %s: %s", name ? name : "EIO", strerror(err), what);
}

static struct stream *find_stream(uint32_t id) {
  for (struct stream *s = streams; s; s = s->next)
    if (s->id == id) return s;
  return NULL;
}

static struct stream *new_stream(uint32_t id, enum kind kind) {
  struct stream *s = calloc(1, sizeof *s);
  if (!s) { perror("drydock-agent: out of memory"); exit(1); }
  s->id = id;
  s->kind = kind;
  s->pid = -1;
  s->in_fd = s->out_fd = s->err_fd = s->file_fd = s->sock = s->console_sock = s->pty_fd = -1;
  s->next = streams;
  streams = s;
  return s;
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void free_stream(struct stream *s) {
  for (struct stream **pp = &streams; *pp; pp = &(*pp)->next)
    if (*pp == s) { *pp = s->next; break; }
  close_fd(&s->in_fd);
  close_fd(&s->out_fd);
  close_fd(&s->err_fd);
  close_fd(&s->console_sock);
  close_fd(&s->pty_fd);
  close_fd(&s->file_fd);
  close_fd(&s->sock);
  free(s->sock_in.p);
  free(s->sock_out.p);
  if (s->tmp_path) unlink(s->tmp_path);
  while (s->in_head) { struct chunk *c = s->in_head; s->in_head = c->next; free(c); }
  free(s->path);
  free(s->tmp_path);
  free(s);
}

/* ------------------------------------------------------------ EXEC */
static int set_nonblock(int fd) { return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static void do_exec(uint32_t id, const uint8_t *p, size_t len) {
  /* Records are NUL-terminated; a trailing unterminated record is ignored. */
  size_t nargs = 0, nenv = 0;
  for (size_t i = 0; i < len;) {
    const char *r = (const char *)p + i;
    size_t n = strnlen(r, len - i);
    if (i + n >= len) break;
    if (r[0] == 'a') nargs++;
    if (r[0] == 'e') nenv++;
    i += n + 1;
  }
  if (!nargs) { send_text(T_ERROR, id, "EINVAL Invalid argument: EXEC without argv"); return; }
  char **argv = calloc(nargs + 1, sizeof *argv), **envp = calloc(nenv + 4, sizeof *envp);
  const char *cwd = "/";
  int want_stdin = 0, want_tty = 0;
  size_t ai = 0, ei = 0;
  for (size_t i = 0; i < len;) {
    char *r = (char *)p + i;
    size_t n = strnlen(r, len - i);
    if (i + n >= len) break;
    switch (r[0]) {
      case 'a': argv[ai++] = r + 1; break;
      case 'e': envp[ei++] = r + 1; break;
      case 'c': cwd = r + 1; break;
      case 'i': want_stdin = 1; break;
      case 't': want_tty = 1; break;
    }
    i += n + 1;
  }
  if (!nenv) {
    envp[ei++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    envp[ei++] = "HOME=/root";
  }

  /* A terminal is runc's console socket: the child (drydock-init) opens the pty inside the container, whose devpts
   * only it can see, and sends the master back over this socketpair (see setup_console in drydock-init.c). Its
   * descriptor number goes in DRYDOCK_CONSOLE, as runc names its own to `runc init` in _LIBCONTAINER_CONSOLE. Until
   * the master comes, the child's stdin is /dev/null and streamed STDIN waits for it. */
  int inp[2] = {-1, -1}, outp[2] = {-1, -1}, errp[2] = {-1, -1}, status[2] = {-1, -1}, console[2] = {-1, -1};
  int ok = pipe2(outp, O_CLOEXEC) == 0 && pipe2(errp, O_CLOEXEC) == 0 && pipe2(status, O_CLOEXEC) == 0;
  if (ok && want_tty) ok = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) == 0;
  if (ok && want_stdin && !want_tty) ok = pipe2(inp, O_CLOEXEC) == 0;
  else if (ok) ok = (inp[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;
  char console_env[32];
  if (ok && want_tty) {
    snprintf(console_env, sizeof console_env, "DRYDOCK_CONSOLE=%d", console[1]);
    envp[ei++] = console_env;
  }
  pid_t pid = ok ? fork() : -1;
  if (pid == 0) {
    /* Child: own session so KILL reaches the whole group; default signals. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    setsid();
    int err = 0;
    const char *what = argv[0];
    if (dup2(inp[0], 0) < 0 || dup2(outp[1], 1) < 0 || dup2(errp[1], 2) < 0) err = errno, what = "dup2";
    if (!err && console[1] >= 0 && fcntl(console[1], F_SETFD, 0) < 0) err = errno, what = "console socket";
    if (!err && chdir(cwd) < 0) err = errno, what = cwd;
    if (!err) {
      environ = envp; /* execvp searches the child's PATH, not ours */
      execvp(argv[0], argv);
      err = errno;
    }
    char msg[512];
    int n = snprintf(msg, sizeof msg, "%d %s", err, what);
    if (write(status[1], msg, (size_t)n) < 0) _exit(127);
    _exit(127);
  }
  int fork_err = pid < 0 ? errno : 0;
  close_fd(&inp[0]);
  close_fd(&outp[1]);
  close_fd(&errp[1]);
  close_fd(&status[1]);
  close_fd(&console[1]);
  if (pid < 0) {
    close_fd(&inp[1]); close_fd(&outp[0]); close_fd(&errp[0]); close_fd(&status[0]); close_fd(&console[0]);
    send_errno(id, fork_err ? fork_err : EIO, "fork");
    free(argv); free(envp);
    return;
  }
  /* The status pipe closes on a successful execve (CLOEXEC) or carries errno. */
  char msg[512];
  ssize_t n;
  do n = read(status[0], msg, sizeof msg - 1); while (n < 0 && errno == EINTR);
  close_fd(&status[0]);
  if (n > 0) {
    msg[n] = 0;
    char *what = strchr(msg, ' ');
    send_errno(id, atoi(msg), what ? what + 1 : argv[0]);
    waitpid(pid, NULL, 0);
    close_fd(&inp[1]); close_fd(&outp[0]); close_fd(&errp[0]); close_fd(&console[0]);
    free(argv); free(envp);
    return;
  }
  struct stream *s = new_stream(id, K_EXEC);
  s->pid = pid;
  s->in_fd = inp[1];
  s->out_fd = outp[0];
  s->err_fd = errp[0];
  s->console_sock = console[0];
  s->want_stdin = want_stdin;
  if (s->console_sock >= 0) set_nonblock(s->console_sock);
  if (s->in_fd >= 0) set_nonblock(s->in_fd);
  set_nonblock(s->out_fd);
  set_nonblock(s->err_fd);
  send_text(T_STARTED, id, "%d", (int)pid);
  free(argv); free(envp);
}

static void maybe_finish_exec(struct stream *s) {
  if (s->reaped && s->out_fd < 0 && s->err_fd < 0 && s->console_sock < 0 && s->pty_fd < 0) {
    char text[32];
    int n = WIFSIGNALED(s->status) ? snprintf(text, sizeof text, "signal %d", WTERMSIG(s->status)) : snprintf(text, sizeof text, "exit %d", WEXITSTATUS(s->status));
    /* after its own output: in the bulk lane while some of that output still waits there */
    put_frame(s->bulk_mark > bulk_sent ? &bulk : &urgent, T_EXIT, s->id, text, (size_t)n);
    if (s->bulk_mark > bulk_sent) s->bulk_mark = ++bulk_queued;
    free_stream(s);
  }
}

static void reap_children(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (struct stream *s = streams; s; s = s->next) {
      if (s->kind == K_EXEC && s->pid == pid) {
        s->reaped = 1;
        s->status = status;
        /* Nobody will read stdin any more: acknowledge what is left. */
        close_fd(&s->in_fd);
        while (s->in_head) { struct chunk *c = s->in_head; s->in_head = c->next; send_frame(T_ACK, s->id, NULL, 0); free(c); }
        maybe_finish_exec(s);
        break;
      }
    }
  }
}

/* STDIN for a terminal that has not come yet waits for it */
static int stdin_pending(struct stream *s) { return s->in_fd < 0 && s->console_sock >= 0 && s->want_stdin; }

static void queue_stdin(struct stream *s, const uint8_t *p, size_t len) {
  if (s->in_fd < 0 && !stdin_pending(s)) { send_frame(T_ACK, s->id, NULL, 0); return; }
  struct chunk *c = malloc(sizeof *c + len);
  if (!c) { perror("drydock-agent: out of memory"); exit(1); }
  c->next = NULL;
  c->len = len;
  c->off = 0;
  memcpy(c->data, p, len);
  if (s->in_tail) s->in_tail->next = c; else s->in_head = c;
  s->in_tail = c;
}

static void pump_stdin(struct stream *s) {
  while (s->in_head && s->in_fd >= 0) {
    struct chunk *c = s->in_head;
    if (c->len == 0) { /* EOF marker; on a terminal only our copy of the master closes: its output goes on */
      close_fd(&s->in_fd);
    } else {
      ssize_t n = write(s->in_fd, c->data + c->off, c->len - c->off);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      if (n < 0) { close_fd(&s->in_fd); break; } /* EPIPE: the child closed stdin */
      c->off += (size_t)n;
      if (c->off < c->len) return;
    }
    s->in_head = c->next;
    if (!s->in_head) s->in_tail = NULL;
    free(c);
    send_frame(T_ACK, s->id, NULL, 0);
  }
  if (s->in_fd < 0 && !stdin_pending(s)) /* dropped chunks are consumed too, for the host's flow control */
    while (s->in_head) { struct chunk *c = s->in_head; s->in_head = c->next; send_frame(T_ACK, s->id, NULL, 0); free(c); }
  if (!s->in_head) s->in_tail = NULL;
}

static void drain_output(struct stream *s, int *fd, uint8_t type) {
  static uint8_t data[MAX_PAYLOAD];
  ssize_t n = read(*fd, data, sizeof data);
  if (n > 0) send_frame(type, s->id, data, (size_t)n);
  else if (n == 0 || (errno != EAGAIN && errno != EINTR)) close_fd(fd);
}

/* The pty's master from drydock-init's exec step (SCM_RIGHTS), or the socket's end without one: the process failed
 * before its exec, or its steps asked for no terminal. Either way the socket is done with. */
static void receive_console(struct stream *s) {
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  ssize_t n = recvmsg(s->console_sock, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int))) {
    memcpy(&s->pty_fd, CMSG_DATA(c), sizeof(int));
  }
  if (s->pty_fd >= 0 && s->hung_up) close_fd(&s->pty_fd); /* hung up before it came: the process gets SIGHUP now */
  if (s->pty_fd >= 0) {
    set_nonblock(s->pty_fd);
    if (s->ws_pending && ioctl(s->pty_fd, TIOCSWINSZ, &s->ws) < 0) perror("drydock-agent: TIOCSWINSZ");
    /* the master is also the process's stdin; the child has not been reaped while its pty is only coming now */
    if (s->want_stdin && !s->reaped) s->in_fd = dup(s->pty_fd);
    if (s->in_fd >= 0) { set_nonblock(s->in_fd); fcntl(s->in_fd, F_SETFD, FD_CLOEXEC); }
  }
  close_fd(&s->console_sock);
  pump_stdin(s); /* what waited for the terminal goes now, or is acknowledged unwritten */
}

/* HANGUP: our copies of the pty's master close, as a terminal emulator's do when its window closes. The last close
 * of a master hangs the slave up (pty_close -> tty_vhangup): SIGHUP and SIGCONT to the session leader, whose exit
 * sends SIGHUP to the foreground group; reads of the slave then say EIO. The stream ends with the process's EXIT. */
static void hang_up(struct stream *s) {
  s->hung_up = 1;
  close_fd(&s->in_fd);
  close_fd(&s->pty_fd);
  pump_stdin(s); /* what waited for the terminal is acknowledged unwritten */
}

/* ------------------------------------------------------------ files */
static void do_read_file(uint32_t id, const uint8_t *p, size_t len) {
  char *path = strndup((const char *)p, len);
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) { send_errno(id, errno, path); free(path); return; }
  struct stream *s = new_stream(id, K_READ);
  s->file_fd = fd;
  s->path = path;
}

/* Called while output has room: one DATA frame per call keeps the loop fair. */
static void pump_read_file(struct stream *s) {
  static uint8_t data[MAX_PAYLOAD];
  ssize_t n = read(s->file_fd, data, sizeof data);
  if (n < 0 && errno == EINTR) return;
  if (n < 0) { send_errno(s->id, errno, s->path); free_stream(s); return; }
  if (n == 0) { send_frame(T_END, s->id, NULL, 0); free_stream(s); return; }
  send_frame(T_DATA, s->id, data, (size_t)n);
}

/* LIST_TREE: a directory tree's entries with what `docker diff` and SizeRw need, read here so that the host's
 * polling (the Inspect panel) costs the guest no process: a fork and exec in an emulated CPU is what made it dear. */
#define LIST_TREE_MAX (16u << 20)
static struct buf tree_out;
static size_t tree_root_len;
static char **tree_lowers;
static size_t tree_lower_count;
static int tree_too_big;

static void tree_stat_fields(const struct stat *st) {
  char f[160];
  int n = snprintf(f, sizeof f, "%x|%x|%x|%lld.%09ld|%lld|%llu|%lu", (unsigned)st->st_mode, major(st->st_rdev), minor(st->st_rdev),
                   (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec, (long long)st->st_size,
                   (unsigned long long)st->st_ino, (unsigned long)st->st_nlink);
  buf_put(&tree_out, f, (size_t)n);
}

static int tree_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)flag;
  if (ftw->level == 0) return 0;
  if (tree_out.len > LIST_TREE_MAX) { tree_too_big = 1; return 1; }
  const char *rel = path + tree_root_len; /* "/etc/passwd" */
  tree_stat_fields(st);
  char opaque = '0';
  if (S_ISDIR(st->st_mode)) {
    char v[2];
    ssize_t n = lgetxattr(path, "trusted.overlay.opaque", v, sizeof v);
    if (n == 1 && v[0] == 'y') opaque = '1';
  }
  char mark[4] = {'|', opaque, '|', 0};
  buf_put(&tree_out, mark, 3);
  /* the same path in the topmost lower dir that has it, as the image shows it */
  int found = 0;
  for (size_t i = 0; i < tree_lower_count && !found; i++) {
    char *lower;
    struct stat lst;
    if (asprintf(&lower, "%s%s", tree_lowers[i], rel) < 0) continue;
    if (lstat(lower, &lst) == 0) { tree_stat_fields(&lst); found = 1; }
    free(lower);
  }
  if (!found) buf_put(&tree_out, "-", 1);
  buf_put(&tree_out, "|.", 2);
  buf_put(&tree_out, rel, strlen(rel) + 1); /* NUL-terminated record */
  return 0;
}

static void do_list_tree(uint32_t id, const uint8_t *p, size_t len) {
  /* payload: the root, then the lower dirs (topmost first), each NUL-terminated (the last NUL may be left out) */
  char *args = malloc(len + 1);
  memcpy(args, p, len);
  args[len] = 0;
  char *end = args + len, *root = args;
  tree_lower_count = 0;
  for (char *q = args + strlen(args) + 1; q < end; q += strlen(q) + 1) tree_lower_count++;
  tree_lowers = calloc(tree_lower_count + 1, sizeof *tree_lowers);
  size_t i = 0;
  for (char *q = args + strlen(args) + 1; q < end; q += strlen(q) + 1) tree_lowers[i++] = q;
  tree_root_len = strlen(root);
  while (tree_root_len > 1 && root[tree_root_len - 1] == '/') root[--tree_root_len] = 0;
  tree_out.off = tree_out.len = 0;
  tree_too_big = 0;
  struct stat st;
  if (lstat(root, &st) < 0) send_errno(id, errno, root);
  else if (!S_ISDIR(st.st_mode)) send_errno(id, ENOTDIR, root);
  else if (nftw(root, tree_entry, 16, FTW_PHYS) < 0) send_errno(id, errno, root);
  else if (tree_too_big) send_text(T_ERROR, id, "EFBIG File too large: the listing of %s passed %u bytes", root, LIST_TREE_MAX);
  else {
    for (size_t off = 0; off < tree_out.len; off += MAX_PAYLOAD) {
      size_t n = tree_out.len - off < MAX_PAYLOAD ? tree_out.len - off : MAX_PAYLOAD;
      send_frame(T_DATA, id, tree_out.p + tree_out.off + off, n);
    }
    send_frame(T_END, id, NULL, 0);
  }
  free(tree_out.p);
  tree_out = (struct buf){0};
  free(tree_lowers);
  free(args);
}

/* cgroup2, proc and sysfs files are kernel knobs: no temporary file can be made next to them, and a write is
 * an action (cgroup.kill, cgroup.freeze) that must need no new process: a guest out of pids can still be told. */
static int kernel_file(const char *path) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = 0;
  struct statfs st;
  if (statfs(*dir ? dir : "/", &st) < 0) return 0;
  return st.f_type == CGROUP2_SUPER_MAGIC || st.f_type == PROC_SUPER_MAGIC || st.f_type == SYSFS_MAGIC;
}

static void do_write_file(uint32_t id, const uint8_t *p, size_t len) {
  char *arg = strndup((const char *)p, len), *sp = strchr(arg, ' ');
  if (!sp || sp == arg || !sp[1]) { send_text(T_ERROR, id, "EINVAL Invalid argument: expected '<octal mode> <path>'"); free(arg); return; }
  *sp = 0;
  mode_t mode = (mode_t)strtoul(arg, NULL, 8) & 07777;
  struct stream *s = new_stream(id, K_WRITE);
  s->path = strdup(sp + 1);
  free(arg);
  if (kernel_file(s->path)) {
    s->in_place = 1;
    s->file_fd = open(s->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (s->file_fd < 0) { send_errno(id, errno, s->path); free_stream(s); }
    return;
  }
  if (asprintf(&s->tmp_path, "%s.drydock-tmp", s->path) < 0) { perror("drydock-agent: out of memory"); exit(1); }
  s->file_fd = open(s->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
  if (s->file_fd < 0) {
    send_errno(id, errno, s->path);
    free(s->tmp_path); s->tmp_path = NULL; /* nothing to unlink */
    free_stream(s);
    return;
  }
  if (fchmod(s->file_fd, mode) < 0) { send_errno(id, errno, s->path); free_stream(s); }
}

static void write_file_data(struct stream *s, const uint8_t *p, size_t len) {
  while (len) {
    ssize_t n = write(s->file_fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { send_errno(s->id, errno, s->path); free_stream(s); return; }
    p += n;
    len -= (size_t)n;
  }
  send_frame(T_ACK, s->id, NULL, 0);
}

static void write_file_end(struct stream *s) {
  int fd = s->file_fd;
  s->file_fd = -1;
  if (s->in_place) {
    if (close(fd) < 0) send_errno(s->id, errno, s->path);
    else send_frame(T_OK, s->id, NULL, 0);
    free_stream(s);
    return;
  }
  if (close(fd) < 0 || rename(s->tmp_path, s->path) < 0) { send_errno(s->id, errno, s->path); free_stream(s); return; }
  free(s->tmp_path);
  s->tmp_path = NULL; /* renamed: nothing to clean up */
  send_frame(T_OK, s->id, NULL, 0);
  free_stream(s);
}

/* ------------------------------------------------------------ small requests */
static void do_resize(uint32_t id, const uint8_t *p, size_t len) {
  char *arg = strndup((const char *)p, len);
  unsigned rows, cols;
  int off = 0;
  if (sscanf(arg, "%u %u %n", &rows, &cols, &off) < 2 || !off || !arg[off]) {
    send_text(T_ERROR, id, "EINVAL Invalid argument: expected '<rows> <cols> <tty path>'");
  } else if (arg[off] == '@') { /* the pty of a host stream (an EXEC with a terminal) */
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    char *end;
    unsigned long target = strtoul(arg + off + 1, &end, 10);
    struct stream *s = *end ? NULL : find_stream((uint32_t)target);
    if (!s || s->kind != K_EXEC || (s->pty_fd < 0 && s->console_sock < 0)) {
      send_text(T_ERROR, id, "ENOTTY Inappropriate ioctl for device: stream %s has no terminal", arg + off + 1);
    } else if (s->pty_fd < 0) { /* the terminal has not come yet: it gets this size when it does */
      s->ws = ws;
      s->ws_pending = 1;
      send_frame(T_OK, id, NULL, 0);
    } else if (ioctl(s->pty_fd, TIOCSWINSZ, &ws) < 0) send_errno(id, errno, "TIOCSWINSZ");
    else send_frame(T_OK, id, NULL, 0);
  } else {
    int fd = open(arg + off, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (fd < 0 || ioctl(fd, TIOCSWINSZ, &ws) < 0) send_errno(id, errno, arg + off);
    else send_frame(T_OK, id, NULL, 0);
    if (fd >= 0) close(fd);
  }
  free(arg);
}

static void do_set_time(uint32_t id, const uint8_t *p, size_t len) {
  char *arg = strndup((const char *)p, len);
  long long sec;
  long nsec = 0;
  if (sscanf(arg, "%lld %ld", &sec, &nsec) < 1 || nsec < 0 || nsec > 999999999) {
    send_text(T_ERROR, id, "EINVAL Invalid argument: expected '<unix seconds> <nanoseconds>'");
  } else {
    struct timespec ts = {.tv_sec = (time_t)sec, .tv_nsec = nsec};
    if (clock_settime(CLOCK_REALTIME, &ts) < 0) send_errno(id, errno, "clock_settime");
    else send_frame(T_OK, id, NULL, 0);
  }
  free(arg);
}

static void send_hello(void) { send_text(T_HELLO, 0, "drydock-agent " PROTOCOL_VERSION); }

static void forget_host_streams(void) {
  /* Kills nothing: children keep running; their exits are reaped and dropped. */
  struct stream *s = streams;
  while (s) {
    struct stream *next = s->next;
    if (!(s->id & 0x80000000u)) free_stream(s);
    s = next;
  }
}

/* ------------------------------------------------------------ docker shim relay (agent side) */
/* The socket carries the same frames as the serial line. The agent only swaps the stream id: the shim's
 * frames go to the host on the id picked here, the host's frames on that id go back to the shim. */
static void setup_shim_socket(void) {
  mkdir(SHIM_SOCKET_DIR, 0755);
  unlink(SHIM_SOCKET);
  struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = SHIM_SOCKET};
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 16) < 0) {
    perror("drydock-agent: " SHIM_SOCKET " (the docker shim will not connect)");
    if (fd >= 0) close(fd);
    return;
  }
  shim_listen = fd;
}

static void accept_shim(void) {
  int fd = accept4(shim_listen, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  uint32_t id;
  do { /* 1..0x7FFFFFFF with the top bit set, skipping ids still in use */
    id = AGENT_STREAM_BIT | next_shim_id;
    next_shim_id = next_shim_id >= 0x7FFFFFFFu ? 1 : next_shim_id + 1;
  } while (find_stream(id));
  struct stream *s = new_stream(id, K_SHIM);
  s->sock = fd;
}

static void shim_hangup(struct stream *s) {
  if (!s->shim_exited) send_frame(T_SHIM_CLOSED, s->id, NULL, 0);
  free_stream(s);
}

/* Host -> shim. Frames for a connection that has gone are dropped (they race with SHIM_CLOSED). */
static void relay_to_shim(struct stream *s, uint8_t type, uint32_t id, const uint8_t *p, size_t len) {
  if (!s || s->kind != K_SHIM) return;
  put_frame(&s->sock_out, type, id, p, len);
  if (type == T_SHIM_EXIT) s->shim_exited = 1;
}

/* Returns 0 when the connection was closed (s is freed). */
static int shim_io(struct stream *s, short revents) {
  if (revents & POLLOUT && s->sock_out.len) {
    ssize_t w = write(s->sock, s->sock_out.p + s->sock_out.off, s->sock_out.len);
    if (w > 0) buf_drop(&s->sock_out, (size_t)w);
    else if (w < 0 && errno != EAGAIN && errno != EINTR) { shim_hangup(s); return 0; }
  }
  if (!(revents & (POLLIN | POLLHUP | POLLERR))) return 1;
  uint8_t data[MAX_PAYLOAD];
  ssize_t r = read(s->sock, data, sizeof data);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
  if (r <= 0) { shim_hangup(s); return 0; }
  buf_put(&s->sock_in, data, (size_t)r);
  uint8_t type, *p;
  uint32_t id, len;
  int got;
  while ((got = peek_frame(&s->sock_in, &type, &id, &p, &len)) == 1) {
    /* A shim may speak only its own part of the protocol: it cannot EXEC or write files through us. */
    if (type != T_ACK && (type < 0x40 || type > 0x4F)) { got = -1; break; }
    send_frame(type, s->id, p, len);
    buf_drop(&s->sock_in, HEADER + len);
  }
  if (got < 0) { shim_hangup(s); return 0; }
  return 1;
}

/* ------------------------------------------------------------ frames in */
static void handle_frame(uint8_t type, uint32_t id, const uint8_t *p, size_t len) {
  struct stream *s = find_stream(id);
  if (id & AGENT_STREAM_BIT) { relay_to_shim(s, type, id, p, len); return; }
  switch (type) {
    case T_HELLO: forget_host_streams(); send_hello(); return;
    case T_PING: send_frame(T_PONG, id, p, len); return;
    case T_EXEC:
      if (s) send_text(T_ERROR, id, "EBUSY Device or resource busy: stream %u is in use", id);
      else do_exec(id, p, len);
      return;
    case T_STDIN: /* frames for a stream that has ended are dropped */
      if (s && s->kind == K_EXEC) queue_stdin(s, p, len);
      return;
    case T_KILL:
      if (s && s->kind == K_EXEC && !s->reaped && kill(-s->pid, atoi((const char *)p)) < 0)
        send_errno(id, errno, "kill");
      return;
    case T_HANGUP: /* dropped for a stream that has ended or has no terminal, like KILL after EXIT */
      if (s && s->kind == K_EXEC && (s->pty_fd >= 0 || s->console_sock >= 0)) hang_up(s);
      return;
    case T_READ_FILE:
      if (s) send_text(T_ERROR, id, "EBUSY Device or resource busy: stream %u is in use", id);
      else do_read_file(id, p, len);
      return;
    case T_LIST_TREE:
      if (s) send_text(T_ERROR, id, "EBUSY Device or resource busy: stream %u is in use", id);
      else do_list_tree(id, p, len);
      return;
    case T_WRITE_FILE:
      if (s) send_text(T_ERROR, id, "EBUSY Device or resource busy: stream %u is in use", id);
      else do_write_file(id, p, len);
      return;
    case T_DATA:
      if (s && s->kind == K_WRITE) write_file_data(s, p, len);
      return;
    case T_END:
      if (s && s->kind == K_WRITE) write_file_end(s);
      return;
    case T_RESIZE: do_resize(id, p, len); return;
    case T_SET_TIME: do_set_time(id, p, len); return;
    default: send_text(T_ERROR, id, "EPROTO unknown frame type 0x%02x", type);
  }
}

/* A header the host could have sent: the magic, a type the host sends, flags 0, a length within the limit. */
static int plausible_header(const uint8_t *h) {
  static const uint8_t host_types[] = {T_HELLO, T_PING, T_EXEC, T_STDIN, T_STDOUT, T_STDERR, T_KILL, T_HANGUP, T_ACK, T_READ_FILE, T_LIST_TREE,
                                       T_DATA, T_END, T_WRITE_FILE, T_RESIZE, T_SET_TIME, T_SHIM_EXIT, T_SHIM_SPAWN, T_SHIM_RAW};
  if (h[0] != MAGIC || h[2] || h[3] || le32(h + 8) > MAX_PAYLOAD) return 0;
  for (size_t i = 0; i < sizeof host_types; i++) if (h[1] == host_types[i]) return 1;
  return 0;
}

static void parse_input(void) {
  /* KILL's payload is parsed with atoi: frames are copied NUL-terminated. */
  static uint8_t frame[MAX_PAYLOAD + 1];
  for (;;) {
    uint8_t *h = in.p + in.off;
    if (resyncing) { /* skip to the next header the host could have sent; the streams in flight are kept */
      size_t i = 0;
      while (i + HEADER <= in.len && !plausible_header(h + i)) i++;
      buf_drop(&in, i);
      if (in.len < HEADER) return;
      resyncing = 0;
      h = in.p + in.off;
    }
    if (in.len < HEADER) return;
    uint32_t len = le32(h + 8);
    if (!plausible_header(h)) {
      send_text(T_ERROR, 0, "EPROTO bad frame header (magic 0x%02x, type 0x%02x, length %u): skipped to the next frame", h[0], h[1], len);
      resyncing = 1;
      buf_drop(&in, 1);
      continue;
    }
    if (in.len < HEADER + len) return;
    memcpy(frame, h + HEADER, len);
    frame[len] = 0;
    uint8_t type = h[1];
    uint32_t id = le32(h + 4);
    buf_drop(&in, HEADER + len);
    handle_frame(type, id, frame, len);
  }
}

/* ------------------------------------------------------------ main loop */
static void on_sigchld(int sig) {
  (void)sig;
  int saved = errno;
  if (write(sigchld_pipe[1], "x", 1) < 0) { /* pipe full: a wakeup is already pending */ }
  errno = saved;
}

/* The line: a virtio serial port (/dev/vportNpM, what init passes) or a serial tty (a UART, a pty in check-shim.py).
 * A virtio serial port takes one open(2) at a time, the kernel's own exclusivity (EBUSY to anyone else, root
 * included); a tty gets raw mode and TIOCEXCL (EBUSY unless the opener has CAP_SYS_ADMIN, which a container's root
 * has not). Either way nothing else can read the host's frames or forge the agent's, whatever /dev it has. */
static void setup_tty(const char *path) {
  tty = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (tty < 0) { perror(path); exit(1); }
  struct termios t;
  if (!isatty(tty)) return;
  if (tcgetattr(tty, &t) == 0) {
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~(tcflag_t)CRTSCTS;
    t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    cfsetspeed(&t, B115200);
    if (tcsetattr(tty, TCSANOW, &t) < 0) perror("tcsetattr");
    tcflush(tty, TCIOFLUSH);
  }
  if (ioctl(tty, TIOCEXCL) < 0) perror("drydock-agent: TIOCEXCL");
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int agent_main(int argc, char **argv) {
  /* The OOM killer spares the agent (init set -1000 already; this holds when started by hand too) */
  int oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (oom >= 0) {
    if (write(oom, "-1000", 5) < 0) perror("drydock-agent: oom_score_adj");
    close(oom);
  }
  setup_tty(argc > 1 ? argv[1] : "/dev/vport2p1");
  if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) < 0) { perror("pipe"); return 1; }
  struct sigaction sa = {.sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGCHLD, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  setup_shim_socket();
  send_hello();

  struct pollfd *pfds = NULL;
  struct stream **owners = NULL;
  size_t cap = 0;
  /* The host closed its end of the line (a virtio port's PORT_OPEN 0, a pty's master gone): poll(2) says POLLHUP, and
   * POLLIN with reads of 0, every time, so the line leaves the poll set and is looked at again after a backoff (10 ms
   * doubling to 1 s) instead of in a spin. Kept open: reopening a virtio port succeeds with or without a host, and its
   * frames queued meanwhile go out when a host is back (one that restarted says HELLO first and drops the rest). */
  int line_down = 0, backoff_ms = 0;
  long long next_probe = 0;
  for (;;) {
    /* children's output is read while its lane has room; the shim's sockets and files while the urgent lane has */
    int room = urgent.len < OUT_HIGH_WATER, output_room = bulk.len < OUT_HIGH_WATER, file_work = 0;
    size_t n = 0, need = 3;
    for (struct stream *s = streams; s; s = s->next) need += 5;
    if (need > cap) {
      cap = need * 2;
      pfds = realloc(pfds, cap * sizeof *pfds);
      owners = realloc(owners, cap * sizeof *owners);
      if (!pfds || !owners) { perror("drydock-agent: out of memory"); return 1; }
    }
    pfds[n] = (struct pollfd){.fd = sigchld_pipe[0], .events = POLLIN};
    owners[n++] = NULL;
    pfds[n] = (struct pollfd){.fd = line_down ? -1 : tty, .events = POLLIN | (urgent.len || bulk.len ? POLLOUT : 0)};
    owners[n++] = NULL;
    pfds[n] = (struct pollfd){.fd = room ? shim_listen : -1, .events = POLLIN};
    owners[n++] = NULL;
    for (struct stream *s = streams; s; s = s->next) {
      if (s->kind == K_READ && room) file_work = 1;
      if (s->kind == K_SHIM) {
        short ev = (short)((room ? POLLIN : 0) | (s->sock_out.len ? POLLOUT : 0));
        if (ev) { pfds[n] = (struct pollfd){.fd = s->sock, .events = ev}; owners[n++] = s; }
        continue;
      }
      if (s->kind != K_EXEC) continue;
      if (output_room && s->out_fd >= 0) { pfds[n] = (struct pollfd){.fd = s->out_fd, .events = POLLIN}; owners[n++] = s; }
      if (output_room && s->err_fd >= 0) { pfds[n] = (struct pollfd){.fd = s->err_fd, .events = POLLIN}; owners[n++] = s; }
      if (output_room && s->pty_fd >= 0) { pfds[n] = (struct pollfd){.fd = s->pty_fd, .events = POLLIN}; owners[n++] = s; }
      if (s->console_sock >= 0) { pfds[n] = (struct pollfd){.fd = s->console_sock, .events = POLLIN}; owners[n++] = s; }
      if (s->in_head && s->in_fd >= 0) { pfds[n] = (struct pollfd){.fd = s->in_fd, .events = POLLOUT}; owners[n++] = s; }
    }
    int timeout = -1;
    if (line_down) timeout = (int)(next_probe > now_ms() ? next_probe - now_ms() : 0);
    if (file_work) timeout = 0;
    if (poll(pfds, n, timeout) < 0) {
      if (errno == EINTR) continue;
      perror("poll");
      return 1;
    }
    if (line_down && now_ms() >= next_probe) {
      struct pollfd probe = {.fd = tty, .events = POLLIN};
      if (poll(&probe, 1, 0) == 1 && (probe.revents & (POLLHUP | POLLERR))) {
        backoff_ms = backoff_ms * 2 > 1000 ? 1000 : backoff_ms * 2;
        next_probe = now_ms() + backoff_ms;
      } else {
        line_down = 0; /* back: polled with the rest from the next round */
      }
    }

    if (pfds[0].revents) {
      char drain[64];
      while (read(sigchld_pipe[0], drain, sizeof drain) > 0) {}
    }
    if (pfds[1].revents & POLLOUT) pump_out();
    if (pfds[1].revents & POLLIN) {
      /* a virtio port gives one guest buffer (a page) per read: take what has arrived, up to a frame's worth */
      static uint8_t data[HEADER + MAX_PAYLOAD];
      size_t got = 0;
      ssize_t r;
      while (got < sizeof data && (r = read(tty, data + got, sizeof data - got)) > 0) got += (size_t)r;
      if (got) { buf_put(&in, data, got); parse_input(); }
    }
    if (pfds[1].revents & (POLLHUP | POLLERR)) {
      line_down = 1;
      backoff_ms = 10;
      next_probe = now_ms() + backoff_ms;
    }
    if (pfds[2].revents & POLLIN) accept_shim();
    /* A stream may have been freed by a frame handled above: look it up again by pointer. */
    for (size_t i = 3; i < n; i++) {
      struct stream *s = owners[i];
      int alive = 0;
      for (struct stream *t = streams; t; t = t->next) if (t == s) { alive = 1; break; }
      if (!alive || !pfds[i].revents) continue;
      if (s->kind == K_SHIM) shim_io(s, pfds[i].revents);
      else if (pfds[i].fd == s->out_fd) drain_output(s, &s->out_fd, T_STDOUT);
      else if (pfds[i].fd == s->err_fd) drain_output(s, &s->err_fd, T_STDERR);
      else if (pfds[i].fd == s->pty_fd) drain_output(s, &s->pty_fd, T_STDOUT); /* EIO once no slave is open: the end */
      else if (pfds[i].fd == s->console_sock) receive_console(s);
      else if (pfds[i].fd == s->in_fd) pump_stdin(s);
    }
    for (struct stream *s = streams, *next; s; s = next) {
      next = s->next;
      if (s->kind == K_EXEC) { if (s->in_head && s->in_fd >= 0) pump_stdin(s); maybe_finish_exec(s); }
      else if (s->kind == K_READ && urgent.len < OUT_HIGH_WATER) pump_read_file(s);
    }
    reap_children();
  }
}

/* ------------------------------------------------------------ the docker shim (client side) */
/* `docker ...` in the guest: sends its request to the agent's socket and does what the engine answers
 * (print, spawn a child on its own stdio, exit). Decides nothing either. */
static int shim_sock = -1;

static void write_all(int fd, const void *p, size_t len) {
  const uint8_t *b = p;
  while (len) {
    ssize_t n = write(fd, b, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return; /* stdout gone (SIGPIPE is default here, so only when it is ignored) */
    b += n;
    len -= (size_t)n;
  }
}

static void shim_send(uint8_t type, const void *p, size_t len) {
  struct buf b = {0};
  put_frame(&b, type, 0, p, len);
  write_all(shim_sock, b.p + b.off, b.len);
  free(b.p);
}

static void add_record(struct buf *b, char kind, const char *value) {
  buf_put(b, &kind, 1);
  buf_put(b, value, strlen(value) + 1);
}

/* SHIM_SPAWN: the child gets our stdin, stdout and stderr (the learner's terminal) and our process group. */
static void shim_spawn(uint8_t *p, size_t len) {
  size_t nargs = 0, nenv = 0;
  for (size_t i = 0; i < len; i += strnlen((char *)p + i, len - i) + 1) {
    if (p[i] == 'a') nargs++;
    if (p[i] == 'e') nenv++;
  }
  char **argv = calloc(nargs + 1, sizeof *argv), **envp = calloc(nenv + 1, sizeof *envp);
  const char *cwd = NULL;
  size_t ai = 0, ei = 0;
  for (size_t i = 0; i < len;) {
    char *r = (char *)p + i;
    size_t n = strnlen(r, len - i);
    if (i + n >= len) break; /* unterminated record: ignored */
    if (r[0] == 'a') argv[ai++] = r + 1;
    else if (r[0] == 'e') envp[ei++] = r + 1;
    else if (r[0] == 'c') cwd = r + 1;
    i += n + 1;
  }
  int status = 127 << 8;
  if (ai) {
    pid_t pid = fork();
    if (pid == 0) {
      if (cwd && chdir(cwd) < 0) { fprintf(stderr, "docker: %s: %s\n", cwd, strerror(errno)); _exit(126); }
      if (ei) environ = envp; /* without e records the child inherits ours */
      execvp(argv[0], argv);
      int err = errno;
      fprintf(stderr, "docker: %s: %s\n", argv[0], strerror(err));
      _exit(err == ENOENT ? 127 : 126);
    }
    if (pid > 0) {
      /* Like system(3): ^C and ^\ on the terminal are the child's business while it runs. */
      struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
      sigemptyset(&ign.sa_mask);
      sigaction(SIGINT, &ign, &old_int);
      sigaction(SIGQUIT, &ign, &old_quit);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
      sigaction(SIGINT, &old_int, NULL);
      sigaction(SIGQUIT, &old_quit, NULL);
    } else {
      fprintf(stderr, "docker: fork: %s\n", strerror(errno));
    }
  }
  char msg[32];
  int n = WIFSIGNALED(status) ? snprintf(msg, sizeof msg, "signal %d", WTERMSIG(status))
                              : snprintf(msg, sizeof msg, "exit %d", WEXITSTATUS(status));
  shim_send(T_SHIM_CHILD_EXIT, msg, (size_t)n);
  free(argv);
  free(envp);
}

/* SHIM_RAW: the terminal as the docker CLI's SetRawTerminal leaves it while attached to a container's pty (moby/term's
 * MakeRaw), which echoes and signals itself; put back as it was by `0`, at exit, and by a signal that ends us. */
static struct termios shim_cooked;
static int shim_is_raw;

static void shim_raw(int on) {
  if (on && !shim_is_raw && isatty(0) && tcgetattr(0, &shim_cooked) == 0) {
    struct termios t = shim_cooked;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag &= ~(tcflag_t)OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(0, TCSADRAIN, &t) == 0) shim_is_raw = 1;
  } else if (!on && shim_is_raw) {
    tcsetattr(0, TCSADRAIN, &shim_cooked);
    shim_is_raw = 0;
  }
}

static void shim_restore_and_die(int sig) {
  shim_raw(0);
  signal(sig, SIG_DFL);
  raise(sig);
}

static int shim_main(int argc, char **argv) {
  signal(SIGTERM, shim_restore_and_die);
  signal(SIGHUP, shim_restore_and_die);
  shim_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = SHIM_SOCKET};
  if (shim_sock < 0 || connect(shim_sock, (struct sockaddr *)&addr, sizeof addr) < 0) {
    fprintf(stderr, "Cannot connect to the Docker daemon at unix://" SHIM_SOCKET ". Is the docker daemon running?\n");
    return 1;
  }

  struct buf req = {0};
  for (int i = 1; i < argc; i++) add_record(&req, 'a', argv[i]);
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd)) add_record(&req, 'c', cwd);
  /* the whole environment: the engine is this `docker`'s CLI, which reads `-e NAME` and an --env-file line with
   * only a name from it, as the docker CLI reads its own */
  for (char **e = environ; *e; e++) add_record(&req, 'e', *e);
  struct winsize ws;
  if (isatty(0) && ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
    char t[32];
    snprintf(t, sizeof t, "%u %u", ws.ws_row, ws.ws_col);
    add_record(&req, 't', t);
  }
  /* A readable stdin: a terminal, a pipe or a file, but not /dev/null (or nothing at all). */
  struct stat st;
  int has_stdin = fstat(0, &st) == 0 && !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
  if (has_stdin) add_record(&req, 'i', "");
  if (req.len > MAX_PAYLOAD) { fprintf(stderr, "docker: argument list too long\n"); return 1; }
  shim_send(T_SHIM_OPEN, req.p + req.off, req.len);
  free(req.p);

  /* We read stdin only on credit (one ACK from the engine = one SHIM_STDIN frame): a command that never
   * reads its stdin leaves the learner's type-ahead to the shell. */
  unsigned credit = 0;
  int stdin_open = has_stdin;
  struct buf in_buf = {0};
  for (;;) {
    struct pollfd pfds[2] = {{.fd = shim_sock, .events = POLLIN}, {.fd = stdin_open && credit ? 0 : -1, .events = POLLIN}};
    if (poll(pfds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      perror("docker: poll");
      return 1;
    }
    if (pfds[1].revents) {
      uint8_t data[4096];
      ssize_t n = read(0, data, sizeof data);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) { stdin_open = 0; n = 0; } /* EOF, or an error we treat as one */
      shim_send(T_SHIM_STDIN, data, (size_t)n);
      credit--;
    }
    if (!pfds[0].revents) continue;
    uint8_t data[MAX_PAYLOAD];
    ssize_t r = read(shim_sock, data, sizeof data);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      shim_raw(0);
      fprintf(stderr, "docker: lost the connection to the Docker daemon\n");
      return 1;
    }
    buf_put(&in_buf, data, (size_t)r);
    uint8_t type, *p;
    uint32_t id, len;
    int got;
    while ((got = peek_frame(&in_buf, &type, &id, &p, &len)) == 1) {
      switch (type) {
        case T_STDOUT: write_all(1, p, len); shim_send(T_ACK, NULL, 0); break;
        case T_STDERR: write_all(2, p, len); shim_send(T_ACK, NULL, 0); break;
        case T_ACK: credit++; break;
        case T_SHIM_SPAWN: shim_spawn(p, len); break;
        case T_SHIM_RAW: shim_raw(len > 0 && p[0] == '1'); break;
        case T_SHIM_EXIT: {
          shim_raw(0);
          char code[16] = {0};
          memcpy(code, p, len < sizeof code - 1 ? len : sizeof code - 1);
          return atoi(code) & 0xff;
        }
        default: break; /* from a newer engine: nothing we know how to do */
      }
      buf_drop(&in_buf, HEADER + len);
    }
    if (got < 0) { shim_raw(0); fprintf(stderr, "docker: bad frame from the agent\n"); return 1; }
  }
}

/* emulator/guest/runtime/drydock-init.c and emulator/guest/network/, linked in */
int drydock_init_main(int argc, char **argv);
int dns_main(int argc, char **argv);
int proxy_main(int argc, char **argv);
int docker_init_main(int argc, char **argv);

int main(int argc, char **argv) {
  const char *name = strrchr(argv[0], '/');
  name = name ? name + 1 : argv[0];
  if (!strcmp(name, "docker")) return shim_main(argc, argv);
  if (!strcmp(name, "drydock-init")) return drydock_init_main(argc, argv);
  if (!strcmp(name, "drydock-dns")) return dns_main(argc, argv);
  if (!strcmp(name, "docker-proxy")) return proxy_main(argc, argv);
  if (!strcmp(name, "docker-init")) return docker_init_main(argc, argv);
  return agent_main(argc, argv);
}
