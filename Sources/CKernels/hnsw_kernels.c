#include "vs_hnsw_kernels.h"

#include <sched.h>

void vs_yield(void) { sched_yield(); }
