/* cape_udfs._hmac_native: keyed SHA-256 over a whole Arrow batch, interpreter lock released.
 *
 * Python hashes a value in about 0.75 us with the GIL held, so DuckDB's other
 * threads wait on it. Here one call takes the Arrow buffers of a batch (offsets,
 * data, validity; any slice offset; 32- or 64-bit offsets), derives the keyed
 * states once, hashes every non-NULL value with the GIL released and writes the
 * results of the non-NULL rows, in order, into one bytes object: 64 lowercase hex
 * characters or 32 raw bytes per row.
 *
 *   hmac_sha256(key, prefix, offsets, data, validity, offset, length, wide, hex, backend)
 *       HMAC-SHA256(key, prefix || value), RFC 2104
 *   sha256_suffix(suffix, offsets, data, validity, offset, length, wide, hex, backend)
 *       SHA-256(value || suffix)  (cape-legacy's sha256(value || key))
 *   keyed_uniforms(key, prefix, <list offsets, validity, offset, length, wide>,
 *                  <child offsets, data, validity, offset, length, wide>, backend)
 *       keyed_noise.py's uniform per entity of a list<string>, message built here
 *
 * validity is None when the batch has no NULLs; backend is None (the build's
 * default) or "portable". The keyed inner and outer states are as secret as the
 * key: they live on this call's stack only and are wiped before it returns.
 * SHA-256 is OpenSSL's libcrypto when CAPE_HAVE_OPENSSL is defined (setup.py
 * defines it when the headers are there), else sha256_portable.h; the portable
 * one is always compiled so the tests can compare both with hashlib.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

#ifdef CAPE_HAVE_OPENSSL
/* SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, which
 * costs 1.9x per short value (its context set-up); the low-level calls are the
 * same code (SHA-NI / ARMv8 paths included) without it. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>
#endif

#include "sha256_portable.h"

static void wipe(void *p, size_t n)
{
#if defined(CAPE_HAVE_OPENSSL)
    OPENSSL_cleanse(p, n);
#else
    /* A call through a volatile pointer the compiler cannot prove is memset. */
    static void *(*const volatile set)(void *, int, size_t) = memset;
    set(p, 0, n);
#endif
}

/* The stack the compression function used on the key blocks (its message
 * schedule) is key-derived; overwrite a generous region at the depth the hash
 * calls ran at (not inlined, so its frame is where theirs were). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void burn_stack(void)
{
    unsigned char scratch[2048];
    wipe(scratch, sizeof scratch);
}

typedef union {
#ifdef CAPE_HAVE_OPENSSL
    SHA256_CTX openssl;
#endif
    cape_sha256_ctx portable;
} hash_ctx;

typedef struct {
    const char *name;
    void (*init)(hash_ctx *);
    void (*update)(hash_ctx *, const unsigned char *, size_t);
    void (*final)(hash_ctx *, unsigned char *);
} backend_t;

static void portable_init(hash_ctx *c) { cape_sha256_init(&c->portable); }
static void portable_update(hash_ctx *c, const unsigned char *p, size_t n) { cape_sha256_update(&c->portable, p, n); }
static void portable_final(hash_ctx *c, unsigned char *out) { cape_sha256_final(&c->portable, out); }
static const backend_t PORTABLE = {"portable", portable_init, portable_update, portable_final};

#ifdef CAPE_HAVE_OPENSSL
static void openssl_init(hash_ctx *c) { SHA256_Init(&c->openssl); }
static void openssl_update(hash_ctx *c, const unsigned char *p, size_t n) { SHA256_Update(&c->openssl, p, n); }
static void openssl_final(hash_ctx *c, unsigned char *out) { SHA256_Final(out, &c->openssl); }
static const backend_t OPENSSL = {"openssl", openssl_init, openssl_update, openssl_final};
#define DEFAULT_BACKEND OPENSSL
#else
#define DEFAULT_BACKEND PORTABLE
#endif

enum { DIGEST = 32, BLOCK = 64 };

/* One batch: where its values are, and what to hash them with. */
typedef struct {
    const unsigned char *offsets, *data, *validity;
    Py_ssize_t offset, length, data_len;
    int wide, hex;
    const backend_t *b;
} batch_t;

static int is_valid(const batch_t *x, Py_ssize_t row)
{
    return x->validity == NULL || (x->validity[row >> 3] >> (row & 7)) & 1;
}

