/*
 * `parceldesk generate`: realistic waybills with their scan histories, for
 * benchmarks and demos, at the scale of the issue (a million waybills with
 * ten scans each in minutes). Orders are priced with the rate card in
 * effect (core/tariff, the cards app.c loads), stored with a normalised
 * document of the shape order intake writes (so GET /api/v1/waybills/{no}
 * and edits decode them), and routed through the network actually in the
 * database: picked up at the outlet serving the sender, through the
 * sorting centres nearest in the tree, delivered by the outlet serving the
 * recipient. Each waybill gets exactly --events-per-waybill events, oldest
 * first, never in the future, with device ids and sequences no other run
 * uses; then its tracking row is built as the server builds it. Everything
 * follows from --seed and the database's state, so a run can be repeated.
 * Writes go through the store operations the server uses, many waybills per
 * transaction (the speed comes from there, not from another write path).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/address.h"
#include "core/divisions.h"
#include "core/order_lifecycle.h"
#include "core/phone.h"
#include "core/promise.h"
#include "core/scan.h"
#include "core/tariff.h"
#include "core/waybill_no.h"
#include "http/api/tracking_build.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/goods_list.h"
#include "store/tx.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"

#define MAX_WAYBILLS   100000000L
#define MAX_EVENTS     100
#define TX_WAYBILLS    10000 /* waybills per transaction: big transactions are what makes it fast */
#define ROWS_PER_CALL  4000  /* events per scan_insert call (bounded memory) */
#define DEVICES        8     /* handheld devices per node */
#define MAX_ROUTE      (MAX_EVENTS + 16)
#define HOUR_MS        (3600LL * 1000)
#define MIN_MS         (60LL * 1000)
#define DAY_MS         (24 * HOUR_MS)
#define HISTORY_DAYS   7 /* finished journeys end somewhere in the last week */
#define DEFAULT_EVENTS 10

static const char help[] =
    "usage: parceldesk generate --db URL --waybills N [--events-per-waybill K] [--seed S]\n"
    "                           [--list FILE]\n"
    "\n"
    "Create N realistic waybills (senders and recipients in the districts the\n"
    "network serves, varied services, weights and payments, priced with the rate\n"
    "card) and K scan events for each (default 10; 0 = awaiting pickup) along a\n"
    "route through the network's outlets and sorting centres, with their tracking\n"
    "rows. Needs a migrated database with outlets (seed-demo gives the demo\n"
    "network). The same --seed (default 1) on the same database gives the same data.\n"
    "\n"
    "  --list FILE   write the new waybill numbers to FILE, one a line\n"
    "\n"
    "Exit status: 0 done, 2 bad arguments, 1 failure (reason on stderr).\n";

/* ---- deterministic randomness (xoshiro256**, seeded by splitmix64) ------- */

struct rng {
    uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Uniform in [0, n); n > 0. The bias of a 64-bit modulo is negligible here. */
static uint64_t below(struct rng *r, uint64_t n)
{
    return next(r) % n;
}

static int64_t between(struct rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)below(r, (uint64_t)(hi - lo + 1));
}

static bool chance(struct rng *r, int percent)
{
    return (int)below(r, 1000) < percent * 10;
}

#define PICK(r, arr) ((arr)[below((r), sizeof(arr) / sizeof((arr)[0]))])

/* ---- vocabularies ---------------------------------------------------------- */

static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴",   "周",  "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋",   "唐",  "许", "韩", "冯", "邓", "曹",
    "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋",   "蔡",  "余", "杜", "叶", "程", "苏",
    "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔",   "钟",  "谭", "陆", "汪", "范", "金",
    "石", "廖", "贾", "夏", "韦", "方", "白", "邹", "孟",   "熊",  "秦", "邱", "江", "尹", "薛",
    "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾",   "毛",  "郝", "龚", "邵", "万", "钱",
    "严", "覃", "武", "戴", "莫", "孔", "向", "汤", "欧阳", "司马"};
static const char *const given[] = {
    "伟",   "芳",   "娜",   "秀英", "敏",   "静",   "丽",   "强",   "磊",   "军",   "洋",
    "勇",   "艳",   "杰",   "娟",   "涛",   "明",   "超",   "秀兰", "霞",   "平",   "刚",
    "桂英", "华",   "玉兰", "萍",   "红",   "鹏",   "辉",   "建华", "玲",   "婷",   "斌",
    "宇",   "浩",   "凯",   "晨",   "欣",   "雪",   "琳",   "晶",   "颖",   "俊",   "帅",
    "佳",   "子轩", "梓涵", "一诺", "浩然", "思彤", "欣怡", "宇航", "子涵", "雨桐", "博文",
    "嘉怡", "梓轩", "晓东", "亮",   "波",   "峰",   "健",   "丹",   "飞",   "慧",   "倩",
    "瑶",   "楠",   "志强", "海燕", "春梅", "国庆", "文静", "立新", "晓燕", "振华"};
static const char *const mobile_prefixes[] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178",
    "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199"};
static const char *const roads[] = {"人民", "解放", "中山", "建设", "和平", "新华", "文化", "胜利",
                                    "青年", "长江", "黄河", "东风", "光明", "幸福", "朝阳", "迎宾",
                                    "滨江", "科技", "学府", "工业", "创业", "振兴", "华夏", "金融",
                                    "湖滨", "翠竹", "桂花", "梅林", "南湖", "北环", "西湖", "东湖"};
static const char *const road_kinds[] = {"路", "路", "路", "大道", "街", "东路", "西路", "北路"};
static const char *const estates[] = {"阳光花园", "锦绣家园", "翠湖苑",   "碧水湾",   "金色家园",
                                      "幸福里",   "和谐家园", "名都花园", "绿景新苑", "海景华庭",
                                      "书香门第", "万家灯火", "枫林小区", "康乐新村", "丽景花园"};
static const char *const towers[] = {"国际大厦", "科技园",     "创业中心", "商务中心",
                                     "金融大厦", "电子商务园", "物流园",   "工业园"};
static const char *const companies[] = {"",
                                        "",
                                        "",
                                        "",
                                        "",
                                        "",
                                        "",
                                        "",
                                        "优选商贸有限公司",
                                        "星辰科技有限公司",
                                        "宏达电子有限公司",
                                        "鑫源贸易有限公司"};
static const char *const remarks[] = {"",
                                      "",
                                      "",
                                      "",
                                      "",
                                      "",
                                      "",
                                      "",
                                      "",
                                      "",
                                      "易碎，轻拿轻放",
                                      "请先电话联系",
                                      "工作日白天送达",
                                      "请勿倒置"};
static const char *const proxies[] = {"门卫", "前台", "家人", "同事", "物业"};
static const char *const failure_reasons[] = {"unreachable", "unreachable", "address",
                                              "recipient_absent"};
static const char *const exception_reasons[] = {"damaged", "delayed", "delayed", "address",
                                                "missort"};

struct goods_kind {
    const char *name, *category;
    int min_g, max_g; /* per parcel */
};
static const struct goods_kind parcel_goods[] = {
    {"衣服", "服装", 200, 3000},         {"鞋子", "服装", 600, 2500},
    {"书籍", "图书", 300, 5000},         {"日用品", "日用百货", 200, 6000},
    {"手机壳", "数码配件", 100, 400},    {"数据线", "数码配件", 100, 500},
    {"文件", "文件资料", 100, 800},      {"茶叶", "食品", 250, 3000},
    {"零食", "食品", 300, 4000},         {"玩具", "玩具", 200, 3000},
    {"床上用品", "家纺", 1500, 8000},    {"办公用品", "文具", 300, 5000},
    {"厨房用具", "日用百货", 500, 6000}, {"保温杯", "日用百货", 300, 1200},
};
static const struct goods_kind cold_goods[] = {
    {"水果", "生鲜", 2000, 10000},
    {"海鲜", "生鲜", 1500, 8000},
    {"冷冻肉类", "生鲜", 2000, 10000},
    {"乳制品", "生鲜", 1000, 6000},
};
static const struct goods_kind freight_goods[] = {
    {"家具", "家具", 20000, 90000},
    {"机械配件", "机械", 15000, 80000},
    {"建材", "建材", 25000, 95000},
    {"办公桌椅", "家具", 15000, 60000},
};

