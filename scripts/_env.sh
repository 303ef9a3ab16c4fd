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
