/* drydock-init: runs the container runtime's steps (emulator/engine/runtime/lower.ts) in one process instead of
 * one process per step. Every step is a line of the bundle's `steps` file and the same line of trace.sh/init.sh
 * in shell; STEPS.md describes the format. It decides nothing: the engine wrote every path, flag and id.
 * Linked into the agent binary (its static libc is then paid once) and called as /sbin/drydock-init. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "net-steps.h"

#define MAX_WORDS 4096

static const char *section = "-";
static int lineno;

static void __attribute__((noreturn)) die_code(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "drydock-init: %s line %d: ", section, lineno);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(code);
}
#define die(...) die_code(1, __VA_ARGS__)

void net_die(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  die("%s", msg);
}

/* ------------------------------------------------------------ words */
static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* NAME=VALUE lines: `$NAME` in a later word is VALUE (the engine's bundle, root and cgroup paths, as init.sh's $R). */
#define MAX_VARS 16
static char *var_names[MAX_VARS], *var_values[MAX_VARS];
static int nvars;

static void define(char *line) {
  char *eq = strchr(line, '=');
  *eq = 0;
  if (nvars == MAX_VARS) die("too many variables");
  var_names[nvars] = line;
  var_values[nvars++] = eq + 1;
}

static int is_var_line(const char *line) {
  const char *p = line;
  while (*p >= 'A' && *p <= 'Z') p++;
  return p > line && *p == '=';
}

/* A word with its variables put in (at most 4096 bytes), in a buffer of its own. */
static char *expand(char *word) {
  if (!strchr(word, '$')) return word;
  char out[4096];
  size_t n = 0;
  for (char *p = word; *p;) {
    if (*p == '$' && p[1] >= 'A' && p[1] <= 'Z') {
      char *end = p + 1;
      while (*end >= 'A' && *end <= 'Z') end++;
      int i = 0;
      while (i < nvars && !(strlen(var_names[i]) == (size_t)(end - p - 1) && strncmp(var_names[i], p + 1, end - p - 1) == 0)) i++;
      if (i == nvars) die("undefined variable in %s", word);
      size_t len = strlen(var_values[i]);
      if (n + len >= sizeof out) die("word too long");
      memcpy(out + n, var_values[i], len);
      n += len;
      p = end;
    } else {
      if (n + 1 >= sizeof out) die("word too long");
      out[n++] = *p++;
    }
  }
  out[n] = 0;
  return strdup(out);
}

/* Splits a line in place on single spaces, puts in $NAME variables, then decodes %XX (so %24 is a literal $); a
 * lone `%` is the empty word. */
static int split(char *line, char **words) {
  int n = 0;
  char *p = line;
  while (*p) {
    while (*p == ' ') p++;
    if (!*p) break;
    if (n == MAX_WORDS) die("too many words");
    char *end = strchr(p, ' ');
    if (end) *end = 0;
    char *start = expand(p), *out = start;
    p = start;
    while (*p && *p != ' ') {
      if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
        *out++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
        p += 3;
      } else if (*p == '%' && (p[1] == ' ' || p[1] == 0) && p == start) {
        p++; /* the empty word */
      } else *out++ = *p++;
    }
    *out = 0;
    words[n++] = start;
    if (!end) break;
    p = end + 1;
  }
  words[n] = NULL; /* exec and run pass the tail on as an argv: no word of a longer line before may follow it */
  return n;
}

/* ------------------------------------------------------------ helpers */
/* Hex (two digits a byte) into a new buffer; *len is the byte count. The engine compiles both programs. */
static uint8_t *unhex(const char *hex, size_t *len, size_t unit, const char *what) {
  size_t n = strlen(hex);
  if (n == 0 || n % (2 * unit)) die("%s: %zu hex digits is not a whole number of %zu-byte instructions", what, n, unit);
  uint8_t *out = malloc(n / 2);
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) die("%s: not hex at %zu", what, 2 * i);
    out[i] = (uint8_t)(hi * 16 + lo);
  }
  *len = n / 2;
  return out;
}

/* A program as the engine gives it: hex in the word, or `@PATH`, a file of the same bytes the engine wrote once
 * per boot (the serial line moves ~50 KB/s: a seccomp program is ~3 KB, its hex twice that, for every container). */
/* docker exec's steps enter the container's mount namespace before its exec step, where the guest's /run is out
 * of sight: the program named there is read first (preload) and kept here */
static char *preloaded_path;
static uint8_t *preloaded;
static size_t preloaded_len;

