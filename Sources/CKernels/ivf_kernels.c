#include "vs_ivf_kernels.h"

#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

// ---- panels (shared by every instruction set) ------------------------------------------------

size_t vs_ivf_panel_floats(size_t k, size_t dim) {
  return (k + VS_IVF_PANEL - 1) / VS_IVF_PANEL * VS_IVF_PANEL * dim;
}

void vs_ivf_pack_panels(const float *rows, size_t k, size_t dim, float *panels) {
  size_t panel_count = (k + VS_IVF_PANEL - 1) / VS_IVF_PANEL;
  memset(panels, 0, panel_count * VS_IVF_PANEL * dim * sizeof(float));
  for (size_t c = 0; c < k; c++) {
    float *panel = panels + (c / VS_IVF_PANEL) * VS_IVF_PANEL * dim;
    size_t lane = c % VS_IVF_PANEL;
    for (size_t j = 0; j < dim; j++) panel[j * VS_IVF_PANEL + lane] = rows[c * dim + j];
  }
}

// ---- half floats ---------------------------------------------------------------------------

static inline uint16_t to_f16(float value) {
  _Float16 half = (_Float16)value;
  uint16_t bits;
  memcpy(&bits, &half, 2);
  return bits;
}

static inline float from_f16(uint16_t bits) {
  _Float16 half;
  memcpy(&half, &bits, 2);
  return (float)half;
}

int vs_ivf_fits_f16(const float *values, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!(values[i] >= -65504.0f && values[i] <= 65504.0f)) return 0;
  }
  return 1;
}

void vs_ivf_round_f16(float *values, size_t n) {
  for (size_t i = 0; i < n; i++) values[i] = from_f16(to_f16(values[i]));
}

int vs_ivf_pack_panels_f16(const float *rows, size_t k, size_t dim, uint16_t *panels) {
  if (!vs_ivf_fits_f16(rows, k * dim)) return -1;
  size_t panel_count = (k + VS_IVF_PANEL - 1) / VS_IVF_PANEL;
  memset(panels, 0, panel_count * VS_IVF_PANEL * dim * sizeof(uint16_t));
  for (size_t c = 0; c < k; c++) {
    uint16_t *panel = panels + (c / VS_IVF_PANEL) * VS_IVF_PANEL * dim;
    size_t lane = c % VS_IVF_PANEL;
    for (size_t j = 0; j < dim; j++) panel[j * VS_IVF_PANEL + lane] = to_f16(rows[c * dim + j]);
  }
  return 0;
}

static void dot_panels_f16_generic(const float *x, size_t dim, const uint16_t *panels, size_t k, float *out) {
  size_t panel_count = (k + VS_IVF_PANEL - 1) / VS_IVF_PANEL;
  for (size_t p = 0; p < panel_count; p++) {
    const uint16_t *panel = panels + p * VS_IVF_PANEL * dim;
    float acc[VS_IVF_PANEL] = {0};
    for (size_t j = 0; j < dim; j++) {
      for (int lane = 0; lane < VS_IVF_PANEL; lane++) acc[lane] += x[j] * from_f16(panel[j * VS_IVF_PANEL + lane]);
    }
    size_t lanes = k - p * VS_IVF_PANEL < VS_IVF_PANEL ? k - p * VS_IVF_PANEL : VS_IVF_PANEL;
    memcpy(out + p * VS_IVF_PANEL, acc, lanes * sizeof(float));
  }
}

__attribute__((target("avx2,fma,f16c"))) static void dot_panels_f16_avx2(
  const float *x, size_t dim, const uint16_t *panels, size_t k, float *out) {
  size_t panel_count = (k + VS_IVF_PANEL - 1) / VS_IVF_PANEL;
  for (size_t p = 0; p < panel_count; p++) {
    const uint16_t *panel = panels + p * VS_IVF_PANEL * dim;
    __m256 a0 = _mm256_setzero_ps(), b0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 2 <= dim; j += 2) {
      const uint16_t *row = panel + j * VS_IVF_PANEL;
      __m256 v0 = _mm256_broadcast_ss(x + j), v1 = _mm256_broadcast_ss(x + j + 1);
      a0 = _mm256_fmadd_ps(v0, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)row)), a0);
      b0 = _mm256_fmadd_ps(v0, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 8))), b0);
      a1 = _mm256_fmadd_ps(v1, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 16))), a1);
      b1 = _mm256_fmadd_ps(v1, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 24))), b1);
    }
    if (j < dim) {
      const uint16_t *row = panel + j * VS_IVF_PANEL;
      __m256 v0 = _mm256_broadcast_ss(x + j);
      a0 = _mm256_fmadd_ps(v0, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)row)), a0);
      b0 = _mm256_fmadd_ps(v0, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 8))), b0);
    }
    size_t lanes = k - p * VS_IVF_PANEL < VS_IVF_PANEL ? k - p * VS_IVF_PANEL : VS_IVF_PANEL;
    float tmp[16];
    _mm256_storeu_ps(tmp, _mm256_add_ps(a0, a1));
    _mm256_storeu_ps(tmp + 8, _mm256_add_ps(b0, b1));
    memcpy(out + p * VS_IVF_PANEL, tmp, lanes * sizeof(float));
  }
}

