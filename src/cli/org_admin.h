/*
 * Organisation administration from the command line: create a node or a
 * user with the same rules the API applies (codes, types under parents,
 * human roles, password policy), each in one transaction with its audit
 * entry (actor "system", name "cli"). Shared by `user add`, `node add` and
 * `seed-demo`.
 */
#ifndef PD_CLI_ORG_ADMIN_H
#define PD_CLI_ORG_ADMIN_H

#include <stdbool.h>

#include "store/store.h"

enum pd_admin_result {
    PD_ADMIN_OK,
    PD_ADMIN_EXISTS,  /* the code or user name is taken (not an error for seeding) */
    PD_ADMIN_INVALID, /* bad argument: message printed */
    PD_ADMIN_FAILED   /* database failure: message printed */
};

/**
 * Create a node. @p parent_code NULL creates the head office (only when the
 * tree is empty). Messages go to stderr prefixed with @p cmd.
 */
enum pd_admin_result pd_admin_node_add(pd_store *st, const char *cmd, const char *code,
                                       const char *name, const char *type, const char *parent_code);

/**
 * Create a user, or with @p reset_existing set the password of an existing
 * one (seed-demo --password). @p phone may be NULL.
 */
enum pd_admin_result pd_admin_user_add(pd_store *st, const char *cmd, const char *username,
                                       const char *display_name, const char *role,
                                       const char *node_code, const char *password,
                                       const char *phone, bool reset_existing);

#endif
