# Sourced by scripts/test.sh and scripts/bench.sh: installs the Debian packages the browser runs need when missing,
# Chromium (/usr/bin/chromium; Playwright never downloads a browser) and libvulkan1 (WebGPU on SwiftShader or a GPU).
need_apt=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need_apt+=(chromium)
# No `grep -q`: its early exit SIGPIPEs ldconfig, which pipefail would report as "missing".
ldconfig -p 2>/dev/null | grep libvulkan.so.1 >/dev/null || need_apt+=(libvulkan1)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing ${need_apt[*]} with apt-get" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null \
    || { echo "apt-get install ${need_apt[*]} failed; run it yourself: sudo apt-get install ${need_apt[*]}" >&2; exit 1; }
fi
