#!/usr/bin/env bash
# Install Debian's chromium for the admin console's browser tests when it is missing and this machine allows
# it (root + apt-get); otherwise say why those tests will be skipped. Never fails the build.
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> Installing Debian's chromium for the browser tests (about 20 s)"
  if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1; then
    echo "==> Could not install chromium from Debian's packages: the browser tests will be skipped"
  fi
else
  echo "==> chromium is missing and installing it needs root and apt-get: the browser tests will be skipped"
fi
exit 0