static uint8_t *program_bytes(const char *word, size_t *len, size_t unit, const char *what) {
  if (word[0] != '@') return unhex(word, len, unit, what);
  if (preloaded_path && strcmp(preloaded_path, word + 1) == 0) {
    *len = preloaded_len;
    return preloaded;
  }
  int fd = open(word + 1, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("%s: %s: %s", what, word + 1, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size == 0 || st.st_size % unit) die("%s: %s is not a whole number of %zu-byte instructions", what, word + 1, unit);
  uint8_t *out = malloc((size_t)st.st_size);
  ssize_t n = read(fd, out, (size_t)st.st_size);
  if (n != st.st_size) die("%s: reading %s: %s", what, word + 1, n < 0 ? strerror(errno) : "short read");
  close(fd);
  *len = (size_t)st.st_size;
  return out;
}

static int mkdir_p(const char *path, mode_t mode) {
  char buf[4096];
  if (strlen(path) >= sizeof buf) return errno = ENAMETOOLONG, -1;
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
  struct stat st;
  if (stat(buf, &st) < 0) return -1;
  if (!S_ISDIR(st.st_mode)) return errno = ENOTDIR, -1;
  return 0;
}

static void write_text(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("write %s: %s", path, strerror(errno));
  size_t len = strlen(text);
  char *line = malloc(len + 2);
  memcpy(line, text, len);
  line[len] = '\n'; /* what echo writes */
  ssize_t w = write(fd, line, len + 1);
  if (w != (ssize_t)len + 1) die("write %s: %s", path, w < 0 ? strerror(errno) : "short write");
  free(line);
  close(fd);
}

static int is_mounted(const char *path) {
  FILE *f = fopen("/proc/mounts", "re");
  if (!f) return 0;
  char dev[4096], dir[4096];
  int found = 0;
  while (fscanf(f, "%4095s %4095s %*[^\n]", dev, dir) == 2)
    if (strcmp(dir, path) == 0) found = 1;
  fclose(f);
  return found;
}

static int test(const char *t, const char *path) {
  struct stat st;
  int neg = t[0] == '!';
  const char *k = t + neg;
  int r;
  if (strcmp(k, "mounted") == 0) r = is_mounted(path);
  else if (strcmp(k, "-L") == 0) r = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
  else if (stat(path, &st) < 0) r = 0;
  else if (strcmp(k, "-e") == 0) r = 1;
  else if (strcmp(k, "-d") == 0) r = S_ISDIR(st.st_mode);
  else if (strcmp(k, "-f") == 0) r = S_ISREG(st.st_mode);
  else die("unknown test %s", t);
  return neg ? !r : r;
}

/* mount(8)'s -o words that are flags; the rest is data for the file system. */
static const struct { const char *name; unsigned long set, clear; } FLAGS[] = {
  {"ro", MS_RDONLY, 0}, {"rw", 0, MS_RDONLY}, {"nosuid", MS_NOSUID, 0}, {"suid", 0, MS_NOSUID},
  {"nodev", MS_NODEV, 0}, {"dev", 0, MS_NODEV}, {"noexec", MS_NOEXEC, 0}, {"exec", 0, MS_NOEXEC},
  {"sync", MS_SYNCHRONOUS, 0}, {"async", 0, MS_SYNCHRONOUS}, {"dirsync", MS_DIRSYNC, 0},
  {"remount", MS_REMOUNT, 0}, {"bind", MS_BIND, 0}, {"rbind", MS_BIND | MS_REC, 0}, {"move", MS_MOVE, 0},
  {"noatime", MS_NOATIME, 0}, {"atime", 0, MS_NOATIME}, {"nodiratime", MS_NODIRATIME, 0},
  {"diratime", 0, MS_NODIRATIME}, {"relatime", MS_RELATIME, 0}, {"norelatime", 0, MS_RELATIME},
  {"strictatime", MS_STRICTATIME, 0}, {"mand", MS_MANDLOCK, 0}, {"nomand", 0, MS_MANDLOCK},
  {"defaults", 0, 0},
};
static const struct { const char *name; unsigned long flag; } PROPAGATION[] = {
  {"private", MS_PRIVATE}, {"rprivate", MS_PRIVATE | MS_REC}, {"shared", MS_SHARED}, {"rshared", MS_SHARED | MS_REC},
  {"slave", MS_SLAVE}, {"rslave", MS_SLAVE | MS_REC}, {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static void do_mount(const char *source, const char *target, const char *type, const char *options) {
  unsigned long flags = 0, propagation = 0;
  char data[4096] = "", opts[4096];
  snprintf(opts, sizeof opts, "%s", options);
  for (char *save, *w = strtok_r(opts, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
    int known = 0;
    for (size_t i = 0; i < sizeof FLAGS / sizeof *FLAGS; i++)
      if (strcmp(w, FLAGS[i].name) == 0) flags = (flags | FLAGS[i].set) & ~FLAGS[i].clear, known = 1;
    for (size_t i = 0; i < sizeof PROPAGATION / sizeof *PROPAGATION; i++)
      if (strcmp(w, PROPAGATION[i].name) == 0) propagation |= PROPAGATION[i].flag, known = 1;
    if (!known) {
      if (*data) strncat(data, ",", sizeof data - strlen(data) - 1);
      strncat(data, w, sizeof data - strlen(data) - 1);
    }
  }
  const char *fstype = strcmp(type, "none") == 0 ? NULL : type;
  if (flags || !propagation) {
    if (mount(source, target, fstype, flags, *data ? data : NULL) < 0)
      die("mount %s on %s (%s, %s): %s", source, target, type, options, strerror(errno));
  }
  /* the kernel takes a propagation change alone, in a call of its own (as mount(8) does it) */
  if (propagation && mount(NULL, target, NULL, propagation, NULL) < 0)
    die("mount --make-%s %s: %s", options, target, strerror(errno));
}

static void make_mountpoint(const char *source, const char *target) {
  struct stat st;
  if (stat(source, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (mkdir_p(target, 0755) < 0) die("mkdir %s: %s", target, strerror(errno));
    return;
  }
  char parent[4096];
  snprintf(parent, sizeof parent, "%s", target);
  char *slash = strrchr(parent, '/');
  if (slash && slash != parent) {
    *slash = 0;
    if (mkdir_p(parent, 0755) < 0) die("mkdir %s: %s", parent, strerror(errno));
  }
  int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) die("create %s: %s", target, strerror(errno));
  close(fd);
}

/* cp -a of a flat directory of device nodes and symlinks (the /dev skeleton) */
static void copy_nodes(const char *from, const char *to) {
  DIR *d = opendir(from);
  if (!d) die("copy %s: %s", from, strerror(errno));
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char src[4096], dst[4096];
    snprintf(src, sizeof src, "%s/%s", from, e->d_name);
    snprintf(dst, sizeof dst, "%s/%s", to, e->d_name);
    struct stat st;
    if (lstat(src, &st) < 0) die("copy %s: %s", src, strerror(errno));
    if (S_ISLNK(st.st_mode)) {
      char link[4096];
      ssize_t n = readlink(src, link, sizeof link - 1);
      if (n < 0) die("readlink %s: %s", src, strerror(errno));
      link[n] = 0;
      if (symlink(link, dst) < 0) die("symlink %s: %s", dst, strerror(errno));
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
      if (mknod(dst, st.st_mode, st.st_rdev) < 0) die("mknod %s: %s", dst, strerror(errno));
      if (chmod(dst, st.st_mode & 07777) < 0) die("chmod %s: %s", dst, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
      if (mkdir(dst, st.st_mode & 07777) < 0 && errno != EEXIST) die("mkdir %s: %s", dst, strerror(errno));
      copy_nodes(src, dst);
    } else die("copy %s: only device nodes, links and directories are copied", src);
    if (lchown(dst, st.st_uid, st.st_gid) < 0) die("chown %s: %s", dst, strerror(errno));
  }
  closedir(d);
}

static int remove_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) < 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(st.st_mode)) return unlink(path);
  DIR *d = opendir(path);
  if (!d) return -1;
  struct dirent *e;
  int r = 0;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
    if (remove_tree(sub) < 0) r = -1;
  }
  closedir(d);
  return r < 0 ? r : rmdir(path);
}

