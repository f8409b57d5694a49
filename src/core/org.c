/* Organisation vocabularies and checks; see org.h. */
#include "core/org.h"

#include <ctype.h>
#include <string.h>

const char *const pd_node_type_names[] = {
#define PD_NODE_TYPE(sym, name, zh, en) name,
#include "core/org.def"
#undef PD_NODE_TYPE
    NULL};

static const char *const node_type_zh[] = {
#define PD_NODE_TYPE(sym, name, zh, en) zh,
#include "core/org.def"
#undef PD_NODE_TYPE
};

const char *const pd_role_names[] = {
#define PD_ROLE(sym, name, zh, en, human) name,
#include "core/org.def"
#undef PD_ROLE
    NULL};

static const char *const role_zh[] = {
#define PD_ROLE(sym, name, zh, en, human) zh,
#include "core/org.def"
#undef PD_ROLE
};

static const bool role_human[] = {
#define PD_ROLE(sym, name, zh, en, human) human,
#include "core/org.def"
#undef PD_ROLE
};

static const char *const perm_names[] = {
#define PD_PERM(sym, name, zh) name,
#include "core/org.def"
#undef PD_PERM
    NULL};

static bool lookup(const char *const *names, int n, const char *s, int *out)
{
    if (!s)
        return false;
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

const char *pd_node_type_name(enum pd_node_type t)
{
    return (unsigned)t < PD_NODE__COUNT ? pd_node_type_names[t] : "unknown";
}

const char *pd_node_type_zh(enum pd_node_type t)
{
    return (unsigned)t < PD_NODE__COUNT ? node_type_zh[t] : "未知";
}

bool pd_node_type_parse(const char *s, enum pd_node_type *out)
{
    int i;
    if (!lookup(pd_node_type_names, PD_NODE__COUNT, s, &i))
        return false;
    *out = (enum pd_node_type)i;
    return true;
}

bool pd_node_parent_ok(enum pd_node_type parent, enum pd_node_type child)
{
    switch (child) {
    case PD_NODE_HEAD_OFFICE:
        return false; /* only ever the root */
    case PD_NODE_BRANCH_L1:
        return parent == PD_NODE_HEAD_OFFICE;
    case PD_NODE_BRANCH_L2:
        return parent == PD_NODE_HEAD_OFFICE || parent == PD_NODE_BRANCH_L1;
    case PD_NODE_BRANCH_L3:
        return parent == PD_NODE_BRANCH_L1 || parent == PD_NODE_BRANCH_L2 ||
               parent == PD_NODE_BRANCH_L3;
    case PD_NODE_OUTLET:
        return parent == PD_NODE_BRANCH_L1 || parent == PD_NODE_BRANCH_L2 ||
               parent == PD_NODE_BRANCH_L3;
    case PD_NODE_SORTING_CENTRE:
        return parent == PD_NODE_HEAD_OFFICE || parent == PD_NODE_BRANCH_L1 ||
               parent == PD_NODE_BRANCH_L2;
    default:
        return false;
    }
}

const char *pd_role_name(enum pd_role r)
{
    return (unsigned)r < PD_ROLE__COUNT ? pd_role_names[r] : "unknown";
}

const char *pd_role_zh(enum pd_role r)
{
    return (unsigned)r < PD_ROLE__COUNT ? role_zh[r] : "未知";
}

bool pd_role_parse(const char *s, enum pd_role *out)
{
    int i;
    if (!lookup(pd_role_names, PD_ROLE__COUNT, s, &i))
        return false;
    *out = (enum pd_role)i;
    return true;
}

bool pd_role_is_human(enum pd_role r)
{
    return (unsigned)r < PD_ROLE__COUNT && role_human[r];
}

const char *pd_perm_name(enum pd_perm p)
{
    return (unsigned)p < PD_PERM__COUNT ? perm_names[p] : "unknown";
}

bool pd_perm_parse(const char *s, enum pd_perm *out)
{
    int i;
    if (!lookup(perm_names, PD_PERM__COUNT, s, &i))
        return false;
    *out = (enum pd_perm)i;
    return true;
}

bool pd_scope_contains(const char *scope_path, const char *record_path)
{
    if (!scope_path || !record_path || scope_path[0] != '/')
        return false;
    size_t n = strlen(scope_path);
    return strncmp(scope_path, record_path, n) == 0;
}

bool pd_node_code_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > 32 || s[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

bool pd_username_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool pd_password_acceptable(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 8 || n > 128)
        return false;
    bool letter = false, digit = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalpha(c))
            letter = true;
        else if (isdigit(c))
            digit = true;
    }
    return letter && digit;
}