static int64_t offset_at(const batch_t *x, Py_ssize_t row)
{
    if (x->wide) {
        int64_t v;
        memcpy(&v, x->offsets + 8 * row, 8);
        return v;
    } else {
        int32_t v;
        memcpy(&v, x->offsets + 4 * row, 4);
        return v;
    }
}

static void put(unsigned char *out, const unsigned char digest[DIGEST], int hex)
{
    static const char digits[] = "0123456789abcdef";
    int i;
    if (!hex) {
        memcpy(out, digest, DIGEST);
        return;
    }
    for (i = 0; i < DIGEST; i++) {
        out[2 * i] = (unsigned char)digits[digest[i] >> 4];
        out[2 * i + 1] = (unsigned char)digits[digest[i] & 15];
    }
}

/* Hash every non-NULL row into out. With inner/outer (HMAC) each value is
 * H(outer || H(inner || value)); else H(value || suffix). Returns 0, or -1 when
 * an offset points outside the data (a malformed array): nothing is read there. */
static int hash_rows(const batch_t *x, const hash_ctx *inner, const hash_ctx *outer,
                     const unsigned char *suffix, size_t suffix_len, unsigned char *out)
{
    const size_t width = x->hex ? 2 * DIGEST : DIGEST;
    unsigned char digest[DIGEST];
    hash_ctx work;
    Py_ssize_t i;
    int status = 0;
    for (i = 0; i < x->length; i++) {
        Py_ssize_t row = x->offset + i;
        int64_t start, end;
        if (!is_valid(x, row))
            continue;
        start = offset_at(x, row);
        end = offset_at(x, row + 1);
        if (start < 0 || end < start || end > x->data_len) {
            status = -1;
            break;
        }
        if (inner != NULL) {
            work = *inner;
            x->b->update(&work, x->data + start, (size_t)(end - start));
            x->b->final(&work, digest);
            work = *outer;
            x->b->update(&work, digest, DIGEST);
        } else {
            x->b->init(&work);
            x->b->update(&work, x->data + start, (size_t)(end - start));
            x->b->update(&work, suffix, suffix_len);
        }
        x->b->final(&work, digest);
        put(out, digest, x->hex);
        out += width;
    }
    wipe(&work, sizeof work);
    wipe(digest, sizeof digest);
    return status;
}

/* RFC 2104's keyed states: inner after (K' ^ ipad) || prefix, outer after (K' ^ opad). */
static void keyed_states(const backend_t *b, const unsigned char *key, size_t key_len,
                         const unsigned char *prefix, size_t prefix_len, hash_ctx *inner, hash_ctx *outer)
{
    unsigned char padded[BLOCK], pad[BLOCK];
    hash_ctx t;
    int i;
    memset(padded, 0, BLOCK);
    if (key_len > BLOCK) {
        b->init(&t);
        b->update(&t, key, key_len);
        b->final(&t, padded);
        wipe(&t, sizeof t);
    } else if (key_len) {
        memcpy(padded, key, key_len);
    }
    for (i = 0; i < BLOCK; i++)
        pad[i] = padded[i] ^ 0x36;
    b->init(inner);
    b->update(inner, pad, BLOCK);
    b->update(inner, prefix, prefix_len);
    for (i = 0; i < BLOCK; i++)
        pad[i] = padded[i] ^ 0x5c;
    b->init(outer);
    b->update(outer, pad, BLOCK);
    wipe(padded, sizeof padded);
    wipe(pad, sizeof pad);
}

static int get_backend(const char *name, const backend_t **out)
{
    if (name == NULL) {
        *out = &DEFAULT_BACKEND;
        return 0;
    }
    if (strcmp(name, "portable") == 0) {
        *out = &PORTABLE;
        return 0;
    }
#ifdef CAPE_HAVE_OPENSSL
    if (strcmp(name, "openssl") == 0) {
        *out = &OPENSSL;
        return 0;
    }
#endif
    PyErr_SetString(PyExc_ValueError, "backend must be None, 'portable' or (when built with it) 'openssl'");
    return -1;
}

/* Check the buffers against the slice, count its non-NULL rows and allocate the
 * output. Returns a new bytes object, or NULL with an exception set. */
