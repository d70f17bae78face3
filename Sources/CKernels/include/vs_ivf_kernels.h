// Kernels for the IVF indexes (k-means assignment, SQ8 and PQ scans), chosen once at run time for
// the CPU like the distance kernels: AVX-512, AVX2 with FMA, or portable C.
#ifndef VS_IVF_KERNELS_H
#define VS_IVF_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Centroids per panel: `vs_ivf_pack_panels` stores `k` rows as ceil(k / 16) panels of 16 rows,
/// each panel dimension-major (16 floats of dimension 0, then of dimension 1, ...), zero-padded.
#define VS_IVF_PANEL 16

/// Floats that the panels of `k` rows of `dim` floats take.
size_t vs_ivf_panel_floats(size_t k, size_t dim);

/// Packs `k` row-major rows of `dim` floats into panels (`vs_ivf_panel_floats(k, dim)` floats).
void vs_ivf_pack_panels(const float *rows, size_t k, size_t dim, float *panels);

/// `out[i * k + c] = dot(x + i * dim, centroid c)` for `n` row-major rows against packed centroids.
void vs_ivf_dot_panels(const float *x, size_t n, size_t dim, const float *panels, size_t k, float *out);

/// Packs like `vs_ivf_pack_panels` but as IEEE half floats (round to nearest). Returns -1 (and
/// packs nothing useful) when a value is outside the half-float range, 0 otherwise.
int vs_ivf_pack_panels_f16(const float *rows, size_t k, size_t dim, uint16_t *panels);

/// `out[c] = dot(x, centroid c)` for one row against half-float panels (half the memory traffic of
/// `vs_ivf_dot_panels`; the centroids are rounded to 11 significant bits).
void vs_ivf_dot_panels_f16(const float *x, size_t dim, const uint16_t *panels, size_t k, float *out);

/// Whether `vs_ivf_dot_panels_i8` runs on this CPU (AVX-512 VNNI).
int vs_ivf_has_i8(void);

/// Bytes of 8-bit panels for `k` rows of `dim` values (dim padded to a multiple of 4).
size_t vs_ivf_panel_bytes_i8(size_t k, size_t dim);

/// Packs `k` rows as signed 8-bit panels (16 rows a panel, groups of 4 dimensions per row together)
/// with one scale for all values (`value ≈ scale · code`); `sums[c]` receives the sum of row c's codes.
/// Returns the scale (0 when all values are zero or not finite: then the panels are unusable).
float vs_ivf_pack_panels_i8(const float *rows, size_t k, size_t dim, int8_t *panels, int32_t *sums);

/// `out[c] = sum_j query[j] · code(c, j)` for unsigned 8-bit query codes (`dim` padded to 4, as packed).
void vs_ivf_dot_panels_i8(const uint8_t *query, size_t dim, const int8_t *panels, size_t k, int32_t *out);

/// Rounds `n` floats in place to the nearest half float (all must be within the half-float range).
void vs_ivf_round_f16(float *values, size_t n);

/// Whether every one of `n` floats is finite and within the half-float range.
int vs_ivf_fits_f16(const float *values, size_t n);

/// For each of `n` rows, the centroid with the smallest `bias[c] - scale * dot(x, c)` (ties: smaller
/// c) into `assign[i]`, and that value into `best[i]` (when not null). With `bias = ||c||^2` and
/// `scale = 2` this is the nearest centroid in L2 (add `||x||^2` for the distance); with a zero
/// bias and `scale = 1` it is the largest inner product (negated). Returns -1 when out of memory.
int vs_ivf_nearest(
  const float *x, size_t n, size_t dim, const float *panels, size_t k, const float *bias, float scale,
  int32_t *assign, float *best);

/// `out[i] = sum_j weight[j] * codes[i * dim + j]` for `count` rows of 8-bit codes.
void vs_ivf_sq8_dot_rows(const float *weight, const uint8_t *codes, size_t count, size_t dim, float *out);

/// `out[i] = sum_j (offset[j] - scale[j] * codes[i * dim + j])^2` for `count` rows of 8-bit codes.
void vs_ivf_sq8_l2_rows(
  const float *offset, const float *scale, const uint8_t *codes, size_t count, size_t dim, float *out);

/// `out[i] = sum_j table[j * ksub + codes[i * m + j]]` for `count` PQ codes of `m` bytes
/// (asymmetric distance computation from a per-query lookup table of `m * ksub` floats).
void vs_ivf_pq_scan(const float *table, size_t ksub, const uint8_t *codes, size_t count, size_t m, float *out);

/// `out[i] = a[i] + factor * b[i]` for `n` floats.
void vs_ivf_madd(const float *a, float factor, const float *b, size_t n, float *out);

#ifdef __cplusplus
}
#endif

#endif
