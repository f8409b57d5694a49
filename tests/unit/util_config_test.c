/* Unit tests of src/util/config.c and src/util/crypto.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/config.h"
#include "util/crypto.h"

static char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/pd-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void precedence(void **state)
{
    (void)state;
    struct pd_config c;
    char err[256];
    pd_config_defaults(&c);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_string_equal(c.db_url, "sqlite:var/parceldesk.db");

    char *path = write_tmp("# comment\n[server]\nlisten = 127.0.0.1:9000\nthreads = 3\n"
                           "[database]\nurl = \"postgresql://x@127.0.0.1/pd\"\n"
                           "[auth]\nlockout_s=60\n");
    assert_true(pd_config_load_file(&c, path, err));
    unlink(path);
    assert_string_equal(c.listen, "127.0.0.1:9000");
    assert_int_equal(c.threads, 3);
    assert_string_equal(c.db_url, "postgresql://x@127.0.0.1/pd");
    assert_int_equal(c.lockout_s, 60);

    setenv("PD_SERVER_THREADS", "5", 1);
    setenv("PD_AUTH_SESSION_TTL_S", "120", 1);
    assert_true(pd_config_load_env(&c, err));
    unsetenv("PD_SERVER_THREADS");
    unsetenv("PD_AUTH_SESSION_TTL_S");
    assert_int_equal(c.threads, 5);
    assert_int_equal(c.session_ttl_s, 120);

    /* flags: short aliases and --section-key names */
    assert_true(pd_config_set(&c, "db", "sqlite:/tmp/x.db", err));
    assert_true(pd_config_set(&c, "listen", "127.0.0.1:0", err));
    assert_true(pd_config_set(&c, "server-migrate-on-start", "true", err));
    assert_true(pd_config_set(&c, "server.cookie_secure", "yes", err));
    assert_string_equal(c.db_url, "sqlite:/tmp/x.db");
    assert_string_equal(c.listen, "127.0.0.1:0");
    assert_true(c.migrate_on_start);
    assert_true(c.cookie_secure);
}

static void bad_input(void **state)
{
    (void)state;
    struct pd_config c;
    char err[256];
    pd_config_defaults(&c);
    assert_false(pd_config_set(&c, "server.threads", "0", err));
    assert_non_null(strstr(err, "server.threads"));
    assert_false(pd_config_set(&c, "server.threads", "4x", err));
    assert_false(pd_config_set(&c, "server.trust_proxy", "maybe", err));
    assert_false(pd_config_set(&c, "server.colour", "blue", err));
    assert_non_null(strstr(err, "unknown setting"));
    assert_false(pd_config_set(&c, "listen", "not-an-address", err));
    assert_false(pd_config_set(&c, "listen", "127.0.0.1:65536", err));
    assert_false(pd_config_set(&c, "listen", "[::1:80", err));
    assert_true(pd_config_set(&c, "listen", "[::1]:80", err));
    char *path = write_tmp("[server]\nthreads = 1\n[nonsense]\nx = 1\n");
    assert_false(pd_config_load_file(&c, path, err));
    assert_non_null(strstr(err, ":4:")); /* the line of the bad key */
    unlink(path);
    path = write_tmp("listen = 1\n");
    assert_false(pd_config_load_file(&c, path, err));
    unlink(path);
    assert_false(pd_config_load_file(&c, "/nonexistent/pd.ini", err));
    setenv("PD_DATABASE_POOL_SIZE", "-1", 1);
    assert_false(pd_config_load_env(&c, err));
    unsetenv("PD_DATABASE_POOL_SIZE");
}

static void crypto(void **state)
{
    (void)state;
    assert_true(pd_crypto_init());
    char h[PD_PWHASH_MAX];
    assert_true(pd_password_hash("s3cret-密码", h));
    assert_non_null(strstr(h, "$argon2id$"));
    assert_true(pd_password_verify(h, "s3cret-密码"));
    assert_false(pd_password_verify(h, "s3cret-密"));
    assert_false(pd_password_verify("", "x"));
    char t1[PD_TOKEN_BUF], t2[PD_TOKEN_BUF];
    pd_random_token(t1);
    pd_random_token(t2);
    assert_int_equal(strlen(t1), PD_TOKEN_CHARS);
    assert_string_not_equal(t1, t2);
    char hex[PD_SHA256_HEX];
    pd_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* RFC 4231 test case 2 */
    pd_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assert_true(pd_str_equal_ct("abc", "abc"));
    assert_false(pd_str_equal_ct("abc", "abd"));
    assert_false(pd_str_equal_ct("abc", "ab"));
}

int main(void)
{
    setenv("PD_FAST_PWHASH", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(precedence),
        cmocka_unit_test(bad_input),
        cmocka_unit_test(crypto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