__attribute__((target("avx512f"))) static void dot_panels_f16_avx512(
  const float *x, size_t dim, const uint16_t *panels, size_t k, float *out) {
  size_t panel_count = (k + VS_IVF_PANEL - 1) / VS_IVF_PANEL;
  size_t p = 0;
  for (; p + 4 <= panel_count; p += 4) {
    const uint16_t *pa = panels + p * VS_IVF_PANEL * dim;
    const uint16_t *pb = pa + VS_IVF_PANEL * dim, *pc = pb + VS_IVF_PANEL * dim, *pd = pc + VS_IVF_PANEL * dim;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    for (size_t j = 0; j < dim; j++) {
      __m512 v = _mm512_set1_ps(x[j]);
      size_t at = j * VS_IVF_PANEL;
      a0 = _mm512_fmadd_ps(v, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(pa + at))), a0);
      a1 = _mm512_fmadd_ps(v, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(pb + at))), a1);
      a2 = _mm512_fmadd_ps(v, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(pc + at))), a2);
      a3 = _mm512_fmadd_ps(v, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(pd + at))), a3);
    }
    size_t lanes = k - (p + 3) * VS_IVF_PANEL < VS_IVF_PANEL ? k - (p + 3) * VS_IVF_PANEL : VS_IVF_PANEL;
    float *dst = out + p * VS_IVF_PANEL;
    _mm512_storeu_ps(dst, a0);
    _mm512_storeu_ps(dst + VS_IVF_PANEL, a1);
    _mm512_storeu_ps(dst + 2 * VS_IVF_PANEL, a2);
    if (lanes == VS_IVF_PANEL) _mm512_storeu_ps(dst + 3 * VS_IVF_PANEL, a3);
    else _mm512_mask_storeu_ps(dst + 3 * VS_IVF_PANEL, (__mmask16)((1u << lanes) - 1), a3);
  }
  for (; p < panel_count; p++) {
    const uint16_t *pa = panels + p * VS_IVF_PANEL * dim;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    size_t j = 0;
    for (; j + 2 <= dim; j += 2) {
      a0 = _mm512_fmadd_ps(
        _mm512_set1_ps(x[j]), _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(pa + j * VS_IVF_PANEL))), a0);
      a1 = _mm512_fmadd_ps(
        _mm512_set1_ps(x[j + 1]), _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(pa + (j + 1) * VS_IVF_PANEL))),
        a1);
    }
    if (j < dim) {
      a0 = _mm512_fmadd_ps(
        _mm512_set1_ps(x[j]), _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(pa + j * VS_IVF_PANEL))), a0);
    }
    size_t lanes = k - p * VS_IVF_PANEL < VS_IVF_PANEL ? k - p * VS_IVF_PANEL : VS_IVF_PANEL;
    __m512 sum = _mm512_add_ps(a0, a1);
    if (lanes == VS_IVF_PANEL) _mm512_storeu_ps(out + p * VS_IVF_PANEL, sum);
    else _mm512_mask_storeu_ps(out + p * VS_IVF_PANEL, (__mmask16)((1u << lanes) - 1), sum);
  }
}

// ---- 8-bit panels (AVX-512 VNNI) ------------------------------------------------------------

static int has_vnni = 0;

int vs_ivf_has_i8(void) { return has_vnni; }

size_t vs_ivf_panel_bytes_i8(size_t k, size_t dim) {
  return (k + VS_IVF_PANEL - 1) / VS_IVF_PANEL * VS_IVF_PANEL * ((dim + 3) / 4 * 4);
}

float vs_ivf_pack_panels_i8(const float *rows, size_t k, size_t dim, int8_t *panels, int32_t *sums) {
  float largest = 0;
  for (size_t i = 0; i < k * dim; i++) {
    float magnitude = fabsf(rows[i]);
    if (!(magnitude < 3.0e38f)) return 0;
    if (magnitude > largest) largest = magnitude;
  }
  if (largest == 0) return 0;
  float scale = largest / 127.0f;
  size_t groups = (dim + 3) / 4;
  memset(panels, 0, vs_ivf_panel_bytes_i8(k, dim));
  for (size_t c = 0; c < k; c++) {
    int8_t *panel = panels + (c / VS_IVF_PANEL) * VS_IVF_PANEL * groups * 4;
    size_t lane = c % VS_IVF_PANEL;
    int32_t sum = 0;
    for (size_t j = 0; j < dim; j++) {
      int code = (int)lrintf(rows[c * dim + j] / scale);
      code = code > 127 ? 127 : (code < -127 ? -127 : code);
      panel[(j / 4) * VS_IVF_PANEL * 4 + lane * 4 + j % 4] = (int8_t)code;
      sum += code;
    }
    sums[c] = sum;
  }
  return scale;
}

