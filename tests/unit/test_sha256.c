/*  test_sha256 - SHA-256 against the FIPS 180-2 published vectors and the
    padding boundaries (expected values from coreutils sha256sum). */
#include "pw_sha256.h"
#include "../pw_test.h"

typedef struct {
    const char *name;
    char fill; //  when non-zero: LEN copies of FILL instead of TEXT
    size_t len;
    const char *text;
    const char *hex;
} s_vector_t;

static const s_vector_t s_vectors [] = {
    //  FIPS 180-2 appendix B.1, B.2 (448-bit), and the 896-bit message of 180-4 examples
    {"abc", 0, 3, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"448-bit", 0, 56, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"896-bit", 0, 112,
     "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnop"
     "qrsmnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    {"empty", 0, 0, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    //  Padding boundaries: 55 fits one block, 56 needs a second, 64 is a full block
    {"55a", 'a', 55, NULL, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
    {"56a", 'a', 56, NULL, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
    {"63a", 'a', 63, NULL, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
    {"64a", 'a', 64, NULL, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
    {"65a", 'a', 65, NULL, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
    {"119a", 'a', 119, NULL, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
    {"120a", 'a', 120, NULL, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
};

#define S_VECTOR_COUNT (sizeof s_vectors / sizeof s_vectors [0])

static const char *
s_data (const s_vector_t *v, char *buffer)
{
    if (!v->fill)
        return v->text;
    memset (buffer, v->fill, v->len);
    return buffer;
}

static void
s_test_one_shot (void)
{
    char buffer [256];
    for (size_t i = 0; i < S_VECTOR_COUNT; i++) {
        char hex [PW_SHA256_HEX];
        pw_sha256_hex_of (s_data (&s_vectors [i], buffer), s_vectors [i].len, hex);
        if (strcmp (hex, s_vectors [i].hex) != 0)
            PW_FAIL_AT ("%s: got %s", s_vectors [i].name, hex);
    }
}

//  Feeding the same bytes in every split, including empty updates, must give
//  the same digest: that is where partial-block bookkeeping goes wrong.
static void
s_test_streaming_splits (void)
{
    char buffer [256];
    for (size_t i = 0; i < S_VECTOR_COUNT; i++) {
        const s_vector_t *v = &s_vectors [i];
        const char *data = s_data (v, buffer);
        for (size_t step = 1; step <= 65; step += (step < 10 ? 1 : 9)) {
            pw_sha256_t ctx;
            pw_sha256_init (&ctx);
            pw_sha256_update (&ctx, NULL, 0);
            for (size_t at = 0; at < v->len; at += step) {
                size_t take = v->len - at < step ? v->len - at : step;
                pw_sha256_update (&ctx, data + at, take);
            }
            uint8_t digest [PW_SHA256_SIZE];
            char hex [PW_SHA256_HEX];
            pw_sha256_final (&ctx, digest);
            pw_sha256_hex (digest, hex);
            if (strcmp (hex, v->hex) != 0)
                PW_FAIL_AT ("%s step %zu: got %s", v->name, step, hex);
        }
    }
}

//  FIPS 180-2 B.3: one million 'a', fed in uneven chunks.
static void
s_test_million_a (void)
{
    char chunk [1024];
    memset (chunk, 'a', sizeof chunk);
    pw_sha256_t ctx;
    pw_sha256_init (&ctx);
    size_t left = 1000000, size = 1;
    while (left > 0) {
        size_t take = size < left ? size : left;
        pw_sha256_update (&ctx, chunk, take);
        left -= take;
        size = size % 997 + 7;
    }
    uint8_t digest [PW_SHA256_SIZE];
    char hex [PW_SHA256_HEX];
    pw_sha256_final (&ctx, digest);
    pw_sha256_hex (digest, hex);
    PW_CHECK_STR (hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void
s_test_raw_digest_and_reuse (void)
{
    uint8_t digest [PW_SHA256_SIZE];
    pw_sha256 ("abc", 3, digest);
    PW_CHECK_INT (digest [0], 0xba);
    PW_CHECK_INT (digest [1], 0x78);
    PW_CHECK_INT (digest [31], 0xad);
    //  A context initialised again after final starts afresh
    pw_sha256_t ctx;
    pw_sha256_init (&ctx);
    pw_sha256_update (&ctx, "xyz", 3);
    pw_sha256_final (&ctx, digest);
    pw_sha256_init (&ctx);
    pw_sha256_update (&ctx, "abc", 3);
    pw_sha256_final (&ctx, digest);
    char hex [PW_SHA256_HEX];
    pw_sha256_hex (digest, hex);
    PW_CHECK_STR (hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    PW_CHECK_INT (strlen (hex), 64);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_one_shot);
    PW_RUN (s_test_streaming_splits);
    PW_RUN (s_test_million_a);
    PW_RUN (s_test_raw_digest_and_reuse);
    return PW_TEST_END ();
}