static void wait_empty(const char *cgroup) {
  char path[4096];
  snprintf(path, sizeof path, "%s/cgroup.events", cgroup);
  for (;;) {
    FILE *f = fopen(path, "re");
    if (!f) return; /* the cgroup is gone: nothing left to wait for */
    char key[64];
    int value = 0, populated = 0;
    while (fscanf(f, "%63s %d", key, &value) == 2)
      if (strcmp(key, "populated") == 0) populated = value;
    fclose(f);
    if (!populated) return;
    nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
  }
}

static const struct { const char *name; int flag; const char *proc; } NAMESPACES[] = {
  {"mount", CLONE_NEWNS, "mnt"}, {"uts", CLONE_NEWUTS, "uts"}, {"ipc", CLONE_NEWIPC, "ipc"},
  {"net", CLONE_NEWNET, "net"}, {"pid", CLONE_NEWPID, "pid"}, {"cgroup", CLONE_NEWCGROUP, "cgroup"},
  {"user", CLONE_NEWUSER, "user"},
};

static void do_unshare(char **names, int n) {
  int flags = 0;
  for (int i = 0; i < n; i++) {
    size_t k = 0;
    while (k < sizeof NAMESPACES / sizeof *NAMESPACES && strcmp(names[i], NAMESPACES[k].name) != 0) k++;
    if (k == sizeof NAMESPACES / sizeof *NAMESPACES) die("unknown namespace %s", names[i]);
    flags |= NAMESPACES[k].flag;
  }
  if (unshare(flags) < 0) die("unshare: %s", strerror(errno));
  /* unshare(1)'s default --propagation private: nothing mounted here shows up in the guest's namespace */
  if ((flags & CLONE_NEWNS) && mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    die("make / private: %s", strerror(errno));
}

/* nsenter -t PID --all --root=/ minus the root: enter PID's namespaces; the working directory becomes PID's root */
static void do_setns(const char *pid, char **names, int n) {
  char path[256];
  snprintf(path, sizeof path, "/proc/%s/root", pid);
  int root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) die("open %s: %s", path, strerror(errno));
  int fds[8], flags[8];
  for (int i = 0; i < n && i < 8; i++) {
    size_t k = 0;
    while (k < sizeof NAMESPACES / sizeof *NAMESPACES && strcmp(names[i], NAMESPACES[k].name) != 0) k++;
    if (k == sizeof NAMESPACES / sizeof *NAMESPACES) die("unknown namespace %s", names[i]);
    snprintf(path, sizeof path, "/proc/%s/ns/%s", pid, NAMESPACES[k].proc);
    if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) die("open %s: %s", path, strerror(errno));
    flags[i] = NAMESPACES[k].flag;
  }
  /* all opened before any is entered: the mount namespace changes what /proc/PID means */
  for (int i = 0; i < n && i < 8; i++) {
    if (setns(fds[i], flags[i]) < 0) die("setns %s: %s", names[i], strerror(errno));
    close(fds[i]);
  }
  if (fchdir(root) < 0) die("fchdir to the root of %s: %s", pid, strerror(errno));
  close(root);
}