static PyObject *prepare(batch_t *x, Py_buffer *offsets, Py_buffer *data, PyObject *validity_obj,
                         Py_buffer *validity, int *have_validity)
{
    Py_ssize_t i, count = 0, width = x->wide ? 8 : 4;
    *have_validity = 0;
    if (x->offset < 0 || x->length < 0 || x->length > PY_SSIZE_T_MAX / 8 - x->offset - 1) {
        PyErr_SetString(PyExc_ValueError, "offset and length must be non-negative");
        return NULL;
    }
    if (offsets->len < (x->offset + x->length + 1) * width) {
        PyErr_SetString(PyExc_ValueError, "the offsets buffer is shorter than the slice");
        return NULL;
    }
    x->offsets = offsets->buf;
    x->data = data->buf;
    x->data_len = data->len;
    x->validity = NULL;
    if (validity_obj != Py_None) {
        if (PyObject_GetBuffer(validity_obj, validity, PyBUF_SIMPLE) < 0)
            return NULL;
        *have_validity = 1;
        if (validity->len < (x->offset + x->length + 7) / 8) {
            PyErr_SetString(PyExc_ValueError, "the validity buffer is shorter than the slice");
            return NULL;
        }
        x->validity = validity->buf;
    }
    for (i = 0; i < x->length; i++)
        count += is_valid(x, x->offset + i);
    return PyBytes_FromStringAndSize(NULL, count * (x->hex ? 2 * DIGEST : DIGEST));
}

static PyObject *finish(PyObject *out, int status)
{
    if (status < 0) {
        Py_DECREF(out);
        PyErr_SetString(PyExc_ValueError, "an offset points outside the data buffer");
        return NULL;
    }
    return out;
}

static PyObject *py_hmac_sha256(PyObject *self, PyObject *args)
{
    Py_buffer key, prefix, offsets, data, validity;
    PyObject *validity_obj, *out;
    const char *backend_name;
    batch_t x;
    hash_ctx inner, outer;
    int have_validity = 0, status = 0;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*y*y*y*Onnppz:hmac_sha256", &key, &prefix, &offsets, &data, &validity_obj,
                          &x.offset, &x.length, &x.wide, &x.hex, &backend_name))
        return NULL;
    out = get_backend(backend_name, &x.b) < 0 ? NULL
        : prepare(&x, &offsets, &data, validity_obj, &validity, &have_validity);
    if (out != NULL) {
        unsigned char *dest = (unsigned char *)PyBytes_AS_STRING(out);
        Py_BEGIN_ALLOW_THREADS
        keyed_states(x.b, key.buf, (size_t)key.len, prefix.buf, (size_t)prefix.len, &inner, &outer);
        status = hash_rows(&x, &inner, &outer, NULL, 0, dest);
        wipe(&inner, sizeof inner);
        wipe(&outer, sizeof outer);
        burn_stack();
        Py_END_ALLOW_THREADS
        out = finish(out, status);
    }
    if (have_validity)
        PyBuffer_Release(&validity);
    PyBuffer_Release(&key);
    PyBuffer_Release(&prefix);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&data);
    return out;
}

static PyObject *py_sha256_suffix(PyObject *self, PyObject *args)
{
    Py_buffer suffix, offsets, data, validity;
    PyObject *validity_obj, *out;
    const char *backend_name;
    batch_t x;
    int have_validity = 0, status = 0;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*y*y*Onnppz:sha256_suffix", &suffix, &offsets, &data, &validity_obj,
                          &x.offset, &x.length, &x.wide, &x.hex, &backend_name))
        return NULL;
    out = get_backend(backend_name, &x.b) < 0 ? NULL
        : prepare(&x, &offsets, &data, validity_obj, &validity, &have_validity);
    if (out != NULL) {
        unsigned char *dest = (unsigned char *)PyBytes_AS_STRING(out);
        Py_BEGIN_ALLOW_THREADS
        status = hash_rows(&x, NULL, NULL, suffix.buf, (size_t)suffix.len, dest);
        burn_stack();
        Py_END_ALLOW_THREADS
        out = finish(out, status);
    }
    if (have_validity)
        PyBuffer_Release(&validity);
    PyBuffer_Release(&suffix);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&data);
    return out;
}

