/* zlib for the chunk store (MFSChunkStore): crc32_z and crc32_combine, the CRC-32 MooseFS
 * keeps per 64 KiB block of a chunk file and sends with every data-port packet. */
#ifndef MFS_CZLIB_SHIM_H
#define MFS_CZLIB_SHIM_H

#include <zlib.h>

#endif
