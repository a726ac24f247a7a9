"""The browser suite's conftest: active only when `make e2e` runs it.

`make test` collects tests/ as well, but it must stay fast and browser-free: without
CADENCE_E2E=1 this folder's tests are not collected and Playwright is never imported.
"""

import os

if os.environ.get("CADENCE_E2E") == "1":
    from tests.e2e.fixtures import (  # noqa: F401
        browser,
        new_context,
        page,
        pytest_runtest_makereport,
        stack,
    )
else:
    collect_ignore_glob = ["*"]