__attribute__((target("avx512f,avx512vnni"))) static void dot_panels_i8_vnni(
  const uint8_t *query, size_t dim, const int8_t *panels, size_t k, int32_t *out) {
  size_t groups = (dim + 3) / 4;
  size_t panel_bytes = VS_IVF_PANEL * groups * 4;
  size_t panel_count = (k + VS_IVF_PANEL - 1) / VS_IVF_PANEL;
  size_t p = 0;
  for (; p + 4 <= panel_count; p += 4) {
    const int8_t *pa = panels + p * panel_bytes, *pb = pa + panel_bytes, *pc = pb + panel_bytes, *pd = pc + panel_bytes;
    __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
    __m512i a2 = _mm512_setzero_si512(), a3 = _mm512_setzero_si512();
    for (size_t g = 0; g < groups; g++) {
      int32_t four;
      memcpy(&four, query + 4 * g, 4);
      __m512i q = _mm512_set1_epi32(four);
      a0 = _mm512_dpbusd_epi32(a0, q, _mm512_loadu_si512(pa + g * 64));
      a1 = _mm512_dpbusd_epi32(a1, q, _mm512_loadu_si512(pb + g * 64));
      a2 = _mm512_dpbusd_epi32(a2, q, _mm512_loadu_si512(pc + g * 64));
      a3 = _mm512_dpbusd_epi32(a3, q, _mm512_loadu_si512(pd + g * 64));
    }
    size_t lanes = k - (p + 3) * VS_IVF_PANEL < VS_IVF_PANEL ? k - (p + 3) * VS_IVF_PANEL : VS_IVF_PANEL;
    int32_t *dst = out + p * VS_IVF_PANEL;
    _mm512_storeu_si512(dst, a0);
    _mm512_storeu_si512(dst + VS_IVF_PANEL, a1);
    _mm512_storeu_si512(dst + 2 * VS_IVF_PANEL, a2);
    _mm512_mask_storeu_epi32(dst + 3 * VS_IVF_PANEL, (__mmask16)((1u << lanes) - 1), a3);
  }
  for (; p < panel_count; p++) {
    const int8_t *pa = panels + p * panel_bytes;
    __m512i a0 = _mm512_setzero_si512();
    for (size_t g = 0; g < groups; g++) {
      int32_t four;
      memcpy(&four, query + 4 * g, 4);
      a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(four), _mm512_loadu_si512(pa + g * 64));
    }
    size_t lanes = k - p * VS_IVF_PANEL < VS_IVF_PANEL ? k - p * VS_IVF_PANEL : VS_IVF_PANEL;
    _mm512_mask_storeu_epi32(out + p * VS_IVF_PANEL, (__mmask16)((1u << lanes) - 1), a0);
  }
}

void vs_ivf_dot_panels_i8(const uint8_t *query, size_t dim, const int8_t *panels, size_t k, int32_t *out) {
  if (has_vnni) {
    dot_panels_i8_vnni(query, dim, panels, k, out);
    return;
  }
  size_t groups = (dim + 3) / 4;
  size_t panel_bytes = VS_IVF_PANEL * groups * 4;
  for (size_t c = 0; c < k; c++) {
    const int8_t *panel = panels + (c / VS_IVF_PANEL) * panel_bytes;
    size_t lane = c % VS_IVF_PANEL;
    int32_t sum = 0;
    for (size_t j = 0; j < groups * 4; j++) sum += (int32_t)query[j] * panel[(j / 4) * 64 + lane * 4 + j % 4];
    out[c] = sum;
  }
}

// ---- portable -------------------------------------------------------------------------------

static void dot_panels_generic(const float *x, size_t n, size_t dim, const float *panels, size_t k, float *out) {
  size_t panel_count = (k + VS_IVF_PANEL - 1) / VS_IVF_PANEL;
  for (size_t i = 0; i < n; i++) {
    const float *row = x + i * dim;
    for (size_t p = 0; p < panel_count; p++) {
      const float *panel = panels + p * VS_IVF_PANEL * dim;
      float acc[VS_IVF_PANEL] = {0};
      for (size_t j = 0; j < dim; j++) {
        for (int lane = 0; lane < VS_IVF_PANEL; lane++) acc[lane] += row[j] * panel[j * VS_IVF_PANEL + lane];
      }
      size_t lanes = k - p * VS_IVF_PANEL < VS_IVF_PANEL ? k - p * VS_IVF_PANEL : VS_IVF_PANEL;
      memcpy(out + i * k + p * VS_IVF_PANEL, acc, lanes * sizeof(float));
    }
  }
}

static void sq8_dot_rows_generic(const float *weight, const uint8_t *codes, size_t count, size_t dim, float *out) {
  for (size_t i = 0; i < count; i++) {
    const uint8_t *code = codes + i * dim;
    float acc[8] = {0};
    size_t j = 0;
    for (; j + 8 <= dim; j += 8) {
      for (int lane = 0; lane < 8; lane++) acc[lane] += weight[j + lane] * (float)code[j + lane];
    }
    float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; j < dim; j++) sum += weight[j] * (float)code[j];
    out[i] = sum;
  }
}

