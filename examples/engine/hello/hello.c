/*
 * The `hello` image's only file: prints what just happened and exits 0.
 *
 * On x86_64 and aarch64 it talks to the kernel directly (no libc, no loader, ~1 KB), so the image
 * is one small file. Elsewhere, build with -DHELLO_LIBC -static to use libc's write() instead.
 */

static const char message[] =
    "\n"
    "Hello from Berth!\n"
    "\n"
    "If you can read this, your Berth engine works. Here is what just happened:\n"
    "\n"
    " 1. A client (berth, or the docker CLI) asked the berthd daemon to run the \"hello\" image.\n"
    " 2. berthd had the image already: it ships inside the engine, so no registry was needed.\n"
    " 3. The graph driver unpacked the image's one layer into a root filesystem.\n"
    " 4. The exec driver started this program in its own namespaces and cgroup, with a small\n"
    "    monitor process holding its output.\n"
    " 5. berthd streamed that output back to the client, which printed it here.\n"
    "\n"
    "Next, try a shell:\n"
    "  $ berth run --rm -it busybox sh\n"
    "\n"
    "More in examples/engine/README.md.\n"
    "\n";

#ifdef HELLO_LIBC
#include <unistd.h>
#define sys_write(fd, buf, len) write((fd), (buf), (len))
#define sys_exit(code) _exit(code)
#else

#if defined(__x86_64__)
#define NR_WRITE 1
#define NR_EXIT_GROUP 231
static long syscall3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c)
                   : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
#define NR_WRITE 64
#define NR_EXIT_GROUP 94
static long syscall3(long nr, long a, long b, long c) {
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
}
#else
#error "raw syscalls are written for x86_64 and aarch64 only; build with -DHELLO_LIBC -static"
#endif

static long sys_write(int fd, const char *buf, unsigned long len) {
  return syscall3(NR_WRITE, fd, (long)buf, (long)len);
}

static void sys_exit(int code) {
  for (;;) syscall3(NR_EXIT_GROUP, code, 0, 0);
}
#endif

#define EINTR 4

/* Writes all of the message: a pipe may take it in pieces. */
static int say_hello(void) {
  const char *p = message;
  unsigned long left = sizeof(message) - 1;
  while (left > 0) {
    long n = sys_write(1, p, left);
    if (n == -EINTR) continue;
    if (n <= 0) return 1;
    p += n;
    left -= (unsigned long)n;
  }
  return 0;
}

#ifdef HELLO_LIBC
int main(void) { return say_hello(); }
#else
/* The kernel jumps here. Nothing below needs an aligned stack, but x86_64 realigns anyway. */
#if defined(__x86_64__)
__attribute__((force_align_arg_pointer))
#endif
__attribute__((noreturn, used)) void _start(void) {
  sys_exit(say_hello());
  __builtin_unreachable();
}
#endif
