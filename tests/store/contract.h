/*
 * Shared fixture of the store contract suite (the files of tests/store): one suite,
 * run once per backend (`store_contract sqlite`, `store_contract pg`), that
 * talks to the store only through pd_store_*, pd_tx_run and db->ops.
 *
 * Ownership: ct_store is opened and migrated by the group set-up and closed
 * by its tear-down. Databases made by ct_fresh_url() are dropped (PostgreSQL)
 * or deleted (SQLite) when the run ends. Strings returned are static.
 */
#ifndef PD_TESTS_STORE_CONTRACT_H
#define PD_TESTS_STORE_CONTRACT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/migrate.h"
#include "store/store.h"
#include "store/tx.h"

/** The shared, migrated store most tests use. */
extern pd_store *ct_store;

/** true when the run is against PostgreSQL. */
bool ct_is_pg(void);

/** URL of a new, empty database into out (512 bytes). */
void ct_fresh_url(char *out);

/** Open @p url (asserting success); @p o may be NULL. */
pd_store *ct_open(const char *url, const struct pd_store_options *o);

/** Open a fresh database and migrate it. */
pd_store *ct_open_fresh_migrated(void);

/** A number unique in this run, for codes and names that must not clash. */
int ct_seq(void);

/**
 * Acquire a connection of @p st and begin a read-write transaction; the
 * per-test tear-down rolls it back should an assertion fail before
 * ct_commit(). One at a time.
 */
pd_db *ct_begin(pd_store *st);
/** Commit (asserting success) and release. */
void ct_commit(pd_db *db);
/** Roll back and release. */
void ct_rollback(pd_db *db);
/** cmocka per-test tear-down undoing an unfinished ct_begin(). */
int ct_cleanup(void **state);

/** Insert a node (asserting success); @p code gets a unique suffix when it ends in '-'. */
int64_t ct_node(pd_db *db, const char *code, enum pd_node_type type, int64_t parent,
                struct pd_node *out);
/** Insert an active user (asserting success). */
int64_t ct_user(pd_db *db, const char *username, const char *display_name, enum pd_role role,
                int64_t node_id, struct pd_user *out);

/** Run a statement through exec_script on @p st, in a transaction; its pd_qs. */
pd_qs ct_exec(pd_store *st, const char *sql);

/* The test groups, one per file. */
extern const struct CMUnitTest ct_tests_core[];
extern const size_t ct_tests_core_n;
extern const struct CMUnitTest ct_tests_org[];
extern const size_t ct_tests_org_n;
extern const struct CMUnitTest ct_tests_auth[];
extern const size_t ct_tests_auth_n;
extern const struct CMUnitTest ct_tests_audit[];
extern const size_t ct_tests_audit_n;
extern const struct CMUnitTest ct_tests_orders[];
extern const size_t ct_tests_orders_n;
extern const struct CMUnitTest ct_tests_rates[];
extern const size_t ct_tests_rates_n;

extern const struct CMUnitTest ct_tests_areas[];
extern const size_t ct_tests_areas_n;
extern const struct CMUnitTest ct_tests_goods[];
extern const size_t ct_tests_goods_n;
extern const struct CMUnitTest ct_tests_notify[];
extern const size_t ct_tests_notify_n;
extern const struct CMUnitTest ct_tests_scans[];
extern const size_t ct_tests_scans_n;
extern const struct CMUnitTest ct_tests_ccrec[];
extern const size_t ct_tests_ccrec_n;
extern const struct CMUnitTest ct_tests_callcenter[];
extern const size_t ct_tests_callcenter_n;
extern const struct CMUnitTest ct_tests_problems[]; /* contract_problems.c (issue 4) */
extern const size_t ct_tests_problems_n;
extern const struct CMUnitTest ct_tests_bags[]; /* contract_bags.c (issue 4 item 2) */
extern const size_t ct_tests_bags_n;
extern const struct CMUnitTest ct_tests_tickets[]; /* contract_tickets.c (issue 5 part A) */
extern const size_t ct_tests_tickets_n;
extern const struct CMUnitTest ct_tests_service[]; /* contract_service.c (issue 5 part B) */
extern const size_t ct_tests_service_n;
extern const struct CMUnitTest ct_tests_trips[]; /* contract_trips.c (issue 4 item 2) */
extern const size_t ct_tests_trips_n;
#endif
