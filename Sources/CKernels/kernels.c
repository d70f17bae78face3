#include "vs_kernels.h"

#include <immintrin.h>
#include <string.h>

// ---- portable -------------------------------------------------------------------------------

static float dot_generic(const float *a, const float *b, size_t dim) {
  float acc[8] = {0};
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    for (int lane = 0; lane < 8; lane++) acc[lane] += a[i + lane] * b[i + lane];
  }
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < dim; i++) sum += a[i] * b[i];
  return sum;
}

static float l2sq_generic(const float *a, const float *b, size_t dim) {
  float acc[8] = {0};
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    for (int lane = 0; lane < 8; lane++) {
      float d = a[i + lane] - b[i + lane];
      acc[lane] += d * d;
    }
  }
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < dim; i++) {
    float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

// ---- AVX2 + FMA -----------------------------------------------------------------------------

__attribute__((target("avx2,fma"))) static inline float hsum256(__m256 v) {
  __m128 low = _mm256_castps256_ps128(v);
  __m128 high = _mm256_extractf128_ps(v, 1);
  low = _mm_add_ps(low, high);
  __m128 shuf = _mm_movehdup_ps(low);
  __m128 sums = _mm_add_ps(low, shuf);
  shuf = _mm_movehl_ps(shuf, sums);
  sums = _mm_add_ss(sums, shuf);
  return _mm_cvtss_f32(sums);
}

__attribute__((target("avx2,fma"))) static float dot_avx2(const float *a, const float *b, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
  }
  for (; i + 8 <= dim; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  float sum = hsum256(_mm256_add_ps(acc0, acc1));
  for (; i < dim; i++) sum += a[i] * b[i];
  return sum;
}

__attribute__((target("avx2,fma"))) static float l2sq_avx2(const float *a, const float *b, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    acc0 = _mm256_fmadd_ps(d0, d0, acc0);
    acc1 = _mm256_fmadd_ps(d1, d1, acc1);
  }
  for (; i + 8 <= dim; i += 8) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    acc0 = _mm256_fmadd_ps(d0, d0, acc0);
  }
  float sum = hsum256(_mm256_add_ps(acc0, acc1));
  for (; i < dim; i++) {
    float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

// ---- AVX-512 --------------------------------------------------------------------------------

__attribute__((target("avx512f"))) static float dot_avx512(const float *a, const float *b, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
  }
  if (i + 16 <= dim) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
    i += 16;
  }
  if (i < dim) {
    __mmask16 mask = (__mmask16)((1u << (dim - i)) - 1);
    acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i), acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

__attribute__((target("avx512f"))) static float l2sq_avx512(const float *a, const float *b, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    acc0 = _mm512_fmadd_ps(d0, d0, acc0);
    acc1 = _mm512_fmadd_ps(d1, d1, acc1);
  }
  if (i + 16 <= dim) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    acc0 = _mm512_fmadd_ps(d0, d0, acc0);
    i += 16;
  }
  if (i < dim) {
    __mmask16 mask = (__mmask16)((1u << (dim - i)) - 1);
    __m512 d0 = _mm512_sub_ps(_mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i));
    acc1 = _mm512_fmadd_ps(d0, d0, acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

// ---- dispatch -------------------------------------------------------------------------------

typedef float (*distance_fn)(const float *, const float *, size_t);

static distance_fn chosen_dot = 0;
static distance_fn chosen_l2sq = 0;
static const char *chosen_name = "generic";

static void choose(const char *name) {
  if (strcmp(name, "avx512") == 0) {
    chosen_dot = dot_avx512;
    chosen_l2sq = l2sq_avx512;
  } else if (strcmp(name, "avx2") == 0) {
    chosen_dot = dot_avx2;
    chosen_l2sq = l2sq_avx2;
  } else {
    name = "generic";
    chosen_dot = dot_generic;
    chosen_l2sq = l2sq_generic;
  }
  chosen_name = name;
}

static int cpu_has(const char *name) {
  __builtin_cpu_init();
  if (strcmp(name, "avx512") == 0) return __builtin_cpu_supports("avx512f");
  if (strcmp(name, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return strcmp(name, "generic") == 0;
}

// Runs before main: the pointers are set before any thread can call a kernel.
__attribute__((constructor)) static void vs_kernels_init(void) {
  if (cpu_has("avx512")) choose("avx512");
  else if (cpu_has("avx2")) choose("avx2");
  else choose("generic");
}

int vs_force_isa(const char *name) {
  if (!cpu_has(name)) return -1;
  choose(name);
  return 0;
}

const char *vs_kernel_isa(void) { return chosen_name; }

float vs_dot(const float *a, const float *b, size_t dim) { return chosen_dot(a, b, dim); }
float vs_l2sq(const float *a, const float *b, size_t dim) { return chosen_l2sq(a, b, dim); }

void vs_dot_rows(const float *query, const float *base, size_t count, size_t dim, float *out) {
  distance_fn kernel = chosen_dot;
  for (size_t row = 0; row < count; row++) out[row] = kernel(query, base + row * dim, dim);
}

void vs_l2sq_rows(const float *query, const float *base, size_t count, size_t dim, float *out) {
  distance_fn kernel = chosen_l2sq;
  for (size_t row = 0; row < count; row++) out[row] = kernel(query, base + row * dim, dim);
}

void vs_prefetch(const void *address, size_t bytes) {
  const char *p = (const char *)address;
  for (size_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(p + offset, 0, 3);
}