/* The console socket (runc's --console-socket, handed down as runc hands it to `runc init` in _LIBCONTAINER_CONSOLE):
 * the agent's end of a socketpair, given as an inherited fd named by DRYDOCK_CONSOLE when the host asked the agent
 * for a terminal (EXEC's `t` record). -1 otherwise. */
static int console_socket = -1;

static void close_console_socket(void) {
  if (console_socket >= 0) close(console_socket);
  console_socket = -1;
}

/* The master goes to the agent with SCM_RIGHTS (one byte of data: a stream socket carries no empty message). */
static void send_fd(int sock, int fd) {
  char byte = 0;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  if (n < 0) die("console: sending the pty master to the agent: %s", strerror(errno));
}

/*
 * process.terminal, as runc's setupConsole after pivot_root: a pty pair from the container's own devpts (its /dev/ptmx
 * is pts/ptmx of the newinstance mount, so the slave is /dev/pts/0 there and `tty` says so), the master handed to
 * the agent over the console socket, then a new session whose controlling terminal is the slave, and the slave as
 * stdin, stdout and stderr. The master is opened here, inside the container, because only a process that sees the
 * container's /dev/pts can allocate from it; the agent cannot open it from outside before this process has mounted
 * it, and a pty from the guest's own devpts would say /dev/pts/N of the guest. Owned by the process's uid, as runc's
 * fixStdioPermissions leaves it. Without a console socket (the docker shim's `-it`, whose stdio is the learner's
 * terminal already, or a replay by hand) the process keeps its stdio.
 */
static void setup_console(long uid) {
  if (console_socket < 0) return;
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) die("console: open /dev/ptmx: %s", strerror(errno));
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) die("console: unlock the pty: %s", strerror(errno));
  /* the peer by the master's own mount (TIOCGPTPEER): no path lookup a container's /dev could redirect */
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) die("console: open the pty's slave: %s", strerror(errno));
  send_fd(console_socket, master);
  close(master);
  close_console_socket();
  if (setsid() < 0) die("console: setsid: %s", strerror(errno));
  if (ioctl(slave, TIOCSCTTY, 0) < 0) die("console: TIOCSCTTY: %s", strerror(errno));
  if (uid != 0 && fchown(slave, (uid_t)uid, (gid_t)-1) < 0) die("console: chown the pty to %ld: %s", uid, strerror(errno));
  for (int fd = 0; fd <= 2; fd++)
    if (dup2(slave, fd) < 0) die("console: dup2: %s", strerror(errno));
  if (slave > 2) close(slave);
}

