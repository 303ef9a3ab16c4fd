"""Docker HEALTHCHECK: GET /health on this container, with a Host header that Django accepts
(production allows only ALLOWED_HOSTS). Exit 0 only on 200."""

import os
import sys
import urllib.error
import urllib.request


def allowed_host():
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip()
        if host and host != "*":
            return host.lstrip(".")
    return "localhost"


def main():
    request = urllib.request.Request(
        f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health",
        headers={"Host": allowed_host(), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"health check failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