/* keyed_uniforms: one uniform in [0, 1) per entity of an Arrow list<string>
 * (keyed_noise.py): u = (first 8 digest bytes, big-endian, >> 11) * 2^-53 of
 * HMAC-SHA256(key, prefix || field(v1) || ... || field(vn)), where field(v) is
 * v's 4-byte big-endian length and bytes and field(NULL) is FF FF FF FF. The
 * value fields are laid out in one reusable buffer (no Python object, no NumPy
 * pass with the GIL held); a NULL list gets 0.0 (the caller masks it). */
typedef struct {
    batch_t lists;          /* offsets into the child (in rows), validity of the lists */
    batch_t child;          /* the strings: offsets, data, validity */
    Py_ssize_t child_length;
} entities_t;

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Returns 0, -1 on an offset outside its buffer, -2 when out of memory. */
static int uniform_rows(const entities_t *e, const hash_ctx *inner, const hash_ctx *outer, double *out)
{
    const backend_t *b = e->lists.b;
    unsigned char digest[DIGEST];
    unsigned char *message = NULL;
    size_t capacity = 0;
    hash_ctx work;
    Py_ssize_t i;
    int status = 0;
    for (i = 0; i < e->lists.length && status == 0; i++) {
        Py_ssize_t row = e->lists.offset + i;
        int64_t first, last, j;
        size_t used = 0;
        uint64_t top;
        int k;
        if (!is_valid(&e->lists, row)) {
            out[i] = 0.0;
            continue;
        }
        first = offset_at(&e->lists, row);
        last = offset_at(&e->lists, row + 1);
        if (first < 0 || last < first || last > e->child_length) {
            status = -1;
            break;
        }
        for (j = first; j < last; j++) {
            Py_ssize_t at = e->child.offset + (Py_ssize_t)j;
            int64_t start = 0, end = 0;
            int valid = is_valid(&e->child, at);
            if (valid) {
                start = offset_at(&e->child, at);
                end = offset_at(&e->child, at + 1);
                if (start < 0 || end < start || end > e->child.data_len || end - start > 0xFFFFFFFEll) {
                    status = -1;
                    break;
                }
            }
            if (capacity - used < (size_t)(end - start) + 4) {
                size_t want = capacity ? capacity : 256;
                unsigned char *grown;
                while (want - used < (size_t)(end - start) + 4)
                    want *= 2;
                grown = PyMem_RawRealloc(message, want);
                if (grown == NULL) {
                    status = -2;
                    break;
                }
                message = grown;
                capacity = want;
            }
            put_be32(message + used, valid ? (uint32_t)(end - start) : 0xFFFFFFFFu);
            used += 4;
            if (end > start)
                memcpy(message + used, e->child.data + start, (size_t)(end - start));
            used += (size_t)(end - start);
        }
        if (status != 0)
            break;
        work = *inner;
        b->update(&work, message, used);
        b->final(&work, digest);
        work = *outer;
        b->update(&work, digest, DIGEST);
        b->final(&work, digest);
        top = 0;
        for (k = 0; k < 8; k++)
            top = (top << 8) | digest[k];
        out[i] = (double)(top >> 11) * (1.0 / 9007199254740992.0);
    }
    wipe(&work, sizeof work);
    wipe(digest, sizeof digest);
    PyMem_RawFree(message);
    return status;
}

static int check_entities(entities_t *e, Py_buffer *list_offsets, Py_buffer *child_offsets, Py_buffer *data)
{
    if (e->lists.offset < 0 || e->lists.length < 0 || e->child.offset < 0 || e->child_length < 0
        || e->lists.length > PY_SSIZE_T_MAX / 8 - e->lists.offset - 1
        || e->child_length > PY_SSIZE_T_MAX / 8 - e->child.offset - 1) {
        PyErr_SetString(PyExc_ValueError, "offsets and lengths must be non-negative");
        return -1;
    }
    if (list_offsets->len < (e->lists.offset + e->lists.length + 1) * (e->lists.wide ? 8 : 4)
        || child_offsets->len < (e->child.offset + e->child_length + 1) * (e->child.wide ? 8 : 4)) {
        PyErr_SetString(PyExc_ValueError, "an offsets buffer is shorter than its array");
        return -1;
    }
    e->lists.offsets = list_offsets->buf;
    e->child.offsets = child_offsets->buf;
    e->child.data = data->buf;
    e->child.data_len = data->len;
    return 0;
}

