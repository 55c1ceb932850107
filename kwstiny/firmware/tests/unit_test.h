// A minimal test harness for the firmware's TFLM-free parts. The same tests run
// as a host program and as a QEMU Cortex-M33 image (output and exit status over
// semihosting), so they check the code as the board compiles it.
#ifndef KWSTINY_TESTS_UNIT_TEST_H_
#define KWSTINY_TESTS_UNIT_TEST_H_

namespace kws_test {

struct Case {
  const char* name;
  void (*run)();
  Case* next;
  Case(const char* n, void (*r)());
};

void check(bool ok, const char* what, const char* file, int line);
void print(const char* text);

}  // namespace kws_test

#define KWS_TEST(name)                                  \
  static void name();                                   \
  static kws_test::Case name##_case(#name, name);       \
  static void name()

#define CHECK(cond) kws_test::check((cond), #cond, __FILE__, __LINE__)

#endif