/* The rest of the steps run in a child (PID 1 of a new PID namespace); this process waits and exits as it did. */
static void do_fork(const char *pidfile) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
  fflush(NULL);
  pid_t child = fork();
  if (child < 0) die("fork: %s", strerror(errno));
  if (child == 0) {
    close(ready[0]);
    return; /* ready[1] closes when the child execs (or dies) */
  }
  close(ready[1]);
  close_console_socket(); /* only the child's exec step sends on it: its end alone tells the agent when it has */
  /* stay out of the way of the terminal's signals: the container's process decides about ^C */
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  if (pidfile && *pidfile) {
    char c;
    while (read(ready[0], &c, 1) < 0 && errno == EINTR) {}
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", pidfile);
    FILE *f = fopen(tmp, "we");
    if (f) {
      fprintf(f, "%d\n", (int)child);
      fclose(f);
      rename(tmp, pidfile);
    }
  }
  close(ready[0]);
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) die("waitpid: %s", strerror(errno));
  exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
}

static const char *CAPS[] = {
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
  "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
#define NCAPS ((int)(sizeof CAPS / sizeof *CAPS))

static const char *value(const char *word, const char *key) {
  size_t n = strlen(key);
  return strncmp(word, key, n) == 0 && word[n] == '=' ? word + n + 1 : NULL;
}

/*
 * runc's order: chroot, cwd, groups and gid, the bounding set, no_new_privs, uid, exec. The bounding set only
 * limits what the next exec grants, so chroot and setuid still work with CAP_SYS_CHROOT or CAP_SETUID dropped.
 */
static void do_exec(char **w, int n) {
  const char *root = NULL, *cwd = "/";
  long uid = 0, gid = 0;
  int nnp = 0, keep[NCAPS] = {0}, i = 0;
  const char *seccomp = NULL, *oom = NULL;
  int mkcwd = 0, console = 0;
  gid_t groups[256];
  int ngroups = 0;
  clearenv();
  for (; i < n && strcmp(w[i], "--") != 0; i++) {
    const char *v;
    if ((v = value(w[i], "root"))) root = v;
    else if ((v = value(w[i], "cwd"))) cwd = v;
    else if ((v = value(w[i], "uid"))) uid = strtol(v, NULL, 10);
    else if ((v = value(w[i], "gid"))) gid = strtol(v, NULL, 10);
    else if ((v = value(w[i], "env"))) {
      if (putenv((char *)v) < 0) die("env %s: %s", v, strerror(errno));
    } else if ((v = value(w[i], "groups"))) {
      for (const char *p = v; *p && ngroups < 256; p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p))
        groups[ngroups++] = (gid_t)strtol(p, NULL, 10);
    } else if ((v = value(w[i], "caps"))) {
      char list[4096];
      snprintf(list, sizeof list, "%s", v);
      for (char *save, *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        int k = 0;
        while (k < NCAPS && strcmp(CAPS[k], c) != 0) k++;
        if (k == NCAPS) die("unknown capability %s", c);
        keep[k] = 1;
      }
    } else if ((v = value(w[i], "seccomp"))) seccomp = v;
    else if ((v = value(w[i], "oom"))) oom = v;
    else if (strcmp(w[i], "nnp") == 0) nnp = 1;
    else if (strcmp(w[i], "mkcwd") == 0) mkcwd = 1;
    else if (strcmp(w[i], "console") == 0) console = 1;
    else die("exec: unknown word %s", w[i]);
  }
  if (i + 1 >= n) die("exec: no command after --");
  char **argv = w + i + 1;
  /* process.oomScoreAdj: the agent and init run at -1000 (the OOM killer spares them) and children inherit it */
  if (oom) write_text("/proc/self/oom_score_adj", oom);
  struct sock_fprog filter = {0};
  if (seccomp) {
    size_t len;
    filter.filter = (struct sock_filter *)program_bytes(seccomp, &len, sizeof(struct sock_filter), "seccomp");
    filter.len = (unsigned short)(len / sizeof(struct sock_filter));
  }
  if (root && chroot(root) < 0) die("chroot %s: %s", root, strerror(errno));
  /* dockerd's SetupWorkingDirectory for a container's process: the working directory is made (0755, root's), inside
   * the new root, so a symlink on the way resolves in the container's tree, never the guest's */
  if (mkcwd && mkdir_p(cwd, 0755) < 0) die("Cannot mkdir: %s: %s", cwd, strerror(errno));
  if (chdir(cwd) < 0) die("chdir to %s: %s", cwd, strerror(errno));
  /* inside the new root, still root: the container's /dev/ptmx, and the pty chowned to the process's uid */
  if (console) setup_console(uid);
  close_console_socket();
  if (setgroups(ngroups, groups) < 0) die("setgroups: %s", strerror(errno));
  if (setresgid(gid, gid, gid) < 0) die("setgid %ld: %s", gid, strerror(errno));
  for (int k = 0; k <= 63; k++) {
    if (k < NCAPS && keep[k]) continue;
    if (prctl(PR_CAPBSET_DROP, k, 0, 0, 0) < 0 && errno != EINVAL) die("drop %s: %s", k < NCAPS ? CAPS[k] : "capability", strerror(errno));
  }
  if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("no_new_privs: %s", strerror(errno));
  /* The seccomp filter last but setuid (runc loads it right before exec): still root, CAP_SYS_ADMIN is in the
   * effective set whatever the bounding set says, so no_new_privs is not needed. setresuid, sigaction,
   * sigprocmask and execve below go through the filter: the profile allows them. */
  if (seccomp && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter, 0, 0) < 0) die("load the seccomp filter: %s", strerror(errno));
  if (setresuid(uid, uid, uid) < 0) die("setuid %ld: %s", uid, strerror(errno));
  /* A fresh process, as runc starts it: the agent runs in the background of /init, which ignores SIGINT and
   * SIGQUIT there, and exec keeps an ignored signal ignored (a container's PID 1 would never see ^C or docker kill -s INT) */
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL); /* glibc's own 32 and 33 say EINVAL */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execvp(argv[0], argv);
  /* Docker's codes: 127 not found, 126 found but not runnable (the engine checked args[0] before) */
  int err = errno;
  die_code(err == ENOENT ? 127 : 126, "exec %s: %s", argv[0], strerror(err));
}

