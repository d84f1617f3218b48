/*
 * hash.c — the one hash of the library: 64-bit FNV-1a (Fowler–Noll–Vo), used for model-file
 * checksums and the benchmark's configuration fingerprints and unit seeds. Not cryptographic:
 * it detects accidents (a truncated or edited file, a changed setting), not adversaries.
 */
#include "core/core.h"

/* Offset basis and prime of the 64-bit FNV-1a. */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

uint64_t sn_hash_bytes(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}
