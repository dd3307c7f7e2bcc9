/*  pw_test - the tiny harness every test binary uses.

    A test binary is a list of cases; a case fails when any check in it fails.
    Each binary prints one summary line, `[suite] NAME  P/T ok` (or `FAILED`),
    and exits non-zero when a case failed; tests/run adds the binaries up and
    prints the closing `N passed, N failed` line.

        static void
        s_test_parse (void)
        {
            PW_CHECK_INT (pw_add (1, 2), 3);
        }

        int main (int argc, char **argv) {
            PW_TEST_BEGIN (argc, argv);
            PW_RUN (s_test_parse);
            return PW_TEST_END ();
        }

    Set PW_TEST_VERBOSE=1 (or pass -v) to print each case as it runs.
*/
#ifndef PW_TEST_H_INCLUDED
#define PW_TEST_H_INCLUDED

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_pw_cases_passed;
static int s_pw_cases_failed;
static int s_pw_case_failures;
static bool s_pw_verbose;
static const char *s_pw_suite = "test";
static const char *s_pw_kind = "unit";

#define PW_TEST_BEGIN(argc, argv)                                                                  \
    do {                                                                                           \
        const char *slash_ = strrchr ((argv) [0], '/');                                            \
        s_pw_suite = slash_ ? slash_ + 1 : (argv) [0];                                             \
        if (strstr ((argv) [0], "integration/"))                                                   \
            s_pw_kind = "integ";                                                                   \
        s_pw_verbose =                                                                             \
            ((argc) > 1 && strcmp ((argv) [1], "-v") == 0) || getenv ("PW_TEST_VERBOSE");          \
    } while (0)

#define PW_RUN(fn)                                                                                 \
    do {                                                                                           \
        s_pw_case_failures = 0;                                                                    \
        if (s_pw_verbose)                                                                          \
            fprintf (stderr, "  %s ...\n", #fn);                                                   \
        fn ();                                                                                     \
        if (s_pw_case_failures == 0)                                                               \
            s_pw_cases_passed++;                                                                   \
        else {                                                                                     \
            s_pw_cases_failed++;                                                                   \
            fprintf (stderr, "  FAIL %s (%d checks)\n", #fn, s_pw_case_failures);                  \
        }                                                                                          \
    } while (0)

#define PW_FAIL_AT(...)                                                                            \
    do {                                                                                           \
        s_pw_case_failures++;                                                                      \
        fprintf (stderr, "    %s:%d: ", __FILE__, __LINE__);                                       \
        fprintf (stderr, __VA_ARGS__);                                                             \
        fputc ('\n', stderr);                                                                      \
    } while (0)

#define PW_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond))                                                                               \
            PW_FAIL_AT ("check failed: %s", #cond);                                                \
    } while (0)

#define PW_CHECK_INT(actual, expected)                                                             \
    do {                                                                                           \
        long long a_ = (long long)(actual), e_ = (long long)(expected);                            \
        if (a_ != e_)                                                                              \
            PW_FAIL_AT ("%s == %lld, expected %lld", #actual, a_, e_);                             \
    } while (0)

#define PW_CHECK_STR(actual, expected)                                                             \
    do {                                                                                           \
        const char *a_ = (actual), *e_ = (expected);                                               \
        if (!a_ || !e_ ? a_ != e_ : strcmp (a_, e_) != 0)                                          \
            PW_FAIL_AT ("%s == \"%s\", expected \"%s\"", #actual, a_ ? a_ : "(null)",              \
                        e_ ? e_ : "(null)");                                                       \
    } while (0)

#define PW_TEST_END()                                                                              \
    (printf ("[%-5s] %-28s %3d/%-3d %s\n", s_pw_kind, s_pw_suite, s_pw_cases_passed,               \
             s_pw_cases_passed + s_pw_cases_failed, s_pw_cases_failed ? "FAILED" : "ok"),          \
     printf ("#pw-result %d %d\n", s_pw_cases_passed, s_pw_cases_failed),                          \
     s_pw_cases_failed ? 1 : 0)

#endif
