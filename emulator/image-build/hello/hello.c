/* drydock's hello-world: a static i386 program with no libc that explains what just happened. */

/* Raw Linux i386 syscalls through int 0x80 keep the binary a few KB (no libc, no startup code). */
#define SYS_exit 1
#define SYS_write 4

static long syscall3(long number, long a, long b, long c)
{
	long result;
	__asm__ volatile("int $0x80"
			 : "=a"(result)
			 : "a"(number), "b"(a), "c"(b), "d"(c)
			 : "memory");
	return result;
}

static const char message[] =
	"\n"
	"Hello from drydock!\n"
	"This message shows that your container engine appears to be working correctly.\n"
	"\n"
	"To generate this message, drydock took the following steps:\n"
	" 1. The docker client in the Linux guest contacted the drydock engine,\n"
	"    which runs in a web worker of this browser tab.\n"
	" 2. The engine pulled the \"hello-world\" image from the registry.\n"
	"    (386: the guest is a 32-bit x86 PC emulated by v86)\n"
	" 3. The engine created a new container from that image, and a real Linux\n"
	"    kernel started this program inside it, in its own namespaces.\n"
	" 4. The engine streamed the program's output to the docker client,\n"
	"    which sent it to your terminal.\n"
	"\n"
	"To try something more ambitious, you can run a Debian container with:\n"
	" $ docker run -it debian bash\n"
	"\n"
	"Everything you just saw ran inside this browser tab: no server runs\n"
	"your containers.\n"
	"\n";

void _start(void)
{
	const char *p = message;
	long left = sizeof message - 1;

	/* A pipe may take fewer bytes than asked: keep writing until all is out. */
	while (left > 0) {
		long n = syscall3(SYS_write, 1, (long)p, left);
		if (n <= 0)
			syscall3(SYS_exit, 1, 0, 0);
		p += n;
		left -= n;
	}
	syscall3(SYS_exit, 0, 0, 0);
	for (;;)
		;
}
