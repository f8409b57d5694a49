/* Tables generated from errors.def; see errors.h. */
#include "core/errors.h"

#include <string.h>

struct row {
    const char *code;
    int status;
    const char *zh;
    const char *en;
};

static const struct row rows[] = {
    {"ok", 200, "成功", "ok"},
#define PD_ERR(sym, code, status, zh, en) {code, status, zh, en},
#include "core/errors.def"
#undef PD_ERR
};

_Static_assert(sizeof(rows) / sizeof(rows[0]) == PD_E__COUNT, "error table out of step");

static const struct row *row_of(pd_err e)
{
    if ((int)e < 0 || e >= PD_E__COUNT)
        e = PD_E_INTERNAL;
    return &rows[e];
}

const char *pd_err_code(pd_err e)
{
    return row_of(e)->code;
}

int pd_err_status(pd_err e)
{
    return row_of(e)->status;
}

const char *pd_err_message(pd_err e, const char *lang)
{
    const struct row *r = row_of(e);
    return (lang && strncmp(lang, "en", 2) == 0) ? r->en : r->zh;
}

pd_err pd_err_from_code(const char *code)
{
    for (int i = 1; i < PD_E__COUNT; i++)
        if (strcmp(rows[i].code, code) == 0)
            return (pd_err)i;
    return PD_OK;
}