static void ifup(const char *name) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) die("socket: %s", strerror(errno));
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) die("%s: %s", name, strerror(errno));
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) die("ip link set %s up: %s", name, strerror(errno));
  close(s);
}


/* ------------------------------------------------------------ containment (devices, seccomp, read-only trees) */
/* cgroup v2 has no devices.allow file: what a cgroup's processes may open or mknod is an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to it (what runc and crun load). The engine wrote the program. */
static void cgroup_devices(const char *cgroup, const char *hex) {
  size_t len;
  struct bpf_insn *insns = (struct bpf_insn *)program_bytes(hex, &len, sizeof(struct bpf_insn), "cgroup-devices");
  static char log[65536];
  union bpf_attr load;
  memset(&load, 0, sizeof load);
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = (uintptr_t)insns;
  load.insn_cnt = (uint32_t)(len / sizeof *insns);
  load.license = (uintptr_t) "GPL";
  int prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
  if (prog < 0) { /* again with the verifier's log, to say why */
    int err = errno;
    load.log_buf = (uintptr_t)log;
    load.log_size = sizeof log;
    load.log_level = 1;
    if (syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load) < 0 && errno == err) die("load the device program: %s\n%s", strerror(err), log);
    die("load the device program: %s", strerror(err));
  }
  int cg = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) die("open %s: %s", cgroup, strerror(errno));
  union bpf_attr attach;
  memset(&attach, 0, sizeof attach);
  attach.target_fd = (uint32_t)cg;
  attach.attach_bpf_fd = (uint32_t)prog;
  attach.attach_type = BPF_CGROUP_DEVICE;
  /* flags 0: the cgroup's one program; nothing below it can attach another (runc's ALLOW_MULTI is for its updates) */
  if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) < 0) die("attach the device program to %s: %s", cgroup, strerror(errno));
  close(cg);
  close(prog); /* the attachment keeps the program */
  free(insns);
}

/* mount_setattr(2) with AT_RECURSIVE: every mount below PATH read-only, as Docker 25+ makes `-v x:y:ro` (rro) */
static void readonly_tree(const char *path) {
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
  if (mount_setattr(AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr) < 0) die("mount_setattr %s read-only, recursively: %s", path, strerror(errno));
}

/* ------------------------------------------------------------ steps */
#define NEED(k) do { if (n < (k)) die("%s needs %d words", w[0], (k) - 1); } while (0)

