/* Minimal newlib syscalls and the debug log sink: not part of the runtime's size. */
#include <sys/stat.h>
int _close(int f) { (void)f; return -1; }
int _fstat(int f, struct stat* s) { (void)f; s->st_mode = S_IFCHR; return 0; }
int _isatty(int f) { (void)f; return 1; }
int _lseek(int f, int p, int d) { (void)f; (void)p; (void)d; return 0; }
int _read(int f, char* p, int n) { (void)f; (void)p; (void)n; return 0; }
int _write(int f, char* p, int n) { (void)f; (void)p; return n; }
void _exit(int code) { (void)code; for (;;) {} }
void* _sbrk(int increment) { (void)increment; return (void*)-1; }