static void sq8_l2_rows_generic(
  const float *offset, const float *scale, const uint8_t *codes, size_t count, size_t dim, float *out) {
  for (size_t i = 0; i < count; i++) {
    const uint8_t *code = codes + i * dim;
    float acc[8] = {0};
    size_t j = 0;
    for (; j + 8 <= dim; j += 8) {
      for (int lane = 0; lane < 8; lane++) {
        float d = offset[j + lane] - scale[j + lane] * (float)code[j + lane];
        acc[lane] += d * d;
      }
    }
    float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; j < dim; j++) {
      float d = offset[j] - scale[j] * (float)code[j];
      sum += d * d;
    }
    out[i] = sum;
  }
}

static void madd_generic(const float *a, float factor, const float *b, size_t n, float *out) {
  for (size_t i = 0; i < n; i++) out[i] = a[i] + factor * b[i];
}

// ---- AVX2 + FMA -----------------------------------------------------------------------------

__attribute__((target("avx2,fma"))) static inline float ivf_hsum256(__m256 v) {
  __m128 low = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  __m128 shuf = _mm_movehdup_ps(low);
  __m128 sums = _mm_add_ps(low, shuf);
  shuf = _mm_movehl_ps(shuf, sums);
  return _mm_cvtss_f32(_mm_add_ss(sums, shuf));
}

__attribute__((target("avx2,fma"))) static inline void store_lanes256(
  float *dst, size_t lanes, __m256 low, __m256 high) {
  if (lanes == VS_IVF_PANEL) {
    _mm256_storeu_ps(dst, low);
    _mm256_storeu_ps(dst + 8, high);
  } else {
    float tmp[16];
    _mm256_storeu_ps(tmp, low);
    _mm256_storeu_ps(tmp + 8, high);
    memcpy(dst, tmp, lanes * sizeof(float));
  }
}

__attribute__((target("avx2,fma"))) static void dot_panels_avx2(
  const float *x, size_t n, size_t dim, const float *panels, size_t k, float *out) {
  size_t panel_count = (k + VS_IVF_PANEL - 1) / VS_IVF_PANEL;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float *r0 = x + i * dim, *r1 = r0 + dim, *r2 = r1 + dim, *r3 = r2 + dim;
    for (size_t p = 0; p < panel_count; p++) {
      const float *panel = panels + p * VS_IVF_PANEL * dim;
      __m256 a0 = _mm256_setzero_ps(), b0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
      __m256 a2 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
      for (size_t j = 0; j < dim; j++) {
        __m256 lo = _mm256_loadu_ps(panel + j * VS_IVF_PANEL), hi = _mm256_loadu_ps(panel + j * VS_IVF_PANEL + 8);
        __m256 v = _mm256_broadcast_ss(r0 + j);
        a0 = _mm256_fmadd_ps(v, lo, a0);
        b0 = _mm256_fmadd_ps(v, hi, b0);
        v = _mm256_broadcast_ss(r1 + j);
        a1 = _mm256_fmadd_ps(v, lo, a1);
        b1 = _mm256_fmadd_ps(v, hi, b1);
        v = _mm256_broadcast_ss(r2 + j);
        a2 = _mm256_fmadd_ps(v, lo, a2);
        b2 = _mm256_fmadd_ps(v, hi, b2);
        v = _mm256_broadcast_ss(r3 + j);
        a3 = _mm256_fmadd_ps(v, lo, a3);
        b3 = _mm256_fmadd_ps(v, hi, b3);
      }
      size_t lanes = k - p * VS_IVF_PANEL < VS_IVF_PANEL ? k - p * VS_IVF_PANEL : VS_IVF_PANEL;
      float *dst = out + i * k + p * VS_IVF_PANEL;
      store_lanes256(dst, lanes, a0, b0);
      store_lanes256(dst + k, lanes, a1, b1);
      store_lanes256(dst + 2 * k, lanes, a2, b2);
      store_lanes256(dst + 3 * k, lanes, a3, b3);
    }
  }
  for (; i < n; i++) {
    const float *row = x + i * dim;
    size_t p = 0;
    for (; p + 2 <= panel_count; p += 2) {
      const float *pa = panels + p * VS_IVF_PANEL * dim, *pb = pa + VS_IVF_PANEL * dim;
      __m256 a0 = _mm256_setzero_ps(), b0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
      for (size_t j = 0; j < dim; j++) {
        __m256 v = _mm256_broadcast_ss(row + j);
        a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(pa + j * VS_IVF_PANEL), a0);
        b0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(pa + j * VS_IVF_PANEL + 8), b0);
        a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(pb + j * VS_IVF_PANEL), a1);
        b1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(pb + j * VS_IVF_PANEL + 8), b1);
      }
      size_t lanes = k - (p + 1) * VS_IVF_PANEL < VS_IVF_PANEL ? k - (p + 1) * VS_IVF_PANEL : VS_IVF_PANEL;
      store_lanes256(out + i * k + p * VS_IVF_PANEL, VS_IVF_PANEL, a0, b0);
      store_lanes256(out + i * k + (p + 1) * VS_IVF_PANEL, lanes, a1, b1);
    }
    for (; p < panel_count; p++) {
      const float *pa = panels + p * VS_IVF_PANEL * dim;
      __m256 a0 = _mm256_setzero_ps(), b0 = _mm256_setzero_ps();
      for (size_t j = 0; j < dim; j++) {
        __m256 v = _mm256_broadcast_ss(row + j);
        a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(pa + j * VS_IVF_PANEL), a0);
        b0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(pa + j * VS_IVF_PANEL + 8), b0);
      }
      size_t lanes = k - p * VS_IVF_PANEL < VS_IVF_PANEL ? k - p * VS_IVF_PANEL : VS_IVF_PANEL;
      store_lanes256(out + i * k + p * VS_IVF_PANEL, lanes, a0, b0);
    }
  }
}