static void run_step(char **w, int n) {
  if (n >= 3 && strcmp(w[0], "?") == 0) {
    if (!test(w[1], w[2])) return;
    w += 3, n -= 3;
  }
  if (n >= 3 && strcmp(w[0], "@") == 0) { /* the step runs in the network namespace at this path */
    int here = net_enter_for_step(w[1]);
    run_step(w + 2, n - 2);
    net_leave_after_step(here);
    return;
  }
  if (n == 0) return;
  const char *op = w[0];
  if (strcmp(op, "mkdir") == 0) {
    for (int i = 1; i < n; i++) if (mkdir_p(w[i], 0755) < 0) die("mkdir %s: %s", w[i], strerror(errno));
  } else if (strcmp(op, "write") == 0) {
    NEED(3);
    write_text(w[1], w[2]);
  } else if (strcmp(op, "join-cgroup") == 0) {
    NEED(2);
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    write_text(w[1], pid);
  } else if (strcmp(op, "mknod") == 0) {
    NEED(6); /* PATH MODE c MAJOR MINOR */
    mode_t mode = (mode_t)strtol(w[2], NULL, 8);
    mode_t type = strcmp(w[3], "b") == 0 ? S_IFBLK : S_IFCHR;
    if (mknod(w[1], type | mode, makedev(strtol(w[4], NULL, 10), strtol(w[5], NULL, 10))) < 0) die("mknod %s: %s", w[1], strerror(errno));
    if (chmod(w[1], mode) < 0) die("chmod %s: %s", w[1], strerror(errno)); /* no umask, as mknod -m */
  } else if (strcmp(op, "symlink") == 0) {
    NEED(3);
    if (symlink(w[1], w[2]) < 0) die("symlink %s: %s", w[2], strerror(errno));
  } else if (strcmp(op, "mount") == 0) {
    NEED(5);
    do_mount(w[1], w[2], w[3], w[4]);
  } else if (strcmp(op, "mountpoint") == 0) {
    NEED(3);
    make_mountpoint(w[1], w[2]);
  } else if (strcmp(op, "copy") == 0) {
    NEED(3);
    copy_nodes(w[1], w[2]);
  } else if (strcmp(op, "umount") == 0) {
    NEED(2);
    /* detached, as Docker's overlay2 driver unmounts: a process still inside (a shell cd'ed there) cannot keep the
     * container from being removed; the kernel frees the mount when the last user goes */
    if (umount2(w[1], MNT_DETACH) < 0) die("umount %s: %s", w[1], strerror(errno));
  } else if (strcmp(op, "rmdir") == 0) {
    NEED(2);
    if (rmdir(w[1]) < 0) die("rmdir %s: %s", w[1], strerror(errno));
  } else if (strcmp(op, "rm") == 0) {
    for (int i = 1; i < n; i++) if (remove_tree(w[i]) < 0) die("rm -rf %s: %s", w[i], strerror(errno));
  } else if (strcmp(op, "wait-empty") == 0) {
    NEED(2);
    wait_empty(w[1]);
  } else if (strcmp(op, "cd") == 0) {
    NEED(2);
    if (chdir(w[1]) < 0) die("cd %s: %s", w[1], strerror(errno));
  } else if (strcmp(op, "unshare") == 0) {
    do_unshare(w + 1, n - 1);
  } else if (strcmp(op, "setns") == 0) {
    NEED(3);
    do_setns(w[1], w + 2, n - 2);
  } else if (strcmp(op, "fork") == 0) {
    do_fork(n > 1 ? w[1] : NULL);
  } else if (strcmp(op, "cgroup-devices") == 0) {
    NEED(3);
    cgroup_devices(w[1], w[2]);
  } else if (strcmp(op, "need") == 0) {
    /* files the engine writes once per boot (programs referred to as @PATH): exit 3 names the first one missing,
     * before any other step has run, so the engine can write them and run the section again */
    for (int i = 1; i < n; i++)
      if (access(w[i], R_OK) < 0) die_code(3, "need %s: %s", w[i], strerror(errno));
  } else if (strcmp(op, "readonly-tree") == 0) {
    NEED(2);
    readonly_tree(w[1]);
  } else if (strcmp(op, "ifup") == 0) {
    NEED(2);
    ifup(w[1]);
  } else if (strcmp(op, "bridge-add") == 0) {
    NEED(2);
    net_bridge_add(w[1], n > 2 ? w[2] : NULL);
  } else if (strcmp(op, "veth-add") == 0) {
    NEED(4);
    net_veth_add(w[1], w[2], w[3]);
  } else if (strcmp(op, "link-set") == 0) {
    NEED(2);
    net_link_set(w[1], w + 2, n - 2);
  } else if (strcmp(op, "link-del") == 0) {
    NEED(2);
    net_link_del(w[1]);
  } else if (strcmp(op, "addr-add") == 0) {
    NEED(3);
    net_addr_add(w[1], w[2]);
  } else if (strcmp(op, "route-default") == 0) {
    NEED(3);
    net_route_default(w[1], w[2]);
  } else if (strcmp(op, "netns") == 0) {
    NEED(2);
    net_enter(w[1]);
  } else if (strcmp(op, "conntrack-flush") == 0) {
    for (int i = 1; i < n; i++) net_conntrack_flush(w[i]);
  } else if (strcmp(op, "dns") == 0) {
    NEED(2);
    net_dns(w[1], n > 2 ? w[2] : NULL);
  } else if (strcmp(op, "spawn") == 0) {
    net_spawn(w + 1, n - 1);
  } else if (strcmp(op, "run") == 0) {
    net_run(w + 1, n - 1);
  } else if (strcmp(op, "stop") == 0) {
    NEED(3);
    net_stop(w[1], w[2]);
  } else if (strcmp(op, "exec") == 0) {
    do_exec(w + 1, n - 1);
  } else die("unknown step %s", op);
}

