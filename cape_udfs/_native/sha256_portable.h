/* A small portable SHA-256 (FIPS 180-4), used when OpenSSL's headers were not
 * present at build time. Plain C, no intrinsics; byte for byte hashlib.sha256
 * (the unit tests compare them on random and boundary-length inputs). */
#ifndef CAPE_SHA256_PORTABLE_H
#define CAPE_SHA256_PORTABLE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint32_t h[8];
    uint64_t length;          /* bytes hashed so far */
    unsigned char block[64];  /* the partial block */
    size_t fill;              /* bytes in block */
} cape_sha256_ctx;

static const uint32_t cape_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define CAPE_ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void cape_sha256_compress(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, k, t1, t2;
    int t;
    for (t = 0; t < 16; t++)
        w[t] = ((uint32_t)p[4 * t] << 24) | ((uint32_t)p[4 * t + 1] << 16)
             | ((uint32_t)p[4 * t + 2] << 8) | (uint32_t)p[4 * t + 3];
    for (t = 16; t < 64; t++) {
        uint32_t s0 = CAPE_ROR(w[t - 15], 7) ^ CAPE_ROR(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = CAPE_ROR(w[t - 2], 17) ^ CAPE_ROR(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; k = h[7];
    for (t = 0; t < 64; t++) {
        t1 = k + (CAPE_ROR(e, 6) ^ CAPE_ROR(e, 11) ^ CAPE_ROR(e, 25)) + ((e & f) ^ (~e & g))
           + cape_sha256_k[t] + w[t];
        t2 = (CAPE_ROR(a, 2) ^ CAPE_ROR(a, 13) ^ CAPE_ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

static void cape_sha256_init(cape_sha256_ctx *ctx)
{
    static const uint32_t iv[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    memcpy(ctx->h, iv, sizeof iv);
    ctx->length = 0;
    ctx->fill = 0;
}

static void cape_sha256_update(cape_sha256_ctx *ctx, const unsigned char *data, size_t len)
{
    ctx->length += len;
    if (ctx->fill) {
        size_t take = 64 - ctx->fill < len ? 64 - ctx->fill : len;
        memcpy(ctx->block + ctx->fill, data, take);
        ctx->fill += take;
        data += take;
        len -= take;
        if (ctx->fill < 64)
            return;
        cape_sha256_compress(ctx->h, ctx->block);
        ctx->fill = 0;
    }
    for (; len >= 64; data += 64, len -= 64)
        cape_sha256_compress(ctx->h, data);
    if (len) {
        memcpy(ctx->block, data, len);
        ctx->fill = len;
    }
}

static void cape_sha256_final(cape_sha256_ctx *ctx, unsigned char out[32])
{
    uint64_t bits = ctx->length * 8;
    int i;
    ctx->block[ctx->fill++] = 0x80;
    if (ctx->fill > 56) {
        memset(ctx->block + ctx->fill, 0, 64 - ctx->fill);
        cape_sha256_compress(ctx->h, ctx->block);
        ctx->fill = 0;
    }
    memset(ctx->block + ctx->fill, 0, 56 - ctx->fill);
    for (i = 0; i < 8; i++)
        ctx->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    cape_sha256_compress(ctx->h, ctx->block);
    for (i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(ctx->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(ctx->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(ctx->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)ctx->h[i];
    }
}

#undef CAPE_ROR
#endif
