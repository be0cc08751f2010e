#!/usr/bin/env bash
# Install Debian's chromium for the admin console's browser tests when it is missing and this machine allows
# it (root + apt-get); otherwise say what will happen to those tests: skipped, or failed when CI=true
# (tests/services.py). Never stops the build itself: pytest reports the missing browser.
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 && exit 0
case "${CI:-}" in
  [Tt][Rr][Uu][Ee]|1|[Yy][Ee][Ss]) outcome="fail (CI=true requires chromium)" ;;
  *) outcome="be skipped" ;;
esac
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> Installing Debian's chromium for the browser tests (about 20 s)"
  if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1; then
    echo "==> Could not install chromium from Debian's packages: the browser tests will $outcome"
  fi
else
  echo "==> chromium is missing and installing it needs root and apt-get: the browser tests will $outcome"
fi
exit 0
