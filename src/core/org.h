/*
 * Organisation rules (DOMAIN.md §1), pure: node types and which may sit
 * under which, roles and permissions as enums generated from org.def,
 * network scoping by materialised tree path, and the checks on codes,
 * user names and passwords. No I/O; the permission matrix itself is data
 * loaded by the caller into a struct pd_perm_matrix.
 */
#ifndef PD_CORE_ORG_H
#define PD_CORE_ORG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pd_node_type {
#define PD_NODE_TYPE(sym, name, zh, en) PD_NODE_##sym,
#include "core/org.def"
#undef PD_NODE_TYPE
    PD_NODE__COUNT
};

enum pd_role {
#define PD_ROLE(sym, name, zh, en, human) PD_ROLE_##sym,
#include "core/org.def"
#undef PD_ROLE
    PD_ROLE__COUNT
};

enum pd_perm {
#define PD_PERM(sym, name, zh) PD_PERM_##sym,
#include "core/org.def"
#undef PD_PERM
    PD_PERM__COUNT
};

/* Sizes of the text fields of organisation records, in bytes incl. NUL. */
#define PD_CODE_MAX     33  /* node codes: A-Z 0-9 '-', 2..32 */
#define PD_USERNAME_MAX 65  /* a-z 0-9 . _ -, 2..64 */
#define PD_NAME_MAX     260 /* display names: up to 64 characters of UTF-8 (4 bytes each) */
#define PD_PATH_MAX     256 /* materialised path "/1/4/9/" */

const char *pd_node_type_name(enum pd_node_type t);
const char *pd_node_type_zh(enum pd_node_type t);
/** @return false when @p s names no node type. */
bool pd_node_type_parse(const char *s, enum pd_node_type *out);
/** NULL-terminated list of node type names (for field-spec enums). */
extern const char *const pd_node_type_names[];

/**
 * Whether a node of type @p child may sit under a node of type @p parent:
 * head office at the root only; branches under head office or a higher
 * branch; outlets under any branch; sorting centres under head office or a
 * level-1/2 branch.
 */
bool pd_node_parent_ok(enum pd_node_type parent, enum pd_node_type child);

const char *pd_role_name(enum pd_role r);
const char *pd_role_zh(enum pd_role r);
bool pd_role_parse(const char *s, enum pd_role *out);
/** true for staff roles (user accounts), false for machine roles (API keys). */
bool pd_role_is_human(enum pd_role r);
extern const char *const pd_role_names[];

const char *pd_perm_name(enum pd_perm p);
bool pd_perm_parse(const char *s, enum pd_perm *out);

/** Which permissions each role holds: one bit per permission. */
struct pd_perm_matrix {
    uint64_t bits[PD_ROLE__COUNT];
};
_Static_assert(PD_PERM__COUNT <= 64, "widen pd_perm_matrix");

static inline bool pd_perm_has(const struct pd_perm_matrix *m, enum pd_role r, enum pd_perm p)
{
    return (m->bits[r] >> p) & 1u;
}

/**
 * Network scoping: whether a record at node path @p record_path is visible
 * to a principal at @p scope_path, i.e. the record's node is the scope node
 * or below it. Paths are "/id/id/…/" from the root.
 */
bool pd_scope_contains(const char *scope_path, const char *record_path);

/** Node code: 2..32 of A-Z, 0-9 and '-', starting with a letter or digit. */
bool pd_node_code_valid(const char *s);
/** User name: 2..64 of a-z, 0-9, '.', '_' and '-'. */
bool pd_username_valid(const char *s);
/** Password policy: 8..128 bytes with at least one letter and one digit. */
bool pd_password_acceptable(const char *s);

#endif
