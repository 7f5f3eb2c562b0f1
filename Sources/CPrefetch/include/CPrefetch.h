#ifndef PAYPLAN_CPREFETCH_H
#define PAYPLAN_CPREFETCH_H

// Swift has no prefetch intrinsic. The transaction scan touches two
// addresses per row that are almost always cache misses (the rep id's hash
// slot and the rep's accumulator cell); announcing them a few rows ahead
// lets the memory system fetch them while the CPU parses other rows.
static inline void payplan_prefetch(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
