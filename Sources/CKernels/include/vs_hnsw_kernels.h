// Small helpers for the HNSW graph walk: a one-byte spin lock per graph node (parallel build) and a
// one-line prefetch. `static inline` so that Swift inlines them into the walk.
#ifndef VS_HNSW_KERNELS_H
#define VS_HNSW_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Yields the processor to another thread (after spinning on a lock for a while).
void vs_yield(void);

/// Takes a one-byte spin lock (0 = free, 1 = held) with acquire ordering.
static inline void vs_spin_lock(uint8_t *lock) {
  unsigned spins = 0;
  while (__atomic_exchange_n(lock, (uint8_t)1, __ATOMIC_ACQUIRE)) {
    while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#elif defined(__aarch64__)
      __asm__ __volatile__("yield");
#endif
      // The holder may be descheduled (more threads than cores): stop burning its time slice.
      if (++spins >= 256) {
        spins = 0;
        vs_yield();
      }
    }
  }
}

/// Releases a lock taken by `vs_spin_lock`, with release ordering.
static inline void vs_spin_unlock(uint8_t *lock) { __atomic_store_n(lock, (uint8_t)0, __ATOMIC_RELEASE); }

/// Prefetches the cache line holding `address` for reading (a hint; never faults).
static inline void vs_prefetch_line(const void *address) { __builtin_prefetch(address, 0, 3); }

#ifdef __cplusplus
}
#endif

#endif
