/*
 * docker-init: the container's PID 1 for `docker run --init`, doing the job Docker gives tini. The agent binary
 * called as `docker-init -- CMD [ARG...]` (the engine binds it read-only at /dev/init/docker-init).
 *
 * Why not a shell script: a POSIX shell starts a background command with SIGINT and SIGQUIT ignored, and an
 * ignored signal survives exec, so `docker kill -s INT` (or ^C on `-it`) never reached the command.
 *
 * The parent blocks the signals it forwards and takes them with sigwaitinfo, so a signal can never arrive between
 * a check and a wait. The child gets the signal mask and dispositions it would have had as PID 1 itself, its own
 * process group, and the terminal's foreground when there is one (tini's isolate_child), so ^C on the terminal
 * goes to it directly. Every child that ends is reaped; the exit status is the command's (128+n for signal n).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* synchronous faults stay with whoever caused them; TTIN/TTOU only matter for a background process group */
static int forwarded(int sig) {
  switch (sig) {
    case SIGFPE: case SIGILL: case SIGSEGV: case SIGBUS: case SIGABRT: case SIGTRAP: case SIGSYS:
    case SIGTTIN: case SIGTTOU: case SIGKILL: case SIGSTOP:
      return 0;
    default:
      return 1;
  }
}

int docker_init_main(int argc, char **argv) {
  int first = 1;
  if (argc > 1 && !strcmp(argv[1], "--")) first = 2;
  if (first >= argc) {
    fprintf(stderr, "docker-init: usage: docker-init -- COMMAND [ARG...]\n");
    return 1;
  }

  sigset_t all, before;
  sigemptyset(&all);
  /* an ignored signal is discarded even while blocked: start from the default actions a PID 1 gets from runc, for
     us and so for the child (a shell that started us in the background would have left INT and QUIT ignored) */
  struct sigaction dfl = { .sa_handler = SIG_DFL };
  for (int sig = 1; sig < NSIG; sig++) {
    if (!forwarded(sig)) continue;
    sigaddset(&all, sig);
    sigaction(sig, &dfl, NULL);
  }
  sigprocmask(SIG_BLOCK, &all, &before);
  /* the parent may be in the background of a terminal after handing the foreground to the child */
  struct sigaction ignore = { .sa_handler = SIG_IGN }, old_ttin, old_ttou;
  sigaction(SIGTTIN, &ignore, &old_ttin);
  sigaction(SIGTTOU, &ignore, &old_ttou);

  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "docker-init: fork: %s\n", strerror(errno));
    return 1;
  }
  if (child == 0) {
    setpgid(0, 0);
    /* still ignoring TTOU, inherited: from a background group tcsetpgrp would otherwise stop us */
    if (isatty(STDIN_FILENO)) tcsetpgrp(STDIN_FILENO, getpgrp());
    sigaction(SIGTTIN, &old_ttin, NULL);
    sigaction(SIGTTOU, &old_ttou, NULL);
    sigprocmask(SIG_SETMASK, &before, NULL);
    execvp(argv[first], argv + first);
    int err = errno;
    fprintf(stderr, "docker-init: exec %s: %s\n", argv[first], strerror(err));
    _exit(err == ENOENT ? 127 : 126);
  }
  setpgid(child, child); /* either side may run first: both ask, the later call is a no-op */

  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) continue; /* EINTR */
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid != child) continue; /* an orphan reparented to us: reaped, nothing else to do */
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
  }
}