static const char *const channels[] = {"ecommerce", "ecommerce", "ecommerce", "ecommerce",
                                       "app",       "app",       "web",       "phone",
                                       "phone",     "api",       "counter"};

/* ---- the network as read from the database --------------------------------- */

#define MAX_AREAS 32

struct gnode {
    int64_t id;
    char code[PD_CODE_MAX];
    char path[PD_PATH_MAX];
    enum pd_node_type type;
    uint32_t areas[MAX_AREAS]; /* GB/T 2260 codes of 2, 4 or 6 digits */
    int nareas;
    int hub;           /* outlets: the nearest sorting centre (index), -1 none */
    uint32_t *senders; /* outlets: districts the outlet collects from */
    size_t nsenders;
    uint64_t seq[DEVICES]; /* next device sequence of each device */
};

struct monthly {
    int64_t id;
    char code[PD_CODE_MAX];
    char name[PD_NAME_MAX];
    struct pd_contract_rate contract;
    bool has_contract;
};

/* One district as written on an order (names point into the static tables). */
struct district {
    uint32_t code;
    const char *province, *city, *name;
};

struct gen {
    struct pd_app *app;
    const struct pd_ratecard *cards; /* the "standard" card's versions */
    int ncards;
    int64_t now;
    long waybills;
    int events;
    struct rng rng;
    struct gnode *nodes;
    int nnodes;
    int *outlets, noutlets;
    int *hubs, nhubs;
    struct district *recipients; /* districts served by the network (or all of China) */
    size_t nrecipients;
    struct monthly *monthly;
    int nmonthly;
    const struct goods_kind *const *goods[3]; /* everyday, cold chain, freight */
    int ngoods[3];
    uint64_t run_tag; /* the first waybill's serial: makes device ids unique to the run */
    FILE *list;
    /* progress */
    long done;
    long long events_written;
};

/* ---- loading the network ------------------------------------------------- */

struct load_ctx {
    struct gen *g;
    int cap;
    pd_qs qs;
};

static int node_cb(void *cls, const struct pd_node *n)
{
    struct load_ctx *x = cls;
    struct gen *g = x->g;
    if (!n->active)
        return 0;
    if (g->nnodes == x->cap) {
        int cap = x->cap ? 2 * x->cap : 64;
        struct gnode *p = realloc(g->nodes, (size_t)cap * sizeof *p);
        if (!p)
            return PD_QS_HARD;
        g->nodes = p;
        x->cap = cap;
    }
    struct gnode *d = &g->nodes[g->nnodes++];
    memset(d, 0, sizeof *d);
    d->id = n->id;
    snprintf(d->code, sizeof d->code, "%s", n->code);
    snprintf(d->path, sizeof d->path, "%s", n->path);
    d->type = n->type;
    d->hub = -1;
    return 0;
}

static int area_cb(void *cls, const char *division)
{
    struct gnode *n = cls;
    char *end;
    unsigned long v = strtoul(division, &end, 10);
    if (*end == '\0' && pd_division_level_of((uint32_t)v) && n->nareas < MAX_AREAS)
        n->areas[n->nareas++] = (uint32_t)v;
    return 0;
}

static int customer_cb(void *cls, const struct pd_customer *c)
{
    struct gen *g = cls;
    if (!c->monthly || !c->active)
        return 0;
    struct monthly *p = realloc(g->monthly, (size_t)(g->nmonthly + 1) * sizeof *p);
    if (!p)
        return PD_QS_HARD;
    g->monthly = p;
    struct monthly *m = &g->monthly[g->nmonthly++];
    memset(m, 0, sizeof *m);
    m->id = c->id;
    snprintf(m->code, sizeof m->code, "%s", c->code);
    snprintf(m->name, sizeof m->name, "%s", c->name);
    if (c->contract && c->contract[0]) {
        json_t *j = json_loads(c->contract, 0, NULL);
        /* priced as intake prices it: a contract that does not parse is ignored */
        m->has_contract = j && pd_contract_from_json(j, &m->contract, NULL) == PD_OK;
        json_decref(j);
    }
    return 0;
}

static pd_qs load_tx(pd_db *db, void *cls)
{
    struct gen *g = cls;
    free(g->nodes);
    free(g->monthly);
    g->nodes = NULL;
    g->monthly = NULL;
    g->nnodes = g->nmonthly = 0;
    struct load_ctx x = {.g = g};
    pd_qs qs = db->ops->node_list(db, "/", node_cb, &x);
    for (int i = 0; qs >= 0 && i < g->nnodes; i++)
        qs = db->ops->node_areas_list(db, g->nodes[i].id, area_cb, &g->nodes[i]);
    if (qs >= 0)
        qs = db->ops->customer_list(db, "/", NULL, 0, 1000, customer_cb, g);
    return qs < 0 ? qs : PD_QS_ONE;
}

/* Districts (6 digits) under an area of any level that resolve as an order
 * address, appended to *out. */
static bool expand_area(uint32_t area, uint32_t **out, size_t *n, size_t *cap)
{
    uint32_t stack[2048];
    int top = 0;
    stack[top++] = area;
    while (top > 0) {
        uint32_t code = stack[--top];
        if (pd_division_level_of(code) == PD_DIVISION_DISTRICT) {
            struct pd_division_ref ref;
            char s[8];
            snprintf(s, sizeof s, "%06u", (unsigned)code);
            if (pd_address_resolve(NULL, NULL, NULL, s, &ref, NULL) != PD_OK)
                continue;
            if (*n == *cap) {
                size_t c = *cap ? 2 * *cap : 256;
                uint32_t *p = realloc(*out, c * sizeof *p);
                if (!p)
                    return false;
                *out = p;
                *cap = c;
            }
            (*out)[(*n)++] = code;
            continue;
        }
        size_t k;
        const struct pd_division *ch = pd_division_children(code, &k);
        for (size_t i = 0; ch && i < k && top < (int)(sizeof stack / sizeof stack[0]); i++)
            stack[top++] = ch[i].code;
    }
    return true;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static size_t dedupe(uint32_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u32);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!m || v[m - 1] != v[i])
            v[m++] = v[i];
    return m;
}

static size_t common_prefix(const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    return i;
}

