/* The few C library hooks a bare-metal image needs. There is no heap: _sbrk
   always fails, so any malloc returns NULL instead of growing into the stack. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "boards/qemu_an505/semihosting.h"

void* _sbrk(ptrdiff_t increment) {
  (void)increment;
  errno = ENOMEM;
  return (void*)-1;
}

void _exit(int status) { semihosting_exit(status); }
int _kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }
int _getpid(void) { return 1; }
int _write(int fd, const char* data, int size) { (void)fd; (void)data; return size; }
int _read(int fd, char* data, int size) { (void)fd; (void)data; (void)size; return 0; }
int _close(int fd) { (void)fd; return -1; }
int _lseek(int fd, int offset, int whence) { (void)fd; (void)offset; (void)whence; return 0; }
int _fstat(int fd, struct stat* st) { (void)fd; st->st_mode = S_IFCHR; return 0; }
int _isatty(int fd) { (void)fd; return 1; }
