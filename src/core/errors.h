/*
 * Error codes: the enum generated from errors.def, with the stable machine
 * code, HTTP status and zh/en messages of each. PD_OK (0) means success;
 * functions that can fail for a reason a user should see return pd_err.
 */
#ifndef PD_CORE_ERRORS_H
#define PD_CORE_ERRORS_H

typedef enum pd_err {
    PD_OK = 0,
#define PD_ERR(sym, code, status, zh, en) PD_E_##sym,
#include "core/errors.def"
#undef PD_ERR
    PD_E__COUNT
} pd_err;

/** Stable machine code, e.g. "auth.forbidden" ("ok" for PD_OK). Never NULL. */
const char *pd_err_code(pd_err e);
/** HTTP status for the error (200 for PD_OK). */
int pd_err_status(pd_err e);
/** Human message in @p lang ("zh" default, "en"). Never NULL. */
const char *pd_err_message(pd_err e, const char *lang);
/** Look an error up by machine code. @return PD_OK when unknown. */
pd_err pd_err_from_code(const char *code);

#endif
