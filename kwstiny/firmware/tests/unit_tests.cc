#include "tests/unit_test.h"

#include "app/text.h"

#ifdef KWSTINY_SEMIHOSTING
#include "boards/qemu_an505/semihosting.h"
#else
#include <stdio.h>
#endif

namespace kws_test {
namespace {
Case* g_cases = nullptr;
Case* g_last = nullptr;
int g_failures = 0;
const char* g_current = "";
}  // namespace

Case::Case(const char* n, void (*r)()) : name(n), run(r), next(nullptr) {
  // Keep registration order so the output reads like the source.
  if (g_last) {
    g_last->next = this;
  } else {
    g_cases = this;
  }
  g_last = this;
}

void print(const char* text) {
#ifdef KWSTINY_SEMIHOSTING
  semihosting_write0(text);
#else
  fputs(text, stdout);
#endif
}

void check(bool ok, const char* what, const char* file, int line) {
  if (ok) return;
  ++g_failures;
  char message[256];
  kws::Text t(message, sizeof(message));
  t.add("FAIL ").add(g_current).add(": ").add(what).add(" (").add(file).add(':').inum(line).add(")\n");
  print(message);
}

}  // namespace kws_test

int main() {
  using namespace kws_test;
  int n = 0;
  for (Case* c = g_cases; c; c = c->next, ++n) {
    g_current = c->name;
    c->run();
  }
  char summary[96];
  kws::Text t(summary, sizeof(summary));
  t.inum(n).add(" tests, ").inum(g_failures).add(" failures\n");
  print(summary);
  return g_failures ? 1 : 0;
}