/* Routes, sender districts and recipient districts from the loaded network. */
static bool prepare_network(struct gen *g, char err[256])
{
    g->outlets = calloc((size_t)g->nnodes + 1, sizeof *g->outlets);
    g->hubs = calloc((size_t)g->nnodes + 1, sizeof *g->hubs);
    if (!g->outlets || !g->hubs) {
        snprintf(err, 256, "out of memory");
        return false;
    }
    for (int i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].type == PD_NODE_OUTLET)
            g->outlets[g->noutlets++] = i;
        else if (g->nodes[i].type == PD_NODE_SORTING_CENTRE)
            g->hubs[g->nhubs++] = i;
    }
    if (g->noutlets == 0) {
        snprintf(err, 256,
                 "the network has no active outlet to pick parcels up from "
                 "(run `parceldesk seed-demo` or add outlets with `parceldesk node add`)");
        return false;
    }
    uint32_t *all = NULL;
    size_t nall = 0, capall = 0;
    for (int i = 0; i < g->nnodes; i++)
        for (int a = 0; a < g->nodes[i].nareas; a++)
            if (!expand_area(g->nodes[i].areas[a], &all, &nall, &capall))
                goto oom;
    if (nall == 0) /* a network without service areas: recipients anywhere in China */
        for (uint32_t p = 10; p < 100; p++)
            if (pd_division_find(p) && !expand_area(p, &all, &nall, &capall))
                goto oom;
    nall = dedupe(all, nall);
    if (nall == 0) {
        free(all);
        snprintf(err, 256, "no GB/T 2260 district resolves as an address");
        return false;
    }
    g->recipients = calloc(nall, sizeof *g->recipients);
    if (!g->recipients)
        goto oom;
    for (size_t i = 0; i < nall; i++) {
        struct pd_division_ref ref;
        char s[8];
        snprintf(s, sizeof s, "%06u", (unsigned)all[i]);
        pd_address_resolve(NULL, NULL, NULL, s, &ref, NULL); /* resolved in expand_area */
        g->recipients[i] = (struct district){all[i], ref.province_name, ref.city_display,
                                             ref.district_name ? ref.district_name : ""};
    }
    g->nrecipients = nall;
    for (int k = 0; k < g->noutlets; k++) {
        struct gnode *o = &g->nodes[g->outlets[k]];
        size_t cap = 0;
        for (int a = 0; a < o->nareas; a++)
            if (!expand_area(o->areas[a], &o->senders, &o->nsenders, &cap))
                goto oom;
        o->nsenders = dedupe(o->senders, o->nsenders);
        /* The nearest sorting centre is the one sharing the longest part of
         * the outlet's path in the tree (its branch's). */
        size_t best = 0;
        for (int h = 0; h < g->nhubs; h++) {
            size_t c = common_prefix(o->path, g->nodes[g->hubs[h]].path);
            if (o->hub < 0 || c > best) {
                o->hub = g->hubs[h];
                best = c;
            }
        }
    }
    free(all);
    return true;
oom:
    free(all);
    snprintf(err, 256, "out of memory");
    return false;
}

/* The outlet delivering to @p d: one serving the district itself, else one
 * with an area in the same city, then the same province, then any (the
 * demo network is small); ties broken by the district, so that a district
 * is always served by the same outlet. */
static int outlet_for(const struct gen *g, uint32_t d)
{
    static const uint32_t div[3] = {1, 100, 10000};
    for (int level = 0; level < 3; level++) {
        int found[64], n = 0;
        for (int k = 0; k < g->noutlets && n < 64; k++) {
            const struct gnode *o = &g->nodes[g->outlets[k]];
            for (int a = 0; a < o->nareas; a++) {
                uint32_t area = o->areas[a];
                /* the area's code padded to 6 digits, compared at this level */
                uint32_t full = area < 100 ? area * 10000 : area < 10000 ? area * 100 : area;
                bool covers = area < 100     ? d / 10000 == area
                              : area < 10000 ? d / 100 == area
                                             : d == area;
                if ((level == 0 && covers) || (level > 0 && full / div[level] == d / div[level])) {
                    found[n++] = g->outlets[k];
                    break;
                }
            }
        }
        if (n)
            return found[d % (uint32_t)n];
    }
    return g->outlets[d % (uint32_t)g->noutlets];
}

/* ---- one waybill ------------------------------------------------------------ */

struct party {
    char name[64], phone[PD_PHONE_MAX], company[128], address[200];
    struct district d;
};

struct event {
    enum pd_scan_type type;
    int node;
    int64_t at;
    enum pd_signer_type signer_type;
    bool consent;
    const char *reason;
    int prio; /* transit events only: which to keep when the route is too long */
};

struct wb {
    struct pd_waybill w;
    struct party s, r;
    const struct goods_kind *goods;
    enum pd_service svc;
    const char *channel, *payment, *remark, *customer_code, *company;
    char customer_ref[40];
    int64_t qty, len, wid, hei, value, cod;
    bool packaging;
    struct pd_quote q;
    int64_t created; /* when the order was taken (simulated) */
    struct event ev[MAX_ROUTE];
    int nev;
    char bag_no[33]; /* the bag the parcel travels in: unbagged by the same number */
};

static void person(struct rng *r, struct party *p)
{
    snprintf(p->name, sizeof p->name, "%s%s", PICK(r, surnames), PICK(r, given));
    char raw[16];
    snprintf(raw, sizeof raw, "%s%08u", PICK(r, mobile_prefixes), (unsigned)below(r, 100000000));
    if (pd_phone_normalise(raw, p->phone, sizeof p->phone, NULL) != PD_OK)
        snprintf(p->phone, sizeof p->phone, "%s", raw); /* every prefix above is a mobile one */
    p->company[0] = '\0';
}

static void street_address(struct rng *r, struct party *p, bool business)
{
    int no = (int)between(r, 1, 999);
    if (business)
        snprintf(p->address, sizeof p->address, "%s%s%d号%s%d楼%02d室", PICK(r, roads),
                 PICK(r, road_kinds), no, PICK(r, towers), (int)between(r, 1, 28),
                 (int)between(r, 1, 30));
    else
        snprintf(p->address, sizeof p->address, "%s%s%d号%s%d栋%d单元%d%02d室", PICK(r, roads),
                 PICK(r, road_kinds), no, PICK(r, estates), (int)between(r, 1, 30),
                 (int)between(r, 1, 4), (int)between(r, 1, 33), (int)between(r, 1, 8));
}

static struct district district_of(uint32_t code)
{
    struct pd_division_ref ref;
    char s[8];
    snprintf(s, sizeof s, "%06u", (unsigned)code);
    pd_address_resolve(NULL, NULL, NULL, s, &ref, NULL); /* codes come from expand_area */
    return (struct district){code, ref.province_name, ref.city_display,
                             ref.district_name ? ref.district_name : ""};
}

/* Weight per parcel of the goods, skewed towards the light end as parcels are. */
static int64_t weight_of(struct rng *r, const struct goods_kind *k)
{
    int64_t span = k->max_g - k->min_g;
    int64_t a = (int64_t)below(r, (uint64_t)span + 1), b = (int64_t)below(r, (uint64_t)span + 1);
    return k->min_g + (a < b ? a : b);
}

static const struct pd_ratecard *card_at(const struct gen *g, int64_t at)
{
    const struct pd_ratecard *c = pd_ratecard_pick(g->cards, g->ncards, at);
    return c ? c : pd_ratecard_pick(g->cards, g->ncards, g->now);
}

