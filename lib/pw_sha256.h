/*  pw_sha256 - SHA-256 (FIPS 180-4), streaming and one-shot.

    The audit trail chains its records with it (pw_trail), and anything else
    that needs a content hash can use it. The context is a plain value so a
    caller can keep it on the stack: hashing never allocates, and separate
    contexts share nothing, so any number of threads can hash at once.
*/
#ifndef PW_SHA256_H_INCLUDED
#define PW_SHA256_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PW_SHA256_SIZE 32 //  digest bytes
#define PW_SHA256_HEX  65 //  64 lowercase hex digits and the NUL

//  A hashing context: init, update any number of times, final once.
typedef struct {
    uint32_t state [8];
    uint64_t length;    //  bytes hashed so far
    uint8_t block [64]; //  the partial block not yet compressed
    size_t block_len;
} pw_sha256_t;

//  Starts a new hash in SELF.
void pw_sha256_init (pw_sha256_t *self);

//  Adds LEN bytes of DATA. DATA may be NULL when LEN is 0.
void pw_sha256_update (pw_sha256_t *self, const void *data, size_t len);

//  Finishes the hash into DIGEST. SELF must be initialised again before reuse.
void pw_sha256_final (pw_sha256_t *self, uint8_t digest [PW_SHA256_SIZE]);

//  The digest of LEN bytes of DATA in one call.
void pw_sha256 (const void *data, size_t len, uint8_t digest [PW_SHA256_SIZE]);

//  Writes DIGEST as 64 lowercase hex digits and a NUL into HEX.
void pw_sha256_hex (const uint8_t digest [PW_SHA256_SIZE], char hex [PW_SHA256_HEX]);

//  The lowercase hex digest of LEN bytes of DATA in one call.
void pw_sha256_hex_of (const void *data, size_t len, char hex [PW_SHA256_HEX]);

#ifdef __cplusplus
}
#endif

#endif