__attribute__((target("avx2,fma"))) static inline __m256 load8_u8(const uint8_t *code) {
  __m128i bytes = _mm_loadl_epi64((const __m128i *)code);
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
}

__attribute__((target("avx2,fma"))) static void sq8_dot_rows_avx2(
  const float *weight, const uint8_t *codes, size_t count, size_t dim, float *out) {
  for (size_t i = 0; i < count; i++) {
    const uint8_t *code = codes + i * dim;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 32 <= dim; j += 32) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(weight + j), load8_u8(code + j), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(weight + j + 8), load8_u8(code + j + 8), a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(weight + j + 16), load8_u8(code + j + 16), a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(weight + j + 24), load8_u8(code + j + 24), a3);
    }
    for (; j + 8 <= dim; j += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(weight + j), load8_u8(code + j), a0);
    float sum = ivf_hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; j < dim; j++) sum += weight[j] * (float)code[j];
    out[i] = sum;
  }
}

__attribute__((target("avx2,fma"))) static void sq8_l2_rows_avx2(
  const float *offset, const float *scale, const uint8_t *codes, size_t count, size_t dim, float *out) {
  for (size_t i = 0; i < count; i++) {
    const uint8_t *code = codes + i * dim;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 16 <= dim; j += 16) {
      __m256 d0 = _mm256_fnmadd_ps(_mm256_loadu_ps(scale + j), load8_u8(code + j), _mm256_loadu_ps(offset + j));
      __m256 d1 =
        _mm256_fnmadd_ps(_mm256_loadu_ps(scale + j + 8), load8_u8(code + j + 8), _mm256_loadu_ps(offset + j + 8));
      a0 = _mm256_fmadd_ps(d0, d0, a0);
      a1 = _mm256_fmadd_ps(d1, d1, a1);
    }
    for (; j + 8 <= dim; j += 8) {
      __m256 d0 = _mm256_fnmadd_ps(_mm256_loadu_ps(scale + j), load8_u8(code + j), _mm256_loadu_ps(offset + j));
      a0 = _mm256_fmadd_ps(d0, d0, a0);
    }
    float sum = ivf_hsum256(_mm256_add_ps(a0, a1));
    for (; j < dim; j++) {
      float d = offset[j] - scale[j] * (float)code[j];
      sum += d * d;
    }
    out[i] = sum;
  }
}

__attribute__((target("avx2,fma"))) static void madd_avx2(
  const float *a, float factor, const float *b, size_t n, float *out) {
  __m256 f = _mm256_set1_ps(factor);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i, _mm256_fmadd_ps(f, _mm256_loadu_ps(b + i), _mm256_loadu_ps(a + i)));
  }
  for (; i < n; i++) out[i] = a[i] + factor * b[i];
}

// ---- AVX-512 --------------------------------------------------------------------------------

__attribute__((target("avx512f"))) static inline void store_lanes512(float *dst, size_t lanes, __m512 v) {
  if (lanes == VS_IVF_PANEL) _mm512_storeu_ps(dst, v);
  else _mm512_mask_storeu_ps(dst, (__mmask16)((1u << lanes) - 1), v);
}

