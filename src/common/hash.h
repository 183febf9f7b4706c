/*
 * A seeded hash for the in-memory tables keyed by what callers send
 * (device ids, source addresses).  Not cryptographic: the random seed
 * only keeps an outsider from choosing keys that share a bucket.
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

uint32_t	hash_seeded(uint64_t seed, const void *key, size_t len);

#endif