/* The order: parties, goods, service, payment, and its price. */
static bool make_order(struct gen *g, struct wb *b, int origin)
{
    struct rng *r = &g->rng;
    const struct gnode *o = &g->nodes[origin];
    person(r, &b->s);
    person(r, &b->r);
    b->s.d = o->nsenders ? district_of(o->senders[below(r, o->nsenders)])
                         : g->recipients[below(r, g->nrecipients)];
    b->r.d = g->recipients[below(r, g->nrecipients)];
    b->channel = PICK(r, channels);
    int u = (int)below(r, 100);
    b->svc = u < 70   ? PD_SVC_STANDARD
             : u < 90 ? PD_SVC_EXPRESS
             : u < 96 ? PD_SVC_COLD_CHAIN
                      : PD_SVC_FREIGHT;
    int gi = b->svc == PD_SVC_COLD_CHAIN ? 1 : b->svc == PD_SVC_FREIGHT ? 2 : 0;
    if (!g->ngoods[gi]) {
        b->svc = PD_SVC_STANDARD;
        gi = 0;
    }
    b->goods = g->goods[gi][below(r, (uint64_t)g->ngoods[gi])];
    u = (int)below(r, 100);
    b->w.parcels = b->svc == PD_SVC_FREIGHT ? (int)between(r, 1, 3)
                   : u < 95                 ? 1
                   : u < 99                 ? 2
                                            : (int)between(r, 3, 5);
    b->w.weight_g = 0;
    for (int i = 0; i < b->w.parcels; i++)
        b->w.weight_g += weight_of(r, b->goods);
    b->qty = b->w.parcels * between(r, 1, 3);
    b->len = b->wid = b->hei = 0;
    if (chance(r, 60)) {
        /* the consignment's outer size at a plausible density (100-400 kg/m³,
         * i.e. g per litre), as intake's density check sees it */
        int64_t vol_mm3 = b->w.weight_g * 1000000 / between(r, 100, 400);
        int64_t side = 50;
        while (side * side * side < vol_mm3)
            side += 5;
        b->len = side * between(r, 100, 140) / 100;
        b->wid = side;
        b->hei = vol_mm3 / (b->len * b->wid);
        if (b->hei < 20)
            b->hei = 20;
    }
    b->value = chance(r, 20) ? between(r, 100, 5000) * 100 : 0;
    b->packaging = chance(r, 3);
    b->remark = PICK(r, remarks);
    b->customer_code = NULL;
    b->company = "";
    b->w.customer_id = 0;
    const struct pd_contract_rate *contract = NULL;
    u = (int)below(r, 100);
    if (g->nmonthly && u < 12) {
        const struct monthly *m = &g->monthly[below(r, (uint64_t)g->nmonthly)];
        b->payment = "monthly";
        b->customer_code = m->code;
        b->w.customer_id = m->id;
        b->company = m->name;
        contract = m->has_contract ? &m->contract : NULL;
        snprintf(b->customer_ref, sizeof b->customer_ref, "SO%" PRIu64,
                 (uint64_t)between(r, 100000000, 999999999));
    } else {
        b->payment = u < 75 ? "sender" : u < 97 ? "receiver" : "third_party";
        b->customer_ref[0] = '\0';
        b->company = PICK(r, companies);
    }
    snprintf(b->s.company, sizeof b->s.company, "%s", b->company);
    street_address(r, &b->s, b->company[0] != '\0');
    street_address(r, &b->r, chance(r, 25));
    b->cod = !strcmp(b->payment, "sender") && chance(r, 5) ? between(r, 50, 500) * 100 : 0;

    for (int attempt = 0; attempt < 2; attempt++) {
        struct pd_quote_input in = {
            .service = b->svc,
            .origin_division = (int32_t)b->s.d.code,
            .dest_division = (int32_t)b->r.d.code,
            .weight_g = b->w.weight_g,
            .length_mm = b->len,
            .width_mm = b->wid,
            .height_mm = b->hei,
            .declared_value_fen = b->value,
            .cod_fen = b->cod,
            .special_packaging = b->packaging,
            .at_ms = b->created,
            .contract = contract,
        };
        const struct pd_ratecard *card = card_at(g, b->created);
        if (card && pd_tariff_quote(card, &in, &b->q) == PD_OK)
            return true;
        /* A service the card does not offer there: the customer takes standard. */
        b->svc = PD_SVC_STANDARD;
        b->goods = g->goods[0][below(r, (uint64_t)g->ngoods[0])];
        b->w.weight_g = weight_of(r, b->goods) * b->w.parcels;
        b->len = b->wid = b->hei = 0;
    }
    return false;
}

/* ---- the route ------------------------------------------------------------- */

enum fate {
    F_DELIVERED,
    F_PROXY,
    F_LOCKER,
    F_RETRY,
    F_OUT,
    F_FAILED,
    F_EXCEPTION,
    F_RETURNED,
    F_TRANSIT
};

static void add(struct wb *b, enum pd_scan_type t, int node, int prio)
{
    if (b->nev < MAX_ROUTE)
        b->ev[b->nev++] = (struct event){.type = t, .node = node, .prio = prio};
}

/* The line haul between the origin and destination outlets: departure from
 * the outlet, the sorting centres (transfer centres in between when the
 * route must be longer), departure from the last one. @p m events exactly
 * (the lowest-priority ones are left out when there are too many). */
static void transit(struct gen *g, struct wb *b, int from, int to, int m)
{
    int ha = g->nodes[from].hub, hb = g->nodes[to].hub;
    struct event mid[MAX_ROUTE + 8];
    int n = 0;
#define MID(t_, node_, prio_)                                                                      \
    do {                                                                                           \
        if (n < (int)(sizeof mid / sizeof mid[0]))                                                 \
            mid[n++] = (struct event){.type = (t_), .node = (node_), .prio = (prio_)};             \
    } while (0)
    if (ha < 0) { /* a network without sorting centres: outlet to outlet */
        MID(PD_SCAN_SORT, from, 4);
        MID(PD_SCAN_DEPARTURE, from, 9);
    } else {
        MID(PD_SCAN_DEPARTURE, from, 7);
        MID(PD_SCAN_ARRIVAL, ha, 9);
        MID(PD_SCAN_SORT, ha, 4);
        MID(PD_SCAN_BAG, ha, 3);
        MID(PD_SCAN_DEPARTURE, ha, 8);
        /* transfer centres on the way, when the route has room for them */
        int room = m - (hb != ha ? 9 : 5);
        for (int t = 0; room >= 3; t++, room -= 3) {
            int x = -1;
            for (int j = 0; j < g->nhubs && x < 0; j++) {
                int c = g->hubs[(size_t)(t + j) % (size_t)g->nhubs];
                if (c != ha && c != hb)
                    x = c;
            }
            if (x < 0)
                break;
            MID(PD_SCAN_ARRIVAL, x, 5);
            MID(PD_SCAN_SORT, x, 2);
            MID(PD_SCAN_DEPARTURE, x, 5);
        }
        if (hb != ha) {
            MID(PD_SCAN_ARRIVAL, hb, 9);
            MID(PD_SCAN_UNBAG, hb, 3);
            MID(PD_SCAN_SORT, hb, 4);
            MID(PD_SCAN_DEPARTURE, hb, 8);
        }
    }
#undef MID
    /* Too short: loading onto the truck before the last departure, then
     * more sorting passes after the last arrival. */
    for (int fill = 0; n < m && n < (int)(sizeof mid / sizeof mid[0]); fill++) {
        int at = n - 1, node = mid[n - 1].node;
        enum pd_scan_type t = PD_SCAN_LOAD;
        if (fill > 0) {
            t = PD_SCAN_SORT;
            at = 0;
            for (int i = n - 1; i >= 0; i--)
                if (mid[i].type == PD_SCAN_ARRIVAL) {
                    at = i + 1;
                    break;
                }
            node = at > 0 ? mid[at - 1].node : mid[0].node;
        }
        memmove(mid + at + 1, mid + at, (size_t)(n - at) * sizeof mid[0]);
        mid[at] = (struct event){.type = t, .node = node, .prio = 1};
        n++;
    }
    /* Too long: drop the lowest priority, the latest first, until m remain. */
    while (n > m) {
        int worst = n - 1;
        for (int i = n - 1; i >= 0; i--)
            if (mid[i].prio < mid[worst].prio)
                worst = i;
        memmove(mid + worst, mid + worst + 1, (size_t)(n - worst - 1) * sizeof mid[0]);
        n--;
    }
    for (int i = 0; i < n; i++)
        add(b, mid[i].type, mid[i].node, mid[i].prio);
}

