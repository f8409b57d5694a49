/*
 * Quote throughput: pd_tariff_quote in-process on one core over a fixed
 * array of varied, valid inputs (all services and zones, with and without
 * dimensions, insurance, COD, packaging, agency fees and contracts), against
 * a baseline loop that only reads the same inputs, so the figure is the fee
 * engine's own cost. Target: >= 1,000,000 quotes/s. Prints a table; a missed
 * target says FAIL (exit 0), a broken measurement (card not loading, a quote
 * failing) exits 1. Usage: quote_bench [ratecard.json]; BENCH_QUOTES=N.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/tariff.h"

#define N_INPUTS 4096
#define TARGET   1000000.0

static const int32_t districts[] = {440305, 440304, 440106, 450102, 310115, 310104, 110105,
                                    110228, 320102, 330106, 420106, 510107, 500103, 650102,
                                    540102, 630102, 210102, 460106, 530102, 610113};
#define N_DISTRICTS ((int)(sizeof districts / sizeof districts[0]))

static uint64_t rng = 0x2026;
static uint64_t next(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng >> 33;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    char path[512];
    const char *dir = getenv("PD_SOURCE_DIR");
    if (argc > 1)
        snprintf(path, sizeof path, "%s", argv[1]);
    else
        snprintf(path, sizeof path, "%s/data/ratecards/standard-2026.json", dir ? dir : ".");
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    static struct pd_ratecard card;
    struct pd_ratecard_error err;
    if (!doc) {
        fprintf(stderr, "quote_bench: cannot read %s: %s\n", path, jerr.text);
        return 1;
    }
    if (pd_ratecard_from_json(doc, &card, &err) != PD_OK) {
        fprintf(stderr, "quote_bench: %s: invalid at %s: %s\n", path, err.path, err.reason);
        return 1;
    }
    json_decref(doc);

    /* One core, as the target is stated per core. */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one);

    static const struct pd_contract_rate contract = {.contract_no = "HT-BENCH",
                                                     .freight_discount_bp = 1200};
    static struct pd_quote_input in[N_INPUTS];
    for (int i = 0; i < N_INPUTS; i++) {
        struct pd_quote_input *q = &in[i];
        q->service = (enum pd_service)(next() % PD_SVC__COUNT);
        q->origin_division = districts[next() % N_DISTRICTS];
        q->dest_division = districts[next() % N_DISTRICTS];
        enum pd_zone z;
        pd_tariff_zone(&card, q->origin_division, q->dest_division, &z);
        if (q->service == PD_SVC_COLD_CHAIN && z == PD_ZONE_REMOTE)
            q->service = PD_SVC_EXPRESS; /* not served: keep every quote valid */
        q->weight_g = 100 + (int64_t)(next() % 60000);
        if (next() % 2) {
            q->length_mm = 50 + (int64_t)(next() % 800);
            q->width_mm = 50 + (int64_t)(next() % 600);
            q->height_mm = 20 + (int64_t)(next() % 500);
        }
        if (next() % 3 == 0)
            q->declared_value_fen = (int64_t)(next() % 5000000);
        if (next() % 5 == 0)
            q->cod_fen = (int64_t)(next() % 500000);
        q->special_packaging = next() % 7 == 0;
        if (next() % 10 == 0) {
            q->agency[0] = "customs_declaration";
            q->n_agency = 1;
        }
        if (next() % 4 == 0)
            q->contract = &contract;
        q->at_ms = 1780243200000LL;
    }

    const char *env = getenv("BENCH_QUOTES");
    long n = env ? atol(env) : 20000000L;
    if (n < N_INPUTS)
        n = N_INPUTS;

    /* Baseline: touch the same input fields the same number of times. */
    volatile int64_t sink = 0;
    double t0 = now_s();
    int64_t acc = 0;
    for (long k = 0; k < n; k++) {
        const struct pd_quote_input *q = &in[k % N_INPUTS];
        acc += q->weight_g + q->declared_value_fen + q->cod_fen + q->dest_division;
    }
    sink = acc;
    double base_s = now_s() - t0;

    struct pd_quote out;
    int64_t total = 0;
    long failed = 0;
    t0 = now_s();
    for (long k = 0; k < n; k++) {
        if (pd_tariff_quote(&card, &in[k % N_INPUTS], &out) != PD_OK)
            failed++;
        total += out.total_fen;
    }
    double quote_s = now_s() - t0;
    sink = total;
    (void)sink;

    double qps = (double)n / quote_s;
    double net_ns = (quote_s - base_s) * 1e9 / (double)n;
    printf("quote_bench: %ld quotes over %d varied inputs, rate card %s v%d, one core\n", n,
           N_INPUTS, card.code, card.version);
    printf("| measure                     | value          | target        | result |\n");
    printf("|-----------------------------|----------------|---------------|--------|\n");
    printf("| baseline loop (ns/input)    | %14.2f |               |        |\n",
           base_s * 1e9 / (double)n);
    printf("| quote (ns/quote)            | %14.2f |               |        |\n",
           quote_s * 1e9 / (double)n);
    printf("| quote minus baseline (ns)   | %14.2f |               |        |\n", net_ns);
    printf("| quotes/s                    | %14.0f | >= %10.0f | %-6s |\n", qps, TARGET,
           qps >= TARGET ? "ok" : "FAIL");
    if (failed) {
        fprintf(stderr, "quote_bench: %ld quotes failed: the measurement is broken\n", failed);
        return 1;
    }
    return 0;
}