__attribute__((target("avx512f"))) static void dot_panels_avx512(
  const float *x, size_t n, size_t dim, const float *panels, size_t k, float *out) {
  size_t panel_count = (k + VS_IVF_PANEL - 1) / VS_IVF_PANEL;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float *r = x + i * dim;
    for (size_t p = 0; p < panel_count; p++) {
      const float *panel = panels + p * VS_IVF_PANEL * dim;
      __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
      __m512 a4 = _mm512_setzero_ps(), a5 = _mm512_setzero_ps(), a6 = _mm512_setzero_ps(), a7 = _mm512_setzero_ps();
      for (size_t j = 0; j < dim; j++) {
        __m512 c = _mm512_loadu_ps(panel + j * VS_IVF_PANEL);
        a0 = _mm512_fmadd_ps(_mm512_set1_ps(r[j]), c, a0);
        a1 = _mm512_fmadd_ps(_mm512_set1_ps(r[dim + j]), c, a1);
        a2 = _mm512_fmadd_ps(_mm512_set1_ps(r[2 * dim + j]), c, a2);
        a3 = _mm512_fmadd_ps(_mm512_set1_ps(r[3 * dim + j]), c, a3);
        a4 = _mm512_fmadd_ps(_mm512_set1_ps(r[4 * dim + j]), c, a4);
        a5 = _mm512_fmadd_ps(_mm512_set1_ps(r[5 * dim + j]), c, a5);
        a6 = _mm512_fmadd_ps(_mm512_set1_ps(r[6 * dim + j]), c, a6);
        a7 = _mm512_fmadd_ps(_mm512_set1_ps(r[7 * dim + j]), c, a7);
      }
      size_t lanes = k - p * VS_IVF_PANEL < VS_IVF_PANEL ? k - p * VS_IVF_PANEL : VS_IVF_PANEL;
      float *dst = out + i * k + p * VS_IVF_PANEL;
      store_lanes512(dst, lanes, a0);
      store_lanes512(dst + k, lanes, a1);
      store_lanes512(dst + 2 * k, lanes, a2);
      store_lanes512(dst + 3 * k, lanes, a3);
      store_lanes512(dst + 4 * k, lanes, a4);
      store_lanes512(dst + 5 * k, lanes, a5);
      store_lanes512(dst + 6 * k, lanes, a6);
      store_lanes512(dst + 7 * k, lanes, a7);
    }
  }
  for (; i < n; i++) {
    const float *row = x + i * dim;
    size_t p = 0;
    for (; p + 4 <= panel_count; p += 4) {
      const float *pa = panels + p * VS_IVF_PANEL * dim;
      const float *pb = pa + VS_IVF_PANEL * dim, *pc = pb + VS_IVF_PANEL * dim, *pd = pc + VS_IVF_PANEL * dim;
      __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
      for (size_t j = 0; j < dim; j++) {
        __m512 v = _mm512_set1_ps(row[j]);
        a0 = _mm512_fmadd_ps(v, _mm512_loadu_ps(pa + j * VS_IVF_PANEL), a0);
        a1 = _mm512_fmadd_ps(v, _mm512_loadu_ps(pb + j * VS_IVF_PANEL), a1);
        a2 = _mm512_fmadd_ps(v, _mm512_loadu_ps(pc + j * VS_IVF_PANEL), a2);
        a3 = _mm512_fmadd_ps(v, _mm512_loadu_ps(pd + j * VS_IVF_PANEL), a3);
      }
      size_t lanes = k - (p + 3) * VS_IVF_PANEL < VS_IVF_PANEL ? k - (p + 3) * VS_IVF_PANEL : VS_IVF_PANEL;
      float *dst = out + i * k + p * VS_IVF_PANEL;
      _mm512_storeu_ps(dst, a0);
      _mm512_storeu_ps(dst + VS_IVF_PANEL, a1);
      _mm512_storeu_ps(dst + 2 * VS_IVF_PANEL, a2);
      store_lanes512(dst + 3 * VS_IVF_PANEL, lanes, a3);
    }
    for (; p < panel_count; p++) {
      const float *pa = panels + p * VS_IVF_PANEL * dim;
      __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
      size_t j = 0;
      for (; j + 2 <= dim; j += 2) {
        a0 = _mm512_fmadd_ps(_mm512_set1_ps(row[j]), _mm512_loadu_ps(pa + j * VS_IVF_PANEL), a0);
        a1 = _mm512_fmadd_ps(_mm512_set1_ps(row[j + 1]), _mm512_loadu_ps(pa + (j + 1) * VS_IVF_PANEL), a1);
      }
      if (j < dim) a0 = _mm512_fmadd_ps(_mm512_set1_ps(row[j]), _mm512_loadu_ps(pa + j * VS_IVF_PANEL), a0);
      size_t lanes = k - p * VS_IVF_PANEL < VS_IVF_PANEL ? k - p * VS_IVF_PANEL : VS_IVF_PANEL;
      store_lanes512(out + i * k + p * VS_IVF_PANEL, lanes, _mm512_add_ps(a0, a1));
    }
  }
}

__attribute__((target("avx512f"))) static inline __m512 load16_u8(const uint8_t *code) {
  return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)code)));
}

__attribute__((target("avx512f"))) static void sq8_dot_rows_avx512(
  const float *weight, const uint8_t *codes, size_t count, size_t dim, float *out) {
  for (size_t i = 0; i < count; i++) {
    const uint8_t *code = codes + i * dim;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    size_t j = 0;
    for (; j + 64 <= dim; j += 64) {
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(weight + j), load16_u8(code + j), a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(weight + j + 16), load16_u8(code + j + 16), a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(weight + j + 32), load16_u8(code + j + 32), a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(weight + j + 48), load16_u8(code + j + 48), a3);
    }
    for (; j + 16 <= dim; j += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(weight + j), load16_u8(code + j), a0);
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
    for (; j < dim; j++) sum += weight[j] * (float)code[j];
    out[i] = sum;
  }
}