/* Minutes between two events of the route, by what happens in between. */
static int64_t gap(struct rng *r, const struct event *prev, const struct event *e,
                   enum pd_zone zone, enum pd_service svc)
{
    int64_t lo, hi;
    switch (e->type) {
    case PD_SCAN_PICKUP:
        lo = 20, hi = 360;
        break;
    case PD_SCAN_ARRIVAL:
        if (prev->node == e->node)
            lo = 10, hi = 60;
        else if (zone == PD_ZONE_SAME_CITY || zone == PD_ZONE_SAME_PROVINCE)
            lo = 90, hi = 360;
        else
            lo = 600, hi = 2400; /* long-distance line haul */
        break;
    case PD_SCAN_SORT:
    case PD_SCAN_UNBAG:
        lo = 10, hi = 60;
        break;
    case PD_SCAN_BAG:
    case PD_SCAN_LOAD:
        lo = 5, hi = 40;
        break;
    case PD_SCAN_DEPARTURE:
        lo = 30, hi = 180;
        break;
    case PD_SCAN_STATION_ARRIVAL:
        lo = 60, hi = 300;
        break;
    case PD_SCAN_OUT_FOR_DELIVERY:
        if (prev->type == PD_SCAN_FAILED_ATTEMPT)
            lo = 900, hi = 1500; /* the next day's round */
        else
            lo = 30, hi = 240;
        break;
    case PD_SCAN_RETURN_START:
        lo = 600, hi = 1500;
        break;
    case PD_SCAN_RETURNED:
        lo = 1440, hi = 4320;
        break;
    default:
        lo = 30, hi = 360;
        break;
    }
    int64_t m = between(r, lo, hi);
    if (svc == PD_SVC_EXPRESS && e->type == PD_SCAN_ARRIVAL)
        m = m * 6 / 10; /* express rides the faster line haul */
    return m * MIN_MS + between(r, 0, 59) * 1000;
}

/* Couriers collect and deliver from 08:00 to 20:00 China time: a time
 * outside that moves to the next morning's round. */
static int64_t by_day(struct rng *r, int64_t at)
{
    int64_t tod = (at + 8 * HOUR_MS) % DAY_MS;
    if (tod < 8 * HOUR_MS)
        return at + 8 * HOUR_MS - tod + between(r, 0, 5399) * 1000;
    if (tod >= 20 * HOUR_MS)
        return at + DAY_MS - tod + 8 * HOUR_MS + between(r, 0, 5399) * 1000;
    return at;
}

/* The events of one waybill: exactly g->events of them, oldest first, the
 * last no later than g->now. */
static void make_route(struct gen *g, struct wb *b, int from, int to)
{
    struct rng *r = &g->rng;
    b->nev = 0;
    int k = g->events;
    if (k == 0)
        return;
    int u = (int)below(r, 1000);
    enum fate f = u < 600   ? F_DELIVERED
                  : u < 660 ? F_PROXY
                  : u < 720 ? F_LOCKER
                  : u < 800 ? F_RETRY
                  : u < 840 ? F_OUT
                  : u < 870 ? F_FAILED
                  : u < 890 ? F_EXCEPTION
                  : u < 900 ? F_RETURNED
                            : F_TRANSIT;
    static const int tail_len[] = {3, 3, 4, 5, 2, 3, 0, 5, 0};
    if (f == F_TRANSIT || k < tail_len[f] + 2)
        f = F_TRANSIT;
    add(b, PD_SCAN_PICKUP, from, 10);
    if (f == F_TRANSIT) {
        /* still on its way: a longer route, told only up to its k-th event */
        transit(g, b, from, to, k - 1 + (int)below(r, 4));
        b->nev = k;
    } else if (f == F_EXCEPTION) {
        transit(g, b, from, to, k - 2);
        struct event last = b->ev[b->nev - 1];
        add(b, PD_SCAN_EXCEPTION, last.node, 0);
        b->ev[b->nev - 1].reason = PICK(r, exception_reasons);
    } else {
        transit(g, b, from, to, k - 1 - tail_len[f]);
        add(b, PD_SCAN_STATION_ARRIVAL, to, 0);
        add(b, PD_SCAN_OUT_FOR_DELIVERY, to, 0);
        switch (f) {
        case F_DELIVERED:
        case F_PROXY:
            add(b, PD_SCAN_DELIVERED, to, 0);
            b->ev[b->nev - 1].signer_type = f == F_PROXY ? PD_SIGNER_PROXY : PD_SIGNER_RECIPIENT;
            b->ev[b->nev - 1].consent = f == F_PROXY;
            break;
        case F_LOCKER:
            add(b, PD_SCAN_LOCKER_IN, to, 0);
            b->ev[b->nev - 1].consent = true;
            add(b, PD_SCAN_DELIVERED, to, 0);
            b->ev[b->nev - 1].signer_type = PD_SIGNER_LOCKER;
            b->ev[b->nev - 1].consent = true;
            break;
        case F_RETRY:
            add(b, PD_SCAN_FAILED_ATTEMPT, to, 0);
            b->ev[b->nev - 1].reason = "unreachable";
            add(b, PD_SCAN_OUT_FOR_DELIVERY, to, 0);
            add(b, PD_SCAN_DELIVERED, to, 0);
            b->ev[b->nev - 1].signer_type = PD_SIGNER_RECIPIENT;
            break;
        case F_FAILED:
            add(b, PD_SCAN_FAILED_ATTEMPT, to, 0);
            b->ev[b->nev - 1].reason = PICK(r, failure_reasons);
            break;
        case F_RETURNED:
            add(b, PD_SCAN_FAILED_ATTEMPT, to, 0);
            b->ev[b->nev - 1].reason = "refused";
            add(b, PD_SCAN_RETURN_START, to, 0);
            add(b, PD_SCAN_RETURNED, from, 0);
            break;
        default:
            break;
        }
    }
    /* Times: the story is placed so that it ends before now (finished
     * journeys anywhere in the last week, those still moving recently),
     * then told step by step from the order on, couriers working by day;
     * a story that the day rule pushed past now moves back by whole days. */
    int64_t gaps[MAX_ROUTE], total = 0;
    struct event start = {.type = PD_SCAN_PICKUP, .node = from};
    for (int i = 0; i < b->nev; i++)
        total += gaps[i] = gap(r, i ? &b->ev[i - 1] : &start, &b->ev[i], b->q.zone, b->svc);
    bool moving = f == F_TRANSIT || f == F_OUT || f == F_EXCEPTION;
    int64_t back = moving ? between(r, 5 * MIN_MS, 12 * HOUR_MS)
                          : between(r, 5 * MIN_MS, HISTORY_DAYS * DAY_MS);
    int64_t created = g->now - back - total, at = created;
    for (int i = 0; i < b->nev; i++) {
        at += gaps[i];
        if (b->ev[i].type == PD_SCAN_PICKUP || b->ev[i].type == PD_SCAN_OUT_FOR_DELIVERY)
            at = by_day(r, at);
        b->ev[i].at = at;
    }
    int64_t latest = g->now - MIN_MS;
    if (b->nev && b->ev[b->nev - 1].at > latest) {
        int64_t shift = (b->ev[b->nev - 1].at - latest + DAY_MS - 1) / DAY_MS * DAY_MS;
        created -= shift;
        for (int i = 0; i < b->nev; i++)
            b->ev[i].at -= shift;
    }
    b->created = created;
}

/* ---- the stored order --------------------------------------------------------- */

