#!/usr/bin/env bash
# Make sure the services the suite talks to are here: Redis at 127.0.0.1:6379 and
# Debian's Chromium, and axe-core from npm for the accessibility tests. Fails loudly
# instead of letting tests skip.
set -euo pipefail

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis at 127.0.0.1:6379 cannot be reached" >&2; exit 1; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# gettext: makemessages, and tests/test_i18n.py, which extracts the source strings with xgettext.
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# A Chinese font, so the zh-hans screenshots of the browser tests are legible.
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
test -x /usr/bin/chromium || { echo "Chromium is missing at /usr/bin/chromium" >&2; exit 1; }

# axe-core, pinned by tests/e2e/axe/package-lock.json (the tests also run npm ci if it is missing).
axe_dir="$(dirname "$0")/../tests/e2e/axe"
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
  (cd "$axe_dir" && npm ci --no-audit --no-fund --silent)
fi
