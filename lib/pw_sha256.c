/*  pw_sha256 - SHA-256 as FIPS 180-4 specifies it.

    A straightforward portable implementation: the trail hashes a few hundred
    bytes per record, so clarity beats hand-tuned assembly here.
*/
#include "pw_sha256.h"

#include <string.h>

static const uint32_t s_k [64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t
s_rotr (uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void
s_compress (uint32_t state [8], const uint8_t block [64])
{
    uint32_t w [64];
    for (int i = 0; i < 16; i++)
        w [i] = (uint32_t)block [i * 4] << 24 | (uint32_t)block [i * 4 + 1] << 16 |
                (uint32_t)block [i * 4 + 2] << 8 | (uint32_t)block [i * 4 + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = s_rotr (w [i - 15], 7) ^ s_rotr (w [i - 15], 18) ^ (w [i - 15] >> 3);
        uint32_t s1 = s_rotr (w [i - 2], 17) ^ s_rotr (w [i - 2], 19) ^ (w [i - 2] >> 10);
        w [i] = w [i - 16] + s0 + w [i - 7] + s1;
    }
    uint32_t a = state [0], b = state [1], c = state [2], d = state [3];
    uint32_t e = state [4], f = state [5], g = state [6], h = state [7];
    for (int i = 0; i < 64; i++) {
        uint32_t s1 = s_rotr (e, 6) ^ s_rotr (e, 11) ^ s_rotr (e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = h + s1 + ch + s_k [i] + w [i];
        uint32_t s0 = s_rotr (a, 2) ^ s_rotr (a, 13) ^ s_rotr (a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = s0 + maj;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    state [0] += a;
    state [1] += b;
    state [2] += c;
    state [3] += d;
    state [4] += e;
    state [5] += f;
    state [6] += g;
    state [7] += h;
}

void
pw_sha256_init (pw_sha256_t *self)
{
    static const uint32_t initial [8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy (self->state, initial, sizeof initial);
    self->length = 0;
    self->block_len = 0;
}

void
pw_sha256_update (pw_sha256_t *self, const void *data, size_t len)
{
    const uint8_t *bytes = data;
    self->length += len;
    if (self->block_len > 0) {
        size_t take = 64 - self->block_len;
        if (take > len)
            take = len;
        memcpy (self->block + self->block_len, bytes, take);
        self->block_len += take;
        bytes += take;
        len -= take;
        if (self->block_len < 64)
            return;
        s_compress (self->state, self->block);
        self->block_len = 0;
    }
    //  Whole blocks straight from the caller's buffer, no copy
    while (len >= 64) {
        s_compress (self->state, bytes);
        bytes += 64;
        len -= 64;
    }
    if (len > 0) {
        memcpy (self->block, bytes, len);
        self->block_len = len;
    }
}

void
pw_sha256_final (pw_sha256_t *self, uint8_t digest [PW_SHA256_SIZE])
{
    uint64_t bits = self->length * 8;
    //  Padding: 0x80, zeros up to 56 mod 64, then the bit length big-endian
    self->block [self->block_len++] = 0x80;
    if (self->block_len > 56) {
        memset (self->block + self->block_len, 0, 64 - self->block_len);
        s_compress (self->state, self->block);
        self->block_len = 0;
    }
    memset (self->block + self->block_len, 0, 56 - self->block_len);
    for (int i = 0; i < 8; i++)
        self->block [56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    s_compress (self->state, self->block);
    for (int i = 0; i < 8; i++) {
        digest [i * 4] = (uint8_t)(self->state [i] >> 24);
        digest [i * 4 + 1] = (uint8_t)(self->state [i] >> 16);
        digest [i * 4 + 2] = (uint8_t)(self->state [i] >> 8);
        digest [i * 4 + 3] = (uint8_t)self->state [i];
    }
    self->block_len = 0;
}

void
pw_sha256 (const void *data, size_t len, uint8_t digest [PW_SHA256_SIZE])
{
    pw_sha256_t ctx;
    pw_sha256_init (&ctx);
    pw_sha256_update (&ctx, data, len);
    pw_sha256_final (&ctx, digest);
}

void
pw_sha256_hex (const uint8_t digest [PW_SHA256_SIZE], char hex [PW_SHA256_HEX])
{
    static const char digits [] = "0123456789abcdef";
    for (int i = 0; i < PW_SHA256_SIZE; i++) {
        hex [i * 2] = digits [digest [i] >> 4];
        hex [i * 2 + 1] = digits [digest [i] & 0x0f];
    }
    hex [64] = '\0';
}

void
pw_sha256_hex_of (const void *data, size_t len, char hex [PW_SHA256_HEX])
{
    uint8_t digest [PW_SHA256_SIZE];
    pw_sha256 (data, len, digest);
    pw_sha256_hex (digest, hex);
}