__attribute__((target("avx512f"))) static void sq8_l2_rows_avx512(
  const float *offset, const float *scale, const uint8_t *codes, size_t count, size_t dim, float *out) {
  for (size_t i = 0; i < count; i++) {
    const uint8_t *code = codes + i * dim;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    size_t j = 0;
    for (; j + 32 <= dim; j += 32) {
      __m512 d0 = _mm512_fnmadd_ps(_mm512_loadu_ps(scale + j), load16_u8(code + j), _mm512_loadu_ps(offset + j));
      __m512 d1 = _mm512_fnmadd_ps(
        _mm512_loadu_ps(scale + j + 16), load16_u8(code + j + 16), _mm512_loadu_ps(offset + j + 16));
      a0 = _mm512_fmadd_ps(d0, d0, a0);
      a1 = _mm512_fmadd_ps(d1, d1, a1);
    }
    for (; j + 16 <= dim; j += 16) {
      __m512 d0 = _mm512_fnmadd_ps(_mm512_loadu_ps(scale + j), load16_u8(code + j), _mm512_loadu_ps(offset + j));
      a0 = _mm512_fmadd_ps(d0, d0, a0);
    }
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
    for (; j < dim; j++) {
      float d = offset[j] - scale[j] * (float)code[j];
      sum += d * d;
    }
    out[i] = sum;
  }
}

__attribute__((target("avx512f"))) static void madd_avx512(
  const float *a, float factor, const float *b, size_t n, float *out) {
  __m512 f = _mm512_set1_ps(factor);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(out + i, _mm512_fmadd_ps(f, _mm512_loadu_ps(b + i), _mm512_loadu_ps(a + i)));
  }
  for (; i < n; i++) out[i] = a[i] + factor * b[i];
}

__attribute__((target("avx512f"))) static void nearest_block8_avx512(
  const float *x, size_t dim, const float *panels, size_t k, const float *bias, float scale, int32_t *assign,
  float *best) {
  size_t panel_count = (k + VS_IVF_PANEL - 1) / VS_IVF_PANEL;
  __m512 best_value[8];
  __m512i best_index[8];
  for (int r = 0; r < 8; r++) {
    best_value[r] = _mm512_set1_ps(__builtin_inff());
    best_index[r] = _mm512_setzero_si512();
  }
  const __m512i lane_index = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512 factor = _mm512_set1_ps(scale);
  for (size_t p = 0; p < panel_count; p++) {
    const float *panel = panels + p * VS_IVF_PANEL * dim;
    __m512 a[8];
    for (int r = 0; r < 8; r++) a[r] = _mm512_setzero_ps();
    for (size_t j = 0; j < dim; j++) {
      __m512 c = _mm512_loadu_ps(panel + j * VS_IVF_PANEL);
      for (int r = 0; r < 8; r++) a[r] = _mm512_fmadd_ps(_mm512_set1_ps(x[r * dim + j]), c, a[r]);
    }
    size_t lanes = k - p * VS_IVF_PANEL < VS_IVF_PANEL ? k - p * VS_IVF_PANEL : VS_IVF_PANEL;
    __m512 b = lanes == VS_IVF_PANEL
      ? _mm512_loadu_ps(bias + p * VS_IVF_PANEL)
      : _mm512_mask_loadu_ps(_mm512_set1_ps(__builtin_inff()), (__mmask16)((1u << lanes) - 1), bias + p * VS_IVF_PANEL);
    __m512i index = _mm512_add_epi32(lane_index, _mm512_set1_epi32((int)(p * VS_IVF_PANEL)));
    for (int r = 0; r < 8; r++) {
      __m512 value = _mm512_fnmadd_ps(factor, a[r], b);
      __mmask16 better = _mm512_cmp_ps_mask(value, best_value[r], _CMP_LT_OQ);
      best_value[r] = _mm512_mask_mov_ps(best_value[r], better, value);
      best_index[r] = _mm512_mask_mov_epi32(best_index[r], better, index);
    }
  }
  for (int r = 0; r < 8; r++) {
    float minimum = _mm512_reduce_min_ps(best_value[r]);
    __mmask16 at = _mm512_cmp_ps_mask(best_value[r], _mm512_set1_ps(minimum), _CMP_EQ_OQ);
    int32_t index = at ? _mm512_mask_reduce_min_epi32(at, best_index[r]) : 0;
    assign[r] = index;
    if (best) best[r] = minimum;
  }
}

// ---- PQ lookups (scalar: table lookups do not vectorise profitably) --------------------------