static void party_json(pd_buf *o, const char *key, const struct party *p)
{
    char code[8];
    snprintf(code, sizeof code, "%06u", (unsigned)p->d.code);
    pd_buf_printf(o, ",\"%s\":{\"name\":", key);
    pd_buf_json_cstr(o, p->name);
    pd_buf_puts(o, ",\"phone\":");
    pd_buf_json_cstr(o, p->phone);
    pd_buf_puts(o, ",\"company\":");
    pd_buf_json_cstr(o, p->company);
    pd_buf_puts(o, ",\"province\":");
    pd_buf_json_cstr(o, p->d.province);
    pd_buf_puts(o, ",\"city\":");
    pd_buf_json_cstr(o, p->d.city);
    pd_buf_puts(o, ",\"district\":");
    pd_buf_json_cstr(o, p->d.name);
    pd_buf_printf(o, ",\"district_code\":\"%s\",\"address\":", code);
    pd_buf_json_cstr(o, p->address);
    pd_buf_putc(o, '}');
}

/* The normalised order document, key for key what order intake stores
 * (order_doc in http/api/order_intake.c), so that reads and edits decode it. */
static void order_json(pd_buf *o, const struct wb *b)
{
    pd_buf_reset(o);
    pd_buf_printf(o, "{\"channel\":\"%s\",\"service\":\"%s\",\"payment\":\"%s\",\"customer_code\":",
                  b->channel, pd_service_code(b->svc), b->payment);
    if (b->customer_code)
        pd_buf_json_cstr(o, b->customer_code);
    else
        pd_buf_puts(o, "null");
    pd_buf_puts(o, ",\"customer_ref\":");
    pd_buf_json_cstr(o, b->customer_ref);
    party_json(o, "sender", &b->s);
    party_json(o, "recipient", &b->r);
    pd_buf_puts(o, ",\"goods\":{\"name\":");
    pd_buf_json_cstr(o, b->goods->name);
    pd_buf_puts(o, ",\"category\":");
    pd_buf_json_cstr(o, b->goods->category);
    pd_buf_printf(o, ",\"quantity\":%" PRId64 ",\"weight_g\":%" PRId64, b->qty, b->w.weight_g);
    if (b->len)
        pd_buf_printf(o,
                      ",\"length_mm\":%" PRId64 ",\"width_mm\":%" PRId64 ",\"height_mm\":%" PRId64,
                      b->len, b->wid, b->hei);
    pd_buf_printf(o,
                  "},\"declared_value_fen\":%" PRId64 ",\"cod_fen\":%" PRId64
                  ",\"parcels\":%d,\"special_packaging\":%s,\"remarks\":",
                  b->value, b->cod, b->w.parcels, b->packaging ? "true" : "false");
    pd_buf_json_cstr(o, b->remark);
    pd_buf_puts(o, ",\"agency_fees\":[]}");
}

/* The quote as intake keeps it (quote_json in order_intake.c). */
static void quote_json(pd_buf *o, const struct pd_quote *q)
{
    pd_buf_reset(o);
    pd_buf_printf(o,
                  "{\"total_fen\":%" PRId64 ",\"chargeable_weight_g\":%" PRId64
                  ",\"actual_weight_g\":%" PRId64 ",\"volumetric_weight_g\":%" PRId64
                  ",\"zone\":\"%s\",\"components\":[",
                  q->total_fen, q->chargeable_weight_g, q->actual_weight_g, q->volumetric_weight_g,
                  pd_zone_code(q->zone));
    for (int i = 0; i < q->n_components; i++) {
        pd_buf_printf(o, "%s{\"code\":", i ? "," : "");
        pd_buf_json_cstr(o, q->components[i].code);
        pd_buf_printf(o, ",\"amount_fen\":%" PRId64 "}", q->components[i].amount_fen);
    }
    pd_buf_puts(o, "],\"ratecard\":{\"code\":");
    pd_buf_json_cstr(o, q->ratecard_code);
    pd_buf_printf(o,
                  ",\"version\":%d},\"pricing\":\"%s\",\"pricing_ref\":", (int)q->ratecard_version,
                  pd_pricing_code(q->pricing));
    if (q->pricing_ref)
        pd_buf_json_cstr(o, q->pricing_ref);
    else
        pd_buf_puts(o, "null");
    pd_buf_putc(o, '}');
}

/* The duplicate-check key intake computes (fingerprint in order_intake.c):
 * generated orders take part in duplicate detection like any other. */
static void fingerprint(const struct wb *b, char out[PD_SHA256_HEX])
{
    char buf[1024];
    int n =
        snprintf(buf, sizeof buf, "%s\x1f%s\x1f%06u\x1f%s\x1f%s\x1f%lld", b->s.phone, b->r.phone,
                 (unsigned)b->r.d.code, b->r.address, b->goods->name, (long long)b->w.weight_g);
    pd_sha256_hex(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1, out);
}

/* ---- the transaction ---------------------------------------------------------- */

struct chunk {
    struct gen *g;
    long count; /* waybills in this transaction */
    char (*numbers)[PD_WB_NO_SIZE];
    struct pd_scan_row *rows;
    bool *dup;
    int nrows;
    long long written;
    pd_buf doc, quote;
    struct wb b;
    char failure[200];
};

static pd_qs flush_rows(pd_db *db, struct chunk *c)
{
    if (c->nrows == 0)
        return PD_QS_ONE;
    memset(c->dup, 0, (size_t)c->nrows * sizeof *c->dup);
    pd_qs qs = db->ops->scan_insert(db, c->rows, c->nrows, c->dup);
    if (qs < 0)
        return qs;
    if ((long long)qs != c->nrows) {
        snprintf(c->failure, sizeof c->failure,
                 "%d of %d generated events were already stored (same device id and sequence)",
                 c->nrows - (int)qs, c->nrows);
        return PD_QS_HARD;
    }
    c->written += qs;
    c->nrows = 0;
    return PD_QS_ONE;
}

static void fill_row(struct pd_scan_row *row, const struct gen *g, struct gnode *nodes,
                     struct wb *b, const struct event *e, struct rng *r)
{
    memset(row, 0, sizeof *row);
    struct gnode *n = &nodes[e->node];
    snprintf(row->waybill_no, sizeof row->waybill_no, "%s", b->w.waybill_no);
    row->type = (int)e->type;
    row->at_ms = e->at;
    snprintf(row->node_code, sizeof row->node_code, "%s", n->code);
    int dev = (int)below(r, DEVICES);
    snprintf(row->operator_, sizeof row->operator_, "%s-%02d", n->code,
             dev * 3 + 1 + (int)below(r, 3));
    snprintf(row->device_id, sizeof row->device_id, "%s-PDA%02d-G%" PRIu64, n->code, dev,
             g->run_tag);
    row->device_seq = (int64_t)n->seq[dev]++;
    if (e->type == PD_SCAN_BAG) /* one bag per centre and hour */
        snprintf(b->bag_no, sizeof b->bag_no, "BG%.18s%06" PRId64, n->code,
                 (int64_t)((e->at / HOUR_MS) % 1000000));
    if (e->type == PD_SCAN_BAG || e->type == PD_SCAN_UNBAG)
        snprintf(row->bag_no, sizeof row->bag_no, "%s", b->bag_no[0] ? b->bag_no : "BG0000000000");
    if ((e->type == PD_SCAN_DEPARTURE && n->type == PD_NODE_SORTING_CENTRE) ||
        e->type == PD_SCAN_LOAD)
        snprintf(row->trip_no, sizeof row->trip_no, "TR%.18s%05" PRId64, n->code,
                 (int64_t)((e->at / (4 * HOUR_MS)) % 100000));
    if (b->svc == PD_SVC_COLD_CHAIN) {
        row->has_temperature = true;
        row->temperature_mc = (int32_t)between(r, 2000, 7800);
        if (chance(r, 2))
            row->temperature_mc = (int32_t)between(r, 8100, 9500); /* an excursion */
    }
    if (e->type == PD_SCAN_DELIVERED) {
        row->signer_type = (int)e->signer_type;
        const char *who = e->signer_type == PD_SIGNER_RECIPIENT ? b->r.name
                          : e->signer_type == PD_SIGNER_PROXY   ? PICK(r, proxies)
                                                                : "智能快递柜";
        snprintf(row->signer, sizeof row->signer, "%s", who);
        snprintf(row->photo, sizeof row->photo, "pod/%s.jpg", b->w.waybill_no);
    }
    if (e->type == PD_SCAN_DELIVERED || e->type == PD_SCAN_LOCKER_IN) {
        row->has_consent = e->consent;
        row->consent = e->consent;
    }
    if (e->reason)
        snprintf(row->reason, sizeof row->reason, "%s", e->reason);
    /* devices upload in batches: stored a little after the scan, never after now */
    row->received_ms = e->at + between(r, 1000, 5 * MIN_MS);
    if (row->received_ms > g->now)
        row->received_ms = g->now;
}

