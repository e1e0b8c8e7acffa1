// SPDX-License-Identifier: LGPL-2.1-or-later
// A fuzz target: one function taking untrusted bytes, as libFuzzer calls it.  Built with
// clang's -fsanitize=fuzzer (meson -Dfuzzer=true, scripts/fuzz) it is coverage-guided;
// otherwise fuzz-standalone.c drives it over the seed corpus and seeded mutations of it, as
// a test of the "fuzz" suite.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An oracle failure: printed, then abort(), which libFuzzer catches and saves the input for
 * (it ignores the SIGTRAP of g_error). */
#define FUZZ_FAIL(...)                     \
    do {                                   \
        fprintf(stderr, __VA_ARGS__);      \
        fputc('\n', stderr);               \
        abort();                           \
    } while (0)