void vs_ivf_pq_scan(const float *table, size_t ksub, const uint8_t *codes, size_t count, size_t m, float *out) {
  size_t i = 0;
  for (; i + 4 <= count; i += 4) {
    const uint8_t *c0 = codes + i * m, *c1 = c0 + m, *c2 = c1 + m, *c3 = c2 + m;
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const float *t = table;
    for (size_t j = 0; j < m; j++, t += ksub) {
      s0 += t[c0[j]];
      s1 += t[c1[j]];
      s2 += t[c2[j]];
      s3 += t[c3[j]];
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  for (; i < count; i++) {
    const uint8_t *c = codes + i * m;
    float s = 0;
    const float *t = table;
    for (size_t j = 0; j < m; j++, t += ksub) s += t[c[j]];
    out[i] = s;
  }
}

// ---- dispatch -------------------------------------------------------------------------------

typedef void (*dot_panels_fn)(const float *, size_t, size_t, const float *, size_t, float *);
typedef void (*sq8_dot_fn)(const float *, const uint8_t *, size_t, size_t, float *);
typedef void (*sq8_l2_fn)(const float *, const float *, const uint8_t *, size_t, size_t, float *);
typedef void (*dot_panels_f16_fn)(const float *, size_t, const uint16_t *, size_t, float *);
typedef void (*madd_fn)(const float *, float, const float *, size_t, float *);

static dot_panels_fn chosen_dot_panels = dot_panels_generic;
static sq8_dot_fn chosen_sq8_dot = sq8_dot_rows_generic;
static sq8_l2_fn chosen_sq8_l2 = sq8_l2_rows_generic;
static madd_fn chosen_madd = madd_generic;
static dot_panels_f16_fn chosen_dot_panels_f16 = dot_panels_f16_generic;

// Runs before main, like the distance kernels' constructor.
__attribute__((constructor)) static void vs_ivf_kernels_init(void) {
  __builtin_cpu_init();
  has_vnni = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni");
  if (__builtin_cpu_supports("avx512f")) {
    chosen_dot_panels = dot_panels_avx512;
    chosen_sq8_dot = sq8_dot_rows_avx512;
    chosen_sq8_l2 = sq8_l2_rows_avx512;
    chosen_madd = madd_avx512;
    chosen_dot_panels_f16 = dot_panels_f16_avx512;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    chosen_dot_panels = dot_panels_avx2;
    chosen_sq8_dot = sq8_dot_rows_avx2;
    chosen_sq8_l2 = sq8_l2_rows_avx2;
    chosen_madd = madd_avx2;
    if (__builtin_cpu_supports("f16c")) chosen_dot_panels_f16 = dot_panels_f16_avx2;
  }
}

void vs_ivf_dot_panels(const float *x, size_t n, size_t dim, const float *panels, size_t k, float *out) {
  chosen_dot_panels(x, n, dim, panels, k, out);
}

void vs_ivf_dot_panels_f16(const float *x, size_t dim, const uint16_t *panels, size_t k, float *out) {
  chosen_dot_panels_f16(x, dim, panels, k, out);
}

int vs_ivf_nearest(
  const float *x, size_t n, size_t dim, const float *panels, size_t k, const float *bias, float scale,
  int32_t *assign, float *best) {
  enum { BLOCK = 8 };
  float *dots = (float *)malloc(BLOCK * k * sizeof(float));
  if (!dots) return -1;
  dot_panels_fn kernel = chosen_dot_panels;
  size_t i0 = 0;
  if (kernel == dot_panels_avx512) {
    for (; i0 + BLOCK <= n; i0 += BLOCK) {
      nearest_block8_avx512(x + i0 * dim, dim, panels, k, bias, scale, assign + i0, best ? best + i0 : 0);
    }
  }
  for (; i0 < n; i0 += BLOCK) {
    size_t rows = n - i0 < BLOCK ? n - i0 : BLOCK;
    kernel(x + i0 * dim, rows, dim, panels, k, dots);
    for (size_t r = 0; r < rows; r++) {
      const float *d = dots + r * k;
      float best_value = bias[0] - scale * d[0];
      int32_t best_index = 0;
      for (size_t c = 1; c < k; c++) {
        float value = bias[c] - scale * d[c];
        if (value < best_value) {
          best_value = value;
          best_index = (int32_t)c;
        }
      }
      assign[i0 + r] = best_index;
      if (best) best[i0 + r] = best_value;
    }
  }
  free(dots);
  return 0;
}

void vs_ivf_sq8_dot_rows(const float *weight, const uint8_t *codes, size_t count, size_t dim, float *out) {
  chosen_sq8_dot(weight, codes, count, dim, out);
}

void vs_ivf_sq8_l2_rows(
  const float *offset, const float *scale, const uint8_t *codes, size_t count, size_t dim, float *out) {
  chosen_sq8_l2(offset, scale, codes, count, dim, out);
}

void vs_ivf_madd(const float *a, float factor, const float *b, size_t n, float *out) {
  chosen_madd(a, factor, b, n, out);
}
