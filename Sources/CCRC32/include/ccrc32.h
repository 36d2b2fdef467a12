/* CRC-32 (zlib's: reflected IEEE polynomial 0xEDB88320, init and xorout 0xFFFFFFFF) for the data
 * path (issue #12): every byte a chunkserver serves is checked against its block's CRC there and
 * again by the client, so the CRC runs twice per byte read. zlib 1.2.13's crc32_z manages about
 * 4 GB/s here; this one folds 64 bytes at a time with carry-less multiplication (PCLMULQDQ)
 * where the CPU has it, and is zlib's crc32_z elsewhere and for the last bytes. */
#ifndef MFS_CCRC32_H
#define MFS_CCRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC of the bytes covered by `crc` followed by the `len` bytes at `buf`: the same value as
 * zlib's crc32_z(crc, buf, len). */
uint32_t mfs_crc32(uint32_t crc, const unsigned char *buf, size_t len);

/* zlib's crc32_z alone, for tests that hold the two to the same answers. */
uint32_t mfs_crc32_zlib(uint32_t crc, const unsigned char *buf, size_t len);

/* Whether mfs_crc32 uses PCLMULQDQ on this CPU. */
int mfs_crc32_folds(void);

#endif
