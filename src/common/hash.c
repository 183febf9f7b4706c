#include "config.h"

#include "hash.h"

/* FNV-1a over the seed and the key, then mixed: any bit moves the slot. */
uint32_t
hash_seeded(uint64_t seed, const void *key, size_t len)
{
	const uint8_t *k = key;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= k[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (uint32_t)h;
}
