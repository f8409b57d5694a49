#!/usr/bin/env bash
# Keeps docs/openapi.yaml true to the code. It checks that:
#   1. `x-error-codes` lists every code of src/core/errors.def with the same
#      HTTP status and messages, and nothing else (a renamed or removed code
#      is caught as well as a new one left undocumented);
#   2. every `code:` used in an example is a real code;
#   3. every route of src/http/api/routes.c is a documented path + method,
#      and every documented operation is a real route;
#   4. the file is well-formed: no tabs, no duplicate keys, balanced flow
#      collections, every `$ref` resolves, `openapi: 3.1.x`, every operation
#      has responses and a unique operationId. This structural check is a
#      small indentation reader in node (no YAML library is installed); when
#      python3 has PyYAML, the file is also loaded with a real YAML parser.
# Usage: check-openapi.sh            run the checks (exit 1 listing failures)
#        check-openapi.sh --print-error-codes   print the x-error-codes block
#        check-openapi.sh --self-test           prove each check can fail
# PD_OPENAPI, PD_ERRORS_DEF and PD_ROUTES_C point at other files (self-test).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OPENAPI=${PD_OPENAPI:-$ROOT/docs/openapi.yaml}
ERRORS_DEF=${PD_ERRORS_DEF:-$ROOT/src/core/errors.def}
ROUTES_C=${PD_ROUTES_C:-$ROOT/src/http/api/routes.c}

fails=0
fail() {
    echo "check-openapi: $*" >&2
    fails=$((fails + 1))
}

# ---- the registry ------------------------------------------------------------

# PD_ERR(SYMBOL, "area.reason", 404, "中文", "English") -> code<TAB>status<TAB>zh<TAB>en
read_registry() {
    sed -nE 's/^[[:space:]]*PD_ERR\([[:space:]]*[A-Z0-9_]+[[:space:]]*,[[:space:]]*"([^"]+)"[[:space:]]*,[[:space:]]*([0-9]{3})[[:space:]]*,[[:space:]]*"([^"]*)"[[:space:]]*,[[:space:]]*"([^"]*)"[[:space:]]*\).*$/\1\t\2\t\3\t\4/p' "$1"
}

[ -r "$ERRORS_DEF" ] || { echo "check-openapi: cannot read $ERRORS_DEF" >&2; exit 1; }
REGISTRY=$(read_registry "$ERRORS_DEF")
n_lines=$(grep -cE '^[[:space:]]*PD_ERR\(' "$ERRORS_DEF" || true)
n_parsed=$(grep -c . <<<"$REGISTRY" || true)
if [ "$n_parsed" -eq 0 ] || [ "$n_parsed" -ne "$n_lines" ]; then
    # A line this reader cannot parse would silently drop a code from the check.
    echo "check-openapi: parsed $n_parsed of $n_lines PD_ERR lines in $ERRORS_DEF; keep each entry on one line as PD_ERR(SYM, \"code\", status, \"zh\", \"en\")" >&2
    exit 1
fi

