#!/usr/bin/env python3
"""Native check of the docker shim relay (build.sh runs it): the agent on a pty, `docker` on its socket, this
script playing the host. Run as root inside `unshare -m` (it mounts a private tmpfs on /run)."""
import os
import pty
import select
import socket
import struct
import subprocess
import sys
import time
import tty

agent_bin = sys.argv[1]
work = sys.argv[2]
docker = os.path.join(work, "docker")
if os.path.lexists(docker):
    os.unlink(docker)
os.symlink(os.path.abspath(agent_bin), docker)
subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run"], check=True)

HELLO, STDOUT, STDERR, ACK = 0x01, 0x13, 0x14, 0x17
OPEN, SSTDIN, SEXIT, SPAWN, CHILD_EXIT, CLOSED = 0x40, 0x41, 0x42, 0x43, 0x44, 0x45
TOP = 0x80000000


def fail(msg):
    print(f"check-shim: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def frame(t, sid, payload=b""):
    return struct.pack("<BBHII", 0xD7, t, 0, sid, len(payload)) + payload


# Unconnected `docker`: Docker's own message, exit 1.
r = subprocess.run([docker, "ps"], capture_output=True, stdin=subprocess.DEVNULL)
if r.returncode != 1 or b"Cannot connect to the Docker daemon at unix:///run/drydock/engine.sock" not in r.stderr:
    fail(f"unreachable daemon: {r}")

master, slave = pty.openpty()
tty.setraw(master)
agent = subprocess.Popen([agent_bin, os.ttyname(slave)], stderr=subprocess.PIPE)
buf = b""


def read_frame(timeout=5.0):
    global buf
    deadline = time.time() + timeout
    while True:
        if len(buf) >= 12:
            magic, t, _, sid, n = struct.unpack("<BBHII", buf[:12])
            if magic != 0xD7:
                fail(f"bad magic {magic:#x}")
            if len(buf) >= 12 + n:
                payload, buf = buf[12 : 12 + n], buf[12 + n :]
                return t, sid, payload
        left = deadline - time.time()
        if left <= 0 or not select.select([master], [], [], left)[0]:
            fail("timed out waiting for a frame")
        buf += os.read(master, 65536)


def expect(t, what):
    got = read_frame()
    if got[0] != t:
        fail(f"{what}: got type {got[0]:#x} {got[2]!r}")
    return got


expect(HELLO, "hello")
deadline = time.time() + 5
while not os.path.exists("/run/drydock/engine.sock"):
    if time.time() > deadline:
        fail("no socket")
    time.sleep(0.01)

# 1: argv/cwd/env, stdin on credit, output, a spawned child's status, exit status.
t0 = time.time()
shim = subprocess.Popen([docker, "a", "b c"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        cwd="/tmp", env={"TERM": "xterm", "DOCKER_HOST": "x", "HOME": "/nope"})
_, sid, payload = expect(OPEN, "open")
if not sid & TOP:
    fail(f"stream id {sid:#x} lacks the top bit")
records = payload.split(b"\0")
if records[:-1] != [b"aa", b"ab c", b"c/tmp", b"eTERM=xterm", b"eDOCKER_HOST=x", b"eHOME=/nope", b"i"]:
    fail(f"open records {records}")
shim.stdin.write(b"typed\n")
shim.stdin.close()
shim.stdin = None
os.write(master, frame(ACK, sid) + frame(ACK, sid))  # two credits: data, then EOF
t, _, data = expect(SSTDIN, "stdin")
if data != b"typed\n":
    fail(f"stdin {data!r}")
t, _, data = expect(SSTDIN, "stdin EOF")
if data != b"":
    fail(f"stdin EOF {data!r}")
os.write(master, frame(STDOUT, sid, b"out\n") + frame(STDERR, sid, b"err\n"))
acks = [read_frame()[0], read_frame()[0]]
if acks != [ACK, ACK]:
    fail(f"output acks {acks}")
os.write(master, frame(SPAWN, sid, b"ash\0a-c\0aexit 3\0"))
_, _, status = expect(CHILD_EXIT, "child exit")
if status != b"exit 3":
    fail(f"child status {status!r}")
os.write(master, frame(SEXIT, sid, b"42"))
out, err = shim.communicate(timeout=5)
if (shim.returncode, out, err) != (42, b"out\n", b"err\n"):
    fail(f"shim ended {shim.returncode} {out!r} {err!r}")
elapsed = (time.time() - t0) * 1000

# 2: a shim killed mid-session (^C) -> SHIM_CLOSED on its stream.
shim = subprocess.Popen([docker, "run"], stdin=subprocess.DEVNULL)
_, sid2, payload = expect(OPEN, "open 2")
# records, not bytes: "i" (stdin is a terminal) must be absent, and an environment value may end in "i" (EDITOR=vi)
if sid2 == sid or b"i" in payload.split(b"\0"):
    fail(f"second stream {sid2:#x} {payload!r}")
shim.send_signal(2)
shim.wait(timeout=5)
_, sid3, _ = expect(CLOSED, "closed")
if sid3 != sid2:
    fail("SHIM_CLOSED on the wrong stream")

# 3: a shim may not speak host-stream types: the agent hangs up on it.
s = socket.socket(socket.AF_UNIX)
s.connect("/run/drydock/engine.sock")
s.sendall(frame(0x10, 1, b"arm\0a-rf\0a/\0"))
t, _, _ = expect(CLOSED, "forged exec")
if s.recv(10) != b"":
    fail("forged EXEC did not end the connection")

# 4: EXEC with a terminal (`t`): drydock-init's exec step opens a pty and sends the master back over the console
# socket; a RESIZE before it comes is kept, the line discipline echoes stdin and turns ^C into SIGINT.
EXEC, STARTED, STDIN, EXIT, RESIZE, OK = 0x10, 0x11, 0x12, 0x15, 0x30, 0x24
init = os.path.join(work, "drydock-init")
if os.path.lexists(init):
    os.unlink(init)
os.symlink(os.path.abspath(agent_bin), init)
script = "tty;stty%20size;read%20x;echo%20got%20%24x;sleep%2030"
os.write(master, frame(EXEC, 7, b"".join(a + b"\0" for a in [b"a" + init.encode(), b"a-c", b"afork", b"aexec console env=PATH=/usr/bin:/bin -- sh -c " + script.encode(), b"i", b"t"])))
os.write(master, frame(RESIZE, 8, b"30 100 @7"))
out = b""
oks = 0
stage = 0
deadline = time.time() + 10
while True:
    t, sid, payload = read_frame()
    if time.time() > deadline:
        fail(f"terminal: timed out, output {out!r}")
    if sid == 8 and t == OK:
        oks += 1
    elif t == STDOUT and sid == 7:
        out += payload
        if stage == 0 and b"30 100" in out:
            os.write(master, frame(STDIN, 7, b"hi\n"))
            stage = 1
        if stage == 1 and b"got hi" in out:
            os.write(master, frame(STDIN, 7, b"\x03"))
            stage = 2
    elif t == EXIT and sid == 7:
        break
    elif t not in (STARTED, ACK):
        fail(f"terminal: frame {t:#x} on {sid} {payload!r}")
if oks != 1 or not out.startswith(b"/dev/pts/") or b"\r\n30 100\r\nhi\r\ngot hi\r\n" not in out or payload != b"exit 130":
    fail(f"terminal: resize ok {oks}, output {out!r}, {payload!r}")
os.write(master, frame(RESIZE, 9, b"30 100 @7"))
t, _, payload = read_frame()
if t != 0x1F or not payload.startswith(b"ENOTTY"):
    fail(f"resize of an ended stream: {t:#x} {payload!r}")

agent.kill()
agent.wait()
print(f"check-shim: ok (session round trip {elapsed:.0f} ms natively)", file=sys.stderr)
