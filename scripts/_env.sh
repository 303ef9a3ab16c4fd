# Shared by the scripts: pick Python (3.12 when the machine has it), make .venv, install.
# Sourced, not run.

pick_python() {
  local candidate
  for candidate in python3.12 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  echo "AIHM needs Python 3.11 or newer (3.12 preferred)" >&2
  return 1
}

# ensure_venv EXTRAS: create .venv if needed and install the project with those extras,
# again only when pyproject.toml changed since the last install.
ensure_venv() {
  local extras=$1 stamp=.venv/.installed-$1
  if [ ! -x .venv/bin/python ]; then
    "$(pick_python)" -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet --editable ".[$extras]"
    touch "$stamp"
  fi
}

compile_messages() {
  if command -v msgfmt >/dev/null 2>&1 && compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then
    .venv/bin/python manage.py compilemessages --ignore=.venv --verbosity 0
  fi
}

# apt_install PACKAGE...: install Debian packages the product uses from the system (chromium for
# the browser tests, sox for the simulated candidate's phone audio) when running as root with
# apt; otherwise say what is missing and carry on (what needs it says so when it runs).
apt_install() {
  local missing=() package
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
      || echo "could not install ${missing[*]} with apt: what needs them will say so" >&2
  else
    echo "not installed: ${missing[*]} (install them with apt as root); what needs them will say so" >&2
  fi
}