static pd_qs chunk_tx(pd_db *db, void *cls)
{
    struct chunk *c = cls;
    struct gen *g = c->g;
    /* A retried transaction must draw the same data: start from the state
     * this chunk began with. */
    struct rng saved = g->rng;
    uint64_t *seqs = malloc((size_t)g->nnodes * DEVICES * sizeof *seqs);
    if (!seqs)
        return PD_QS_HARD;
    for (int i = 0; i < g->nnodes; i++)
        memcpy(seqs + (size_t)i * DEVICES, g->nodes[i].seq, sizeof g->nodes[i].seq);
    uint64_t tag = g->run_tag;
    c->nrows = 0;
    c->written = 0;
    /* Inserts by key, scans as arrays, rebuilds by number: plans kept. */
    pd_qs qs = db->ops->plan_generic(db);
    if (qs >= 0)
        qs = PD_QS_ONE;
    struct wb *b = &c->b;
    for (long i = 0; i < c->count && qs >= 0; i++) {
        memset(&b->w, 0, sizeof b->w);
        b->bag_no[0] = '\0';
        int from = g->outlets[below(&g->rng, (uint64_t)g->noutlets)];
        /* the route's destination follows from the recipient's district,
         * chosen in make_order: pick the order first, with a provisional time */
        b->created = g->now;
        if (!make_order(g, b, from)) {
            snprintf(c->failure, sizeof c->failure,
                     "no service of the rate card prices an order from %06u to %06u",
                     (unsigned)b->s.d.code, (unsigned)b->r.d.code);
            qs = PD_QS_HARD;
            break;
        }
        int to = outlet_for(g, b->r.d.code);
        make_route(g, b, from, to);
        if (g->events == 0)
            b->created = g->now - between(&g->rng, 5 * MIN_MS, 2 * DAY_MS);

        struct pd_waybill *w = &b->w;
        w->state = g->events ? PD_ORDER_PICKED_UP : PD_ORDER_ACCEPTED;
        snprintf(w->channel, sizeof w->channel, "%s", b->channel);
        snprintf(w->service, sizeof w->service, "%s", pd_service_code(b->svc));
        snprintf(w->payment, sizeof w->payment, "%s", b->payment);
        snprintf(w->customer_ref, sizeof w->customer_ref, "%s", b->customer_ref);
        snprintf(w->sender_phone, sizeof w->sender_phone, "%s", b->s.phone);
        snprintf(w->recipient_phone, sizeof w->recipient_phone, "%s", b->r.phone);
        w->node_id = g->nodes[from].id;
        w->origin_division = (int32_t)b->s.d.code;
        w->dest_division = (int32_t)b->r.d.code;
        w->chargeable_weight_g = b->q.chargeable_weight_g;
        w->total_fen = b->q.total_fen;
        w->cod_fen = b->cod;
        w->declared_value_fen = b->value;
        struct pd_promise pr;
        pd_promise_compute(b->svc, b->q.zone, b->created, 0, &pr);
        w->promised_pickup_ms = pr.planned_pickup_ms;
        w->promised_delivery_ms = pr.promised_delivery_ms;
        fingerprint(b, w->fingerprint);
        /* The order's own time (waybill_insert stamps the row with the
         * insert time; the simulated one is passed for when it keeps it). */
        w->created_ms = w->updated_ms = b->created;
        order_json(&c->doc, b);
        quote_json(&c->quote, &b->q);
        if (c->doc.oom || c->quote.oom) {
            qs = PD_QS_HARD;
            break;
        }
        w->doc = c->doc.data;
        w->quote = c->quote.data;
        w->review = "[]";
        if ((qs = db->ops->waybill_insert(db, w)) < 0)
            break;
        memcpy(c->numbers[i], w->waybill_no, PD_WB_NO_SIZE);
        if (!g->run_tag) {
            uint64_t serial = 0;
            pd_waybill_no_parse(w->waybill_no, &serial);
            g->run_tag = serial ? serial : 1;
        }
        for (int e = 0; e < b->nev && qs >= 0; e++) {
            if (c->nrows == ROWS_PER_CALL)
                qs = flush_rows(db, c);
            if (qs >= 0)
                fill_row(&c->rows[c->nrows++], g, g->nodes, b, &b->ev[e], &g->rng);
        }
    }
    if (qs >= 0)
        qs = flush_rows(db, c);
    for (long i = 0; i < c->count && qs >= 0; i++)
        qs = pd_tracking_rebuild(g->app, db, c->numbers[i]);
    if (qs < 0) {
        g->rng = saved;
        g->run_tag = tag;
        for (int i = 0; i < g->nnodes; i++)
            memcpy(g->nodes[i].seq, seqs + (size_t)i * DEVICES, sizeof g->nodes[i].seq);
    }
    free(seqs);
    return qs < 0 ? qs : PD_QS_ONE;
}

/* ---- set-up and the command ---------------------------------------------------- */

static bool parse_long(const char *flag, const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = v && *v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || x < lo || x > hi) {
        fprintf(stderr, "parceldesk generate: --%s must be an integer from %ld to %ld (got '%s')\n",
                flag, lo, hi, v ? v : "");
        return false;
    }
    *out = x;
    return true;
}

/* The goods names the goods list lets through without review; a name the
 * list restricts or prohibits (the list is data and may change) is left
 * out, so generated orders never need a reviewer. */
static int screen_goods(struct pd_app *app, const struct goods_kind *in, int n,
                        const struct goods_kind **out)
{
    int m = 0;
    pd_arena a;
    pd_arena_init(&a, 1 << 16);
    for (int i = 0; i < n; i++) {
        struct pd_goods_match hit[1];
        if (pd_goods_list_check(app->goods, in[i].name, hit, 1, &a) == 0)
            out[m++] = &in[i];
        else
            pd_warn("generate: leaving out goods \"%s\": the goods list names it", in[i].name);
    }
    pd_arena_free(&a);
    return m;
}

static pd_qs audit_tx(pd_db *db, void *cls)
{
    struct pd_audit *a = cls;
    return db->ops->audit_insert(db, a);
}

