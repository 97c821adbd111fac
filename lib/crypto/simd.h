// The x86 vector intrinsics for the files that use them (chacha20_*.cc, poly1305_*.cc) and the
// attributes that compile one function for a vector extension the build does not assume; the
// callers check the CPU first (have_avx512(), have_avx2()). Include only from .cc files.
#pragma once

// GCC 12's AVX-512 headers fill "undefined" vectors in ways its own -Wuninitialized flags.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#define WEFT_AVX512 __attribute__((target("avx512f")))
#define WEFT_AVX2 __attribute__((target("avx2")))
