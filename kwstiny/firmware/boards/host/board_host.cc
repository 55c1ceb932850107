// The host board: the firmware as a POSIX process. Its serial line is a TCP
// socket (--port N, one client at a time, like a UART with a new terminal) or a
// pseudo-terminal (--pty). Lets the protocol, frontend and TFLM be tested
// without hardware. SIGUSR1 resets the application as a board reset would.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "boards/board.h"

#ifndef KWSTINY_MODEL_SLOT_BYTES
#define KWSTINY_MODEL_SLOT_BYTES (1024 * 1024)
#endif
#ifndef KWSTINY_ARENA_BYTES
#define KWSTINY_ARENA_BYTES (256 * 1024)
#endif

namespace {

alignas(16) uint8_t g_model_slot[KWSTINY_MODEL_SLOT_BYTES];
alignas(16) uint8_t g_arena[KWSTINY_ARENA_BYTES];
size_t g_slot_size = sizeof(g_model_slot);

int g_listen_fd = -1;  // TCP mode
int g_conn_fd = -1;    // the connected client, or the pty master
bool g_pty = false;
volatile sig_atomic_t g_reset_flag = 0;
struct timespec g_start;

void on_sigusr1(int) { g_reset_flag = 1; }

void close_conn() {
  if (g_conn_fd >= 0 && !g_pty) {
    close(g_conn_fd);
    g_conn_fd = -1;
  }
}

void try_accept() {
  if (g_pty || g_conn_fd >= 0) return;
  int fd = accept(g_listen_fd, nullptr, nullptr);
  if (fd < 0) return;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  fcntl(fd, F_SETFL, O_NONBLOCK);
  g_conn_fd = fd;
}

void open_tcp(int port) {
  g_listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(g_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(g_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(g_listen_fd, 1) != 0) {
    fprintf(stderr, "kwstiny-fw: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
    exit(2);
  }
  socklen_t len = sizeof(addr);
  getsockname(g_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  fcntl(g_listen_fd, F_SETFL, O_NONBLOCK);
  printf("kwstiny-fw listening on socket://127.0.0.1:%d\n", ntohs(addr.sin_port));
  fflush(stdout);
}

void open_pty() {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    fprintf(stderr, "kwstiny-fw: cannot open a pseudo-terminal: %s\n", strerror(errno));
    exit(2);
  }
  const char* name = ptsname(master);
  // Hold the other end open in raw mode, so bytes written before a client opens
  // it are kept verbatim (no echo, no newline translation).
  int slave = open(name, O_RDWR | O_NOCTTY);
  termios tio;
  tcgetattr(slave, &tio);
  cfmakeraw(&tio);
  tcsetattr(slave, TCSANOW, &tio);
  fcntl(master, F_SETFL, O_NONBLOCK);
  g_conn_fd = master;
  g_pty = true;
  printf("kwstiny-fw serial on %s\n", name);
  fflush(stdout);
}

}  // namespace

namespace board {

void init() { g_reset_flag = 0; }
const char* name() { return "host"; }
uint32_t clock_hz() { return 1000000000u; }
const char* counter_unit() { return "nanoseconds"; }

uint64_t counter() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000000ull + static_cast<uint64_t>(now.tv_nsec);
}

uint32_t millis() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint32_t>((now.tv_sec - g_start.tv_sec) * 1000 +
                               (now.tv_nsec - g_start.tv_nsec) / 1000000);
}

size_t serial_read(uint8_t* data, size_t max) {
  try_accept();
  if (g_conn_fd < 0) return 0;
  ssize_t n = read(g_conn_fd, data, max);
  if (n > 0) return static_cast<size_t>(n);
  if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    close_conn();  // the client went away; wait for the next one
  }
  return 0;
}

void serial_write(const uint8_t* data, size_t size) {
  while (size && g_conn_fd >= 0) {
    ssize_t n = write(g_conn_fd, data, size);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      pollfd p = {g_conn_fd, POLLOUT, 0};
      poll(&p, 1, 100);
    } else {
      close_conn();  // bytes sent to nobody are lost, as on a UART
    }
  }
}

void serial_wait(uint32_t timeout_ms) {
  pollfd p = {g_conn_fd >= 0 ? g_conn_fd : g_listen_fd, POLLIN, 0};
  poll(&p, 1, static_cast<int>(timeout_ms));
}

bool reset_requested() { return g_reset_flag != 0; }
void reset() {}  // app_run() returns and main() starts it again

Memory memory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  uint64_t total = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
  Memory m = {};
  m.ram_total = total > 0xFFFFFFFFull ? 0xFFFFFFFFu : static_cast<uint32_t>(total);
  m.ram_used = static_cast<uint32_t>(sizeof(g_model_slot) + sizeof(g_arena));
  return m;
}

const char* accelerator() { return "none"; }
uint8_t* model_slot() { return g_model_slot; }
size_t model_slot_size() { return g_slot_size; }
bool model_slot_write(size_t offset, const uint8_t* data, size_t size) {
  if (offset + size > g_slot_size) return false;
  memcpy(g_model_slot + offset, data, size);
  return true;
}
bool mic_start(uint32_t) { return false; }  // no microphone
size_t mic_read(int16_t*, size_t) { return 0; }
void mic_stop() {}
uint8_t* tensor_arena() { return g_arena; }
size_t tensor_arena_size() { return sizeof(g_arena); }

}  // namespace board

static void usage() {
  fprintf(stderr,
          "usage: kwstiny-fw-host (--port N | --pty) [--slot-bytes N]\n"
          "  --port N        serve the serial line on TCP 127.0.0.1:N (0 picks a free port)\n"
          "  --pty           serve it on a new pseudo-terminal\n"
          "  --slot-bytes N  use only N bytes of the model slot (tests of oversize models)\n");
  exit(2);
}

int main(int argc, char** argv) {
  int port = -1;
  bool pty = false;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--port") && i + 1 < argc) {
      port = atoi(argv[++i]);
    } else if (!strcmp(argv[i], "--pty")) {
      pty = true;
    } else if (!strcmp(argv[i], "--slot-bytes") && i + 1 < argc) {
      size_t n = strtoul(argv[++i], nullptr, 10);
      if (n < g_slot_size) g_slot_size = n;
    } else {
      usage();
    }
  }
  if ((port < 0) == !pty) usage();
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = {};
  sa.sa_handler = on_sigusr1;
  sigaction(SIGUSR1, &sa, nullptr);
  clock_gettime(CLOCK_MONOTONIC, &g_start);
  if (pty) {
    open_pty();
  } else {
    open_tcp(port);
  }
  for (;;) {
    board::init();
    kws::app_run();
  }
}
