// Distance kernels for the embedded engine, chosen once at run time for the CPU:
// AVX-512, AVX2 with FMA, or portable C. Swift calls these through the `CKernels` module.
#ifndef VS_KERNELS_H
#define VS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Inner product of two `dim`-long vectors.
float vs_dot(const float *a, const float *b, size_t dim);

/// Squared Euclidean distance of two `dim`-long vectors.
float vs_l2sq(const float *a, const float *b, size_t dim);

/// `out[i] = dot(query, base + i * dim)` for `count` rows stored one after another.
void vs_dot_rows(const float *query, const float *base, size_t count, size_t dim, float *out);

/// `out[i] = l2sq(query, base + i * dim)` for `count` rows stored one after another.
void vs_l2sq_rows(const float *query, const float *base, size_t count, size_t dim, float *out);

/// Prefetches the first `bytes` of `address` into the cache (a hint; never faults).
void vs_prefetch(const void *address, size_t bytes);

/// The instruction set the kernels use: "avx512", "avx2" or "generic".
const char *vs_kernel_isa(void);

/// Forces an instruction set (for tests); 0 on success, -1 when the CPU lacks it.
int vs_force_isa(const char *name);

#ifdef __cplusplus
}
#endif

#endif