static char *read_all(const char *path) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
  if (!f) {
    fprintf(stderr, "drydock-init: %s: %s\n", path, strerror(errno));
    exit(1);
  }
  size_t cap = 1 << 14, len = 0, r;
  char *text = malloc(cap);
  while ((r = fread(text + len, 1, cap - len - 1, f)) > 0) {
    len += r;
    if (len + 1 == cap) text = realloc(text, cap *= 2);
  }
  text[len] = 0;
  if (f != stdin) fclose(f);
  return text;
}

static int wanted(const char *name, const char *list) {
  size_t n = strlen(name);
  for (const char *p = list; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0) return 1;
    p += len + (end ? 1 : 0);
  }
  return 0;
}

static char *words[MAX_WORDS + 1];

int drydock_init_main(int argc, char **argv) {
  umask(022);
  const char *console = getenv("DRYDOCK_CONSOLE");
  if (console) {
    char *end;
    long fd = strtol(console, &end, 10);
    if (*end || fd < 3 || fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0) {
      fprintf(stderr, "drydock-init: DRYDOCK_CONSOLE=%s is not an open descriptor\n", console);
      return 1;
    }
    console_socket = (int)fd;
    unsetenv("DRYDOCK_CONSOLE"); /* not for the container's process (the exec step clears the environment anyway) */
  }
  if (argc >= 3 && strcmp(argv[1], "-c") == 0) { /* steps as arguments, one line each (docker exec) */
    for (int i = 2; i < argc; i++) {
      const char *at = strstr(argv[i], " seccomp=@");
      if (strncmp(argv[i], "exec ", 5) != 0 || !at) continue;
      at += strlen(" seccomp=@");
      char word[4096];
      snprintf(word, sizeof word, "@%.*s", (int)strcspn(at, " "), at);
      preloaded = program_bytes(word, &preloaded_len, sizeof(struct sock_filter), "seccomp");
      preloaded_path = strdup(word + 1);
    }
    for (int i = 2; i < argc; i++) {
      lineno = i - 1;
      run_step(words, split(argv[i], words));
    }
    return 0;
  }
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: drydock-init SECTION[,SECTION...] STEPS-FILE|- [SAVE-TO]\n       drydock-init -c STEP...\n");
    return 2;
  }
  char *text = read_all(argv[2]);
  /* SAVE-TO: the steps read from stdin are also the bundle's steps file, written once the sections have run
   * (create makes the bundle): one agent round trip instead of two */
  char *copy = argc == 4 ? strdup(text) : NULL;
  int in = 0;
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    lineno++;
    if (line[0] == '#' || line[0] == 0) continue;
    if (is_var_line(line)) {
      define(line);
      continue;
    }
    if (line[0] == '[') {
      char *end = strchr(line, ']');
      if (end) *end = 0;
      section = line + 1;
      in = wanted(section, argv[1]);
      continue;
    }
    if (in) run_step(words, split(line, words));
  }
  if (copy) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[3]);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = strlen(copy);
    if (fd < 0 || write(fd, copy, len) != (ssize_t)len || close(fd) < 0 || rename(tmp, argv[3]) < 0) {
      fprintf(stderr, "drydock-init: saving the steps as %s: %s\n", argv[3], strerror(errno));
      return 1;
    }
  }
  return 0;
}