yaml_dq() { # a YAML double-quoted scalar
    local s=${1//\\/\\\\}
    printf '"%s"' "${s//\"/\\\"}"
}

if [ "${1:-}" = --print-error-codes ]; then
    while IFS=$'\t' read -r code status zh en; do
        printf '  - {code: %s, status: %s, zh: %s, en: %s}\n' "$code" "$status" "$(yaml_dq "$zh")" "$(yaml_dq "$en")"
    done <<<"$REGISTRY"
    exit 0
fi

if [ "${1:-}" = --self-test ]; then
    self=$(readlink -f "$0")
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    bad=0
    expect() { # pass|fail LABEL MESSAGE-REGEX OPENAPI [ERRORS_DEF] [ROUTES_C]
        local want=$1 label=$2 msg=$3 rc=0
        PD_OPENAPI=$4 PD_OPENAPI_NO_PYTHON=${NO_PYTHON:-} PD_ERRORS_DEF=${5:-$ERRORS_DEF} PD_ROUTES_C=${6:-$ROUTES_C} \
            bash "$self" >"$tmp/out" 2>&1 || rc=$?
        if { [ "$want" = pass ] && [ "$rc" -ne 0 ]; } || { [ "$want" = fail ] && [ "$rc" -eq 0 ]; } ||
            ! grep -Eq -- "$msg" "$tmp/out"; then
            echo "self-test: FAILED $label: wanted $want with /$msg/, got exit $rc:" >&2
            cat "$tmp/out" >&2
            bad=1
        else
            echo "self-test: ok   $label"
        fi
    }
    mutate() { # NAME SED-SCRIPT -> path of a mutated copy of the OpenAPI file
        sed -E "$2" "$OPENAPI" >"$tmp/$1.yaml"
        cmp -s "$OPENAPI" "$tmp/$1.yaml" && echo "self-test: mutation '$1' changed nothing" >&2
        echo "$tmp/$1.yaml"
    }
    expect pass "the committed files pass" '^check-openapi: ok' "$OPENAPI"
    expect fail "a missing error code" 'user\.exists \(src/core/errors\.def\) is missing' \
        "$(mutate nocode '/^  - \{code: user\.exists,/d')"
    expect fail "a wrong status" 'entry for node\.exists differs' \
        "$(mutate status 's/^(  - \{code: node\.exists, status: )409/\1400/')"
    expect fail "a stale message" 'entry for user\.not_found differs' \
        "$(mutate msg 's/^(  - \{code: user\.not_found, .*zh: )"[^"]*"/\1"没有"/')"
    expect fail "a code not in the registry" 'lists bogus\.code, which' \
        "$(mutate extra 's/^(x-error-codes:)$/\1\n  - {code: bogus.code, status: 400, zh: "假", en: "bogus"}/')"
    expect fail "an example with an unknown code" 'example uses the error code auth\.forbiden' \
        "$(mutate excode 's/code: auth\.forbidden, message/code: auth.forbiden, message/')"
    expect fail "a dangling \$ref" "schemas/Nodes does not resolve" \
        "$(mutate ref "0,/schemas\\/Node'/s//schemas\\/Nodes'/")"
    # The structural checks must hold without PyYAML too (a fresh Debian
    # has none), so each runs once with and once without it.
    for NO_PYTHON in "" 1; do
        sfx=${NO_PYTHON:+ (node only)}
        expect fail "a tab$sfx" 'tab character' "$(mutate tab 's/^(  summary: )/\t\1/')"
        expect fail "a duplicate key$sfx" 'duplicate key "operationId"' \
            "$(mutate dup 's/^(      operationId: me)$/\1\n      operationId: me2/')"
        expect fail "an unclosed flow collection$sfx" 'never closed' \
            "$(mutate flow 's/^(                  - \{id: 2, code: GD), /\1 [, /')"
        expect fail "\": \" in a plain scalar$sfx" 'inside a plain scalar' \
            "$(mutate colon 's/^(      summary: 健康检查) — /\1: /')"
        expect fail "a missing comma in a flow mapping$sfx" 'expected "," or "\}"' \
            "$(mutate comma 's/^(              example: \{status: ok)\}/\1 status2: x}/')"
    done
    NO_PYTHON=""
    expect fail "an operation without responses" 'GET /healthz has no responses' \
        "$(mutate noresp '/^      operationId: healthz$/,/^  \/metrics:$/{/^      responses:$/,/^$/d}')"
    expect fail "a duplicate operationId" 'operationId getNode also used' \
        "$(mutate opid 's/operationId: updateNode$/operationId: getNode/')"
    expect fail "openapi 3.0" 'openapi must be 3\.1' "$(mutate ver 's/^openapi: 3\.1\.0$/openapi: 3.0.3/')"
    cp "$ERRORS_DEF" "$tmp/errors.def"
    echo 'PD_ERR(SELFTEST_NEW, "selftest.new", 418, "测试", "test")' >>"$tmp/errors.def"
    expect fail "a new registry code not documented" 'selftest\.new \(src/core/errors\.def\) is missing' \
        "$OPENAPI" "$tmp/errors.def"
    echo 'PD_ERR(BROKEN,' >>"$tmp/errors.def"
    expect fail "an unparsable registry line" 'parsed [0-9]+ of [0-9]+ PD_ERR lines' "$OPENAPI" "$tmp/errors.def"
    if [ -r "$ROUTES_C" ]; then
        expect fail "a documented path that is not served" 'documents GET /api/v1/myself, which routes\.c' \
            "$(mutate path 's#^  /api/v1/me:$#  /api/v1/myself:#')"
        sed 's#^\(    {PD_GET, "/api/v1/me",.*\)$#\1\n    {PD_GET, "/api/v1/selftest", PD_ROUTE_AUTH, 0, x},#' \
            "$ROUTES_C" >"$tmp/routes.c"
        expect fail "an undocumented route" 'route GET /api/v1/selftest \(routes\.c\) is not documented' \
            "$OPENAPI" "$ERRORS_DEF" "$tmp/routes.c"
    fi
    [ "$bad" -eq 0 ] && echo "self-test: all passed"
    exit "$bad"
fi

[ -r "$OPENAPI" ] || { echo "check-openapi: cannot read $OPENAPI" >&2; exit 1; }

# ---- 1. x-error-codes against the registry -----------------------------------

# The block runs from "x-error-codes:" to the next top-level key or the end.
DOC_CODES=$(awk '/^x-error-codes:/ { on = 1; next } on && /^[^ #]/ { on = 0 } on' "$OPENAPI")
[ -n "$DOC_CODES" ] || fail "$OPENAPI has no x-error-codes list"
expected=$(bash "$0" --print-error-codes)
while IFS= read -r want; do
    code=$(sed -E 's/^  - \{code: ([^,]+),.*/\1/' <<<"$want")
    have=$(grep -F -- "  - {code: $code," <<<"$DOC_CODES" || true)
    if [ -z "$have" ]; then
        fail "error code $code (src/core/errors.def) is missing from x-error-codes"
    elif [ "$have" != "$want" ]; then
        fail "x-error-codes entry for $code differs from errors.def: have '$have', want '$want'"
    fi
done <<<"$expected"
while IFS= read -r have; do
    [ -n "$have" ] || continue
    [[ $have =~ ^[[:space:]]*# ]] && continue
    code=$(sed -nE 's/^  - \{code: ([^,]+),.*/\1/p' <<<"$have")
    if [ -z "$code" ]; then
        fail "x-error-codes: cannot read line '$have' (expected '  - {code: C, status: S, zh: \"…\", en: \"…\"}')"
    elif ! grep -q "^$code"$'\t' <<<"$REGISTRY"; then
        fail "x-error-codes lists $code, which src/core/errors.def does not define"
    fi
done <<<"$DOC_CODES"

# ---- 2. codes in examples ------------------------------------------------------

while IFS= read -r code; do
    grep -q "^$code"$'\t' <<<"$REGISTRY" || fail "an example uses the error code $code, which errors.def does not define"
done < <(awk '/^x-error-codes:/ { exit } 1' "$OPENAPI" | grep -oE '\{code: [a-z0-9_]+\.[a-z0-9_]+' | sed 's/{code: //' | sort -u)

# ---- 3. routes -------------------------------------------------------------------

# "METHOD /path" for every operation in the document (paths at 2 spaces,
# methods at 4, inside the top-level "paths:" mapping).
DOC_OPS=$(awk '
    /^[^ #]/ { inpaths = ($0 ~ /^paths:/); next }
    inpaths && /^  \/[^ ]*:[[:space:]]*$/ { p = $1; sub(/:$/, "", p); next }
    inpaths && /^    (get|post|put|patch|delete|head|options):[[:space:]]*$/ {
        m = $1; sub(/:$/, "", m); print toupper(m) " " p }' "$OPENAPI" | sort -u)
[ -n "$DOC_OPS" ] || fail "$OPENAPI documents no operations under paths:"
if [ -r "$ROUTES_C" ]; then
    CODE_OPS=$(sed -nE 's/.*\{[[:space:]]*PD_(GET|POST|PUT|PATCH|DELETE|HEAD)[[:space:]]*,[[:space:]]*"([^"]+)".*/\1 \2/p' "$ROUTES_C" | sort -u)
    [ -n "$CODE_OPS" ] || fail "found no routes in $ROUTES_C (has the table's format changed?)"
    while IFS= read -r op; do
        [ -z "$op" ] || grep -qxF -- "$op" <<<"$DOC_OPS" || fail "route $op (routes.c) is not documented in $OPENAPI"
    done <<<"$CODE_OPS"
    while IFS= read -r op; do
        [ -z "$op" ] || grep -qxF -- "$op" <<<"$CODE_OPS" || fail "$OPENAPI documents $op, which routes.c does not serve"
    done <<<"$DOC_OPS"
else
    echo "check-openapi: note: $ROUTES_C not found; routes not compared" >&2
fi

# ---- 4. structure ------------------------------------------------------------------

if command -v node >/dev/null 2>&1; then
    node - "$OPENAPI" <<'EOF' || fail "structural check failed (see above)"
// A reader for the YAML subset this file uses: block mappings, "- "
// sequences, flow collections (on one or more lines), quoted and plain
// scalars, | and > block scalars. It records the path of every block key,
// so that $refs can be resolved and duplicates found, and it parses each
// flow collection and scalar strictly enough to catch what a YAML parser
// would refuse (": " inside a plain scalar, a missing comma, a plain scalar
// starting with a reserved character). It does not build values.
const fs = require('fs');
const file = process.argv[process.argv.length - 1];
const lines = fs.readFileSync(file, 'utf8').split('\n');
const errors = [];
const err = (n, msg) => errors.push(`${file}:${n}: ${msg}`);
const keys = new Map();   // path -> line
const values = new Map(); // path -> scalar text
const refs = [];
const stack = [];         // {indent, path, seq}
const seqCount = new Map();
let block = -1;           // indent of the key that owns a block scalar
let pending = null;       // {text, line} of a flow collection spanning lines

// Depth of [ and { outside quotes and comments; NaN for an open quote.
function balance(s) {
  let d = 0, q = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q === "'") { if (c === "'") { if (s[i + 1] === "'") i++; else q = null; } continue; }
    if (q === '"') { if (c === '\\') i++; else if (c === '"') q = null; continue; }
    if (c === "'" || c === '"') {
      const prev = s.slice(0, i).trimEnd();
      if (prev === '' || /[:,\[{]$/.test(prev)) q = c;
      continue;
    }
    if (c === '#' && (i === 0 || s[i - 1] === ' ')) break;
    if (c === '[' || c === '{') d++;
    if (c === ']' || c === '}') d--;
  }
  return q ? NaN : d;
}

const RESERVED = '`@&*!%|>';

// Parse one value (flow collection, quoted or plain scalar); null when fine.
function parseValue(s, flowOnlyPlain) {
  let i = 0;
  const ws = () => { while (s[i] === ' ') i++; };
  const at = () => `column ${i + 1} ("${s.slice(i, i + 12)}")`;
  function node(inFlow) {
    ws();
    const c = s[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++; ws();
      if (s[i] === close) { i++; return; }
      for (;;) {
        node(true); ws();
        if (s[i] === ':') { i++; node(true); ws(); }
        else if (c === '{') throw `expected ":" in a flow mapping at ${at()}`;
        if (s[i] === ',') { i++; ws(); if (s[i] === close) { i++; return; } continue; }
        if (s[i] === close) { i++; return; }
        throw `expected "," or "${close}" at ${at()}`;
      }
    }
    if (c === "'") {
      for (i++; ; i++) {
        if (i >= s.length) throw 'unterminated quoted scalar';
        if (s[i] === "'") { if (s[i + 1] === "'") { i++; continue; } i++; return; }
      }
    }
    if (c === '"') {
      for (i++; ; i++) {
        if (i >= s.length) throw 'unterminated quoted scalar';
        if (s[i] === '\\') { i++; continue; }
        if (s[i] === '"') { i++; return; }
      }
    }
    if (c === undefined || RESERVED.includes(c)) throw `a plain scalar cannot start here: ${at()}`;
    while (i < s.length) {
      const ch = s[i];
      if (inFlow && ',[]{}'.includes(ch)) break;
      if (ch === ':' && (i + 1 >= s.length || s[i + 1] === ' ' || (inFlow && ',[]{}'.includes(s[i + 1])))) {
        if (inFlow) break;
        throw `": " inside a plain scalar (quote it) at ${at()}`;
      }
      if (ch === '#' && s[i - 1] === ' ') break;
      i++;
    }
  }
  try {
    node(false);
    ws();
    if (i < s.length && s[i] !== '#') throw `unexpected text at ${at()}`;
    return null;
  } catch (e) {
    return String(e);
  }
}

function checkValue(n, v) {
  if (v === '' || /^[|>][-+]?$/.test(v)) return;
  const b = balance(v);
  if (/^[\[{]/.test(v) && b > 0) { pending = {text: v, line: n}; return; }
  const e = parseValue(v);
  if (e) err(n, e);
}

lines.forEach((raw, idx) => {
  const n = idx + 1;
  if (raw.includes('\t')) err(n, 'tab character (YAML indentation must be spaces)');
  const indent = raw.match(/^ */)[0].length;
  if (block >= 0) {
    if (raw.trim() === '' || indent > block) return;
    block = -1;
  }
  for (const m of raw.matchAll(/\$ref: *'([^']*)'/g)) refs.push([n, m[1]]);
  if (pending) {
    if (/^\s*(#.*)?$/.test(raw)) return;
    pending.text += ' ' + raw.trim();
    const b = balance(pending.text);
    if (!(b > 0)) {
      const e = Number.isNaN(b) ? 'unterminated quoted scalar' : parseValue(pending.text);
      if (e) err(pending.line, e);
      pending = null;
    }
    return;
  }
  if (/^\s*(#.*)?$/.test(raw)) return;
  let ind = indent, rest = raw.slice(indent);
  // "- " opens a sequence item; its keys sit two columns further in.
  let item = false;
  while (rest.startsWith('- ') || rest === '-') {
    while (stack.length && (stack[stack.length - 1].indent > ind ||
                            (stack[stack.length - 1].indent === ind && stack[stack.length - 1].seq)))
      stack.pop();
    const parent = stack.length ? stack[stack.length - 1].path : '';
    const c = seqCount.get(parent) || 0;
    seqCount.set(parent, c + 1);
    stack.push({indent: ind, path: (parent ? parent + '/' : '') + c, seq: true});
    ind += 2;
    rest = rest.slice(2);
    item = true;
  }
  if (rest === '') return;
  const m = rest.match(/^('[^']*'|"[^"]*"|[^\s'"#{\[][^#]*?):(?: +(.*))?$/);
  if (!m) {
    if (item) checkValue(n, rest);
    else err(n, `expected "key: value" or "- item": "${rest.slice(0, 60)}"`);
    return;
  }
  let key = m[1];
  if (/^['"]/.test(key)) key = key.slice(1, -1);
  const value = (m[2] || '').trim();
  while (stack.length && stack[stack.length - 1].indent >= ind) stack.pop();
  const parent = stack.length ? stack[stack.length - 1].path : '';
  const path = (parent ? parent + '/' : '') + key.replace(/~/g, '~0').replace(/\//g, '~1');
  if (keys.has(path)) err(n, `duplicate key "${key}" (first at line ${keys.get(path)})`);
  keys.set(path, n);
  values.set(path, value.replace(/ +#.*$/, ''));
  stack.push({indent: ind, path, seq: false});
  if (/^[|>][-+]?$/.test(value)) { block = ind; return; }
  checkValue(n, value);
});
if (pending) err(pending.line, 'flow collection [ or { never closed');

for (const [n, ref] of refs) {
  if (!ref.startsWith('#/')) err(n, `only local $refs are used here: ${ref}`);
  else if (!keys.has(ref.slice(2))) err(n, `$ref ${ref} does not resolve`);
}
const ver = values.get('openapi');
if (!/^3\.1\.\d+$/.test(ver || '')) err(1, `openapi must be 3.1.x, is ${ver}`);
for (const k of ['info/title', 'info/version', 'paths', 'components/schemas/Error', 'x-error-codes']) {
  if (!keys.has(k)) err(1, `missing ${k.replace(/\//g, '.')}`);
}
const ops = new Map();
for (const [path, n] of keys) {
  const p = path.split('/');
  if (p.length === 3 && p[0] === 'paths' &&
      ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(p[2])) {
    const what = `${p[2].toUpperCase()} ${p[1].replace(/~1/g, '/')}`;
    if (!keys.has(path + '/responses')) err(n, `${what} has no responses`);
    const id = values.get(path + '/operationId');
    if (!id) err(n, `${what} has no operationId`);
    else if (ops.has(id)) err(n, `operationId ${id} also used at line ${ops.get(id)}`);
    else ops.set(id, n);
  }
}
if (errors.length) { console.error(errors.join('\n')); process.exit(1); }
EOF
else
    echo "check-openapi: note: node not found; structural check skipped" >&2
fi

if [ -z "${PD_OPENAPI_NO_PYTHON:-}" ] && command -v python3 >/dev/null 2>&1 &&
    python3 -c 'import yaml' 2>/dev/null; then
    python3 - "$OPENAPI" <<'EOF' || fail "the YAML parser refused the file or found a structural problem (see above)"
import sys, yaml

class NoDup(yaml.SafeLoader):
    pass

def mapping(loader, node, deep=False):
    seen = set()
    for k, _ in node.value:
        key = loader.construct_object(k, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", k.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)

NoDup.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
path = sys.argv[1]
try:
    doc = yaml.load(open(path, encoding="utf-8"), Loader=NoDup)
except yaml.YAMLError as e:
    print(f"{path}: {e}", file=sys.stderr)
    sys.exit(1)
bad = []

def resolve(ref):
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node

def walk(node, where):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and resolve(ref) is None:
            bad.append(f"{where}: $ref {ref} does not resolve")
        for k, v in node.items():
            walk(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, f"{where}[{i}]")

walk(doc, "$")
if not str(doc.get("openapi", "")).startswith("3.1."):
    bad.append("openapi must be 3.1.x")
for p, item in (doc.get("paths") or {}).items():
    common = [x.get("name") for x in item.get("parameters", []) if isinstance(x, dict)]
    for m, op in item.items():
        if m == "parameters":
            continue
        if "responses" not in op:
            bad.append(f"{m.upper()} {p}: no responses")
        names = common + [x.get("name") for x in op.get("parameters", []) if isinstance(x, dict)]
        for seg in p.split("/"):
            if seg.startswith("{") and seg[1:-1] not in names:
                bad.append(f"{m.upper()} {p}: path parameter {seg} is not declared")
codes = doc.get("x-error-codes")
if not isinstance(codes, list) or not all(isinstance(c, dict) and {"code", "status", "zh", "en"} <= c.keys() for c in codes):
    bad.append("x-error-codes must be a list of {code, status, zh, en}")
if bad:
    print("\n".join(f"{path}: {b}" for b in bad), file=sys.stderr)
    sys.exit(1)
EOF
fi

if [ "$fails" -gt 0 ]; then
    echo "check-openapi: $fails problem(s) in $OPENAPI" >&2
    exit 1
fi
echo "check-openapi: ok ($(grep -c . <<<"$REGISTRY") error codes, $(grep -c . <<<"$DOC_OPS") operations)"