/* validity_obj (None or a buffer of at least bits bits) into x->validity. */
static int get_validity(PyObject *validity_obj, Py_buffer *validity, int *have, batch_t *x, Py_ssize_t bits)
{
    x->validity = NULL;
    if (validity_obj == Py_None)
        return 0;
    if (PyObject_GetBuffer(validity_obj, validity, PyBUF_SIMPLE) < 0)
        return -1;
    *have = 1;
    if (validity->len < (bits + 7) / 8) {
        PyErr_SetString(PyExc_ValueError, "a validity buffer is shorter than its array");
        return -1;
    }
    x->validity = validity->buf;
    return 0;
}

static PyObject *py_keyed_uniforms(PyObject *self, PyObject *args)
{
    Py_buffer key, prefix, list_offsets, child_offsets, data, list_validity, child_validity;
    PyObject *list_validity_obj, *child_validity_obj, *out = NULL;
    const char *backend_name;
    entities_t e;
    hash_ctx inner, outer;
    int have_lists = 0, have_child = 0, status = 0;
    (void)self;
    memset(&e, 0, sizeof e);
    if (!PyArg_ParseTuple(args, "y*y*y*Onnpy*y*Onnpz:keyed_uniforms", &key, &prefix,
                          &list_offsets, &list_validity_obj, &e.lists.offset, &e.lists.length, &e.lists.wide,
                          &child_offsets, &data, &child_validity_obj, &e.child.offset, &e.child_length,
                          &e.child.wide, &backend_name))
        return NULL;
    if (get_backend(backend_name, &e.lists.b) == 0 && check_entities(&e, &list_offsets, &child_offsets, &data) == 0
        && get_validity(list_validity_obj, &list_validity, &have_lists, &e.lists,
                        e.lists.offset + e.lists.length) == 0
        && get_validity(child_validity_obj, &child_validity, &have_child, &e.child,
                        e.child.offset + e.child_length) == 0)
        out = PyBytes_FromStringAndSize(NULL, e.lists.length * (Py_ssize_t)sizeof(double));
    if (out != NULL) {
        double *dest = (double *)PyBytes_AS_STRING(out);
        Py_BEGIN_ALLOW_THREADS
        keyed_states(e.lists.b, key.buf, (size_t)key.len, prefix.buf, (size_t)prefix.len, &inner, &outer);
        status = uniform_rows(&e, &inner, &outer, dest);
        wipe(&inner, sizeof inner);
        wipe(&outer, sizeof outer);
        burn_stack();
        Py_END_ALLOW_THREADS
        if (status == -2) {
            Py_DECREF(out);
            out = PyErr_NoMemory();
        } else {
            out = finish(out, status);
        }
    }
    if (have_lists)
        PyBuffer_Release(&list_validity);
    if (have_child)
        PyBuffer_Release(&child_validity);
    PyBuffer_Release(&key);
    PyBuffer_Release(&prefix);
    PyBuffer_Release(&list_offsets);
    PyBuffer_Release(&child_offsets);
    PyBuffer_Release(&data);
    return out;
}

static PyMethodDef methods[] = {
    {"hmac_sha256", py_hmac_sha256, METH_VARARGS,
     "hmac_sha256(key, prefix, offsets, data, validity, offset, length, wide, hex, backend) -> bytes\n"
     "HMAC-SHA256(key, prefix || value) of each non-NULL row of an Arrow binary/string slice."},
    {"sha256_suffix", py_sha256_suffix, METH_VARARGS,
     "sha256_suffix(suffix, offsets, data, validity, offset, length, wide, hex, backend) -> bytes\n"
     "SHA-256(value || suffix) of each non-NULL row of an Arrow binary/string slice."},
    {"keyed_uniforms", py_keyed_uniforms, METH_VARARGS,
     "keyed_uniforms(key, prefix, list_offsets, list_validity, list_offset, list_length, list_wide,\n"
     "               child_offsets, child_data, child_validity, child_offset, child_length, child_wide, backend)\n"
     "-> bytes: one native float64 per list (0.0 for a NULL list), the keyed uniform of its entity."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_hmac_native",
    "Keyed SHA-256 over Arrow batches with the GIL released (see cape_udfs/kernels/hmac_sha256.py).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__hmac_native(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddStringConstant(m, "SHA256_BACKEND", DEFAULT_BACKEND.name) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
