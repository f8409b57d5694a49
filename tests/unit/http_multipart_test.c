/*
 * Unit tests of http/multipart.c: the file part of a browser's or curl's
 * multipart/form-data body found by field name or as the only file, quoted
 * boundaries, a first delimiter without the CRLF before it, and bodies
 * refused for a missing boundary, an unterminated part or no file at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/multipart.h"

#define CT "multipart/form-data; boundary=----X1"

static void finds_the_file(void **state)
{
    (void)state;
    const char body[] = "------X1\r\n"
                        "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
                        "破损照片\r\n"
                        "------X1\r\n"
                        "Content-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
                        "Content-Type: image/jpeg\r\n\r\n"
                        "\xff\xd8\xff\r\nbinary\r\n"
                        "------X1--\r\n";
    struct pd_multipart_file f;
    char err[128];
    assert_true(pd_multipart_find(CT, body, sizeof body - 1, "file", &f, err));
    /* the CRLF before the next delimiter belongs to the delimiter */
    assert_int_equal(f.len, 11);
    assert_memory_equal(f.data, "\xff\xd8\xff\r\nbinary", 11);
    assert_string_equal(f.content_type, "image/jpeg");
    assert_string_equal(f.name, "file");
    /* another field name: the only file part still */
    assert_true(pd_multipart_find(CT, body, sizeof body - 1, "photo", &f, err));
    assert_string_equal(f.name, "file");
    /* a quoted boundary and a preamble */
    const char body3[] = "preamble\r\n--bq\r\n"
                         "Content-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n"
                         "%PDF-1.4\r\n--bq--";
    assert_true(pd_multipart_find("multipart/form-data; boundary=\"bq\"", body3, sizeof body3 - 1,
                                  "file", &f, err));
    assert_int_equal(f.len, 8);
    assert_string_equal(f.content_type, "");
}

static void refuses(void **state)
{
    (void)state;
    struct pd_multipart_file f;
    char err[128];
    const char ok[] =
        "------X1\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n------X1--";
    /* no file part at all */
    assert_false(pd_multipart_find(CT, ok, sizeof ok - 1, "file", &f, err));
    assert_non_null(strstr(err, "no file"));
    /* no boundary, or not multipart */
    assert_false(pd_multipart_find("multipart/form-data", ok, sizeof ok - 1, "file", &f, err));
    assert_false(pd_multipart_find("image/jpeg", ok, sizeof ok - 1, "file", &f, err));
    assert_false(pd_multipart_find(NULL, ok, sizeof ok - 1, "file", &f, err));
    /* a part that never ends */
    const char open[] = "------X1\r\nContent-Disposition: form-data; name=\"file\"; "
                        "filename=\"a\"\r\n\r\nabc";
    assert_false(pd_multipart_find(CT, open, sizeof open - 1, "file", &f, err));
    /* headers that never end */
    const char hdr[] = "------X1\r\nContent-Disposition: form-data; name=\"file\"";
    assert_false(pd_multipart_find(CT, hdr, sizeof hdr - 1, "file", &f, err));
    /* a part without Content-Disposition */
    const char nodisp[] = "------X1\r\nContent-Type: image/png\r\n\r\nabc\r\n------X1--";
    assert_false(pd_multipart_find(CT, nodisp, sizeof nodisp - 1, "file", &f, err));
    /* an empty body */
    assert_false(pd_multipart_find(CT, "", 0, "file", &f, err));
    assert_true(pd_multipart_is("Multipart/Form-Data; boundary=x"));
    assert_false(pd_multipart_is("multipart/form-datax"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_the_file),
        cmocka_unit_test(refuses),
    };
    return cmocka_run_group_tests_name("http/multipart.c", tests, NULL, NULL);
}