int pd_cmd_generate(int argc, char **argv)
{
    static const char *const flags[] = {"waybills", "events-per-waybill", "seed", "list", NULL};
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            return PD_EXIT_OK;
        }
    struct pd_cli c;
    int rc = pd_cli_parse(&c, "generate", argc, argv, flags, NULL);
    if (rc)
        return rc;
    if (c.npos) {
        fprintf(stderr, "parceldesk generate: unexpected argument '%s'\n\n%s", c.pos[0], help);
        return PD_EXIT_USAGE;
    }
    long n, k = DEFAULT_EVENTS;
    const char *nv = pd_cli_need(&c, "waybills");
    if (!nv || !parse_long("waybills", nv, 1, MAX_WAYBILLS, &n))
        return PD_EXIT_USAGE;
    const char *kv = pd_cli_flag(&c, "events-per-waybill");
    if (kv && !parse_long("events-per-waybill", kv, 0, MAX_EVENTS, &k))
        return PD_EXIT_USAGE;
    uint64_t seed = 1;
    const char *sv = pd_cli_flag(&c, "seed");
    if (sv) {
        char *end;
        errno = 0;
        unsigned long long s = *sv && *sv != '-' ? strtoull(sv, &end, 10) : 0;
        if (!*sv || *sv == '-' || *end || errno) {
            fprintf(stderr,
                    "parceldesk generate: --seed must be an integer from 0 to %llu (got '%s')\n",
                    (unsigned long long)UINT64_MAX, sv);
            return PD_EXIT_USAGE;
        }
        seed = s;
    }
    const char *list_path = pd_cli_flag(&c, "list");
    if (list_path && !*list_path) {
        fprintf(stderr, "parceldesk generate: --list needs a file name\n");
        return PD_EXIT_USAGE;
    }

    static struct gen g; /* large: the network and the per-node counters */
    static struct pd_app app;
    memset(&g, 0, sizeof g);
    g.waybills = n;
    g.events = (int)k;
    g.now = pd_now_ms();
    rng_seed(&g.rng, seed);
    int status = PD_EXIT_FAIL;
    char err[256] = "";
    struct chunk ch;
    memset(&ch, 0, sizeof ch);
    pd_store *st = NULL;
    if (list_path && !(g.list = fopen(list_path, "w"))) {
        fprintf(stderr, "parceldesk generate: --list: cannot write %s: %s\n", list_path,
                strerror(errno));
        return PD_EXIT_FAIL;
    }
    if (!(st = pd_cli_open_migrated(&c)))
        goto out;
    snprintf(c.cfg.access_log, sizeof c.cfg.access_log, "off");
    if (!pd_app_init(&app, &c.cfg, st, err)) {
        fprintf(stderr, "parceldesk generate: %s\n", err);
        pd_store_close(st);
        st = NULL;
        goto out;
    }
    g.app = &app;
    for (int i = 0; i < app.n_ratecards; i++)
        if (!strcmp(app.ratecards[i].code, "standard")) {
            if (!g.ncards)
                g.cards = &app.ratecards[i];
            g.ncards++;
        }
    if (!g.ncards) {
        fprintf(stderr, "parceldesk generate: no rate card \"standard\" in %s/ratecards\n",
                c.cfg.data_dir);
        goto out_app;
    }
    static const struct goods_kind *screened[3][16];
    const struct goods_kind *kinds[3] = {parcel_goods, cold_goods, freight_goods};
    const int nkinds[3] = {sizeof parcel_goods / sizeof parcel_goods[0],
                           sizeof cold_goods / sizeof cold_goods[0],
                           sizeof freight_goods / sizeof freight_goods[0]};
    for (int i = 0; i < 3; i++) {
        g.ngoods[i] = screen_goods(&app, kinds[i], nkinds[i], screened[i]);
        g.goods[i] = screened[i];
    }
    if (!g.ngoods[0]) {
        fprintf(stderr, "parceldesk generate: the goods list refuses every everyday goods name\n");
        goto out_app;
    }
    if (pd_tx_run(st, "generate: network", true, load_tx, &g) < 0) {
        fprintf(stderr, "parceldesk generate: cannot read the network from the database\n");
        goto out_app;
    }
    if (!prepare_network(&g, err)) {
        fprintf(stderr, "parceldesk generate: %s\n", err);
        goto out_app;
    }

    ch.g = &g;
    ch.numbers = calloc(TX_WAYBILLS, sizeof *ch.numbers);
    ch.rows = calloc(ROWS_PER_CALL, sizeof *ch.rows);
    ch.dup = calloc(ROWS_PER_CALL, sizeof *ch.dup);
    pd_buf_init(&ch.doc);
    pd_buf_init(&ch.quote);
    if (!ch.numbers || !ch.rows || !ch.dup) {
        fprintf(stderr, "parceldesk generate: out of memory\n");
        goto out_app;
    }
    int64_t t0 = pd_mono_us();
    long next_report = n / 10;
    while (g.done < n) {
        ch.count = n - g.done < TX_WAYBILLS ? n - g.done : TX_WAYBILLS;
        ch.failure[0] = '\0';
        pd_qs qs = pd_tx_run(st, "generate", false, chunk_tx, &ch);
        if (qs < 0) {
            fprintf(stderr, "parceldesk generate: %s after %ld waybills\n",
                    ch.failure[0] ? ch.failure : "the database failed", g.done);
            goto out_app;
        }
        for (long i = 0; g.list && i < ch.count; i++)
            fprintf(g.list, "%s\n", ch.numbers[i]);
        if (g.list && ferror(g.list)) {
            fprintf(stderr, "parceldesk generate: --list: cannot write %s: %s\n", list_path,
                    strerror(errno));
            goto out_app;
        }
        g.done += ch.count;
        g.events_written += ch.written;
        if (g.done >= next_report && g.done < n) {
            fprintf(stderr, "parceldesk generate: %ld of %ld waybills (%.0f s)\n", g.done, n,
                    (double)(pd_mono_us() - t0) / 1e6);
            next_report += n / 10;
        }
    }
    if (g.list && fclose(g.list) != 0) {
        g.list = NULL;
        fprintf(stderr, "parceldesk generate: --list: cannot write %s: %s\n", list_path,
                strerror(errno));
        goto out_app;
    }
    g.list = NULL;
    double secs = (double)(pd_mono_us() - t0) / 1e6;
    char detail[200];
    snprintf(detail, sizeof detail,
             "{\"waybills\":%ld,\"events\":%lld,\"events_per_waybill\":%d,\"seed\":%" PRIu64 "}",
             g.done, g.events_written, g.events, seed);
    struct pd_audit a;
    pd_audit_system(&a, "generate", "waybill.generate", "waybill", NULL, 0, detail);
    if (pd_tx_run(st, "generate: audit", false, audit_tx, &a) < 0)
        fprintf(stderr, "parceldesk generate: warning: the audit entry could not be written\n");
    printf("generated %ld waybills and %lld scan events in %.1f s (%.0f waybills/s, %.0f "
           "events/s) on %s\n",
           g.done, g.events_written, secs, secs > 0 ? (double)g.done / secs : 0.0,
           secs > 0 ? (double)g.events_written / secs : 0.0, pd_store_backend(st));
    status = PD_EXIT_OK;
out_app:
    pd_app_free(&app);
out:
    if (st)
        pd_store_close(st);
    if (g.list)
        fclose(g.list);
    free(ch.numbers);
    free(ch.rows);
    free(ch.dup);
    pd_buf_free(&ch.doc);
    pd_buf_free(&ch.quote);
    for (int i = 0; i < g.nnodes; i++)
        free(g.nodes[i].senders);
    free(g.nodes);
    free(g.outlets);
    free(g.hubs);
    free(g.recipients);
    free(g.monthly);
    return status;
}
