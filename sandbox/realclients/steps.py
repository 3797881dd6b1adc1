"""What every third-party client driver here shares: numbered PASS/FAIL steps, the summary
line and exit code, and moving the sandbox clock through its control API."""

import json
import urllib.request


class Steps:
    """Runs checks; a check returns None when it passed, or a reason."""

    def __init__(self):
        self.results = []

    def step(self, name, check):
        try:
            problem = check()
        except Exception as error:  # the client's own failures count as failures
            problem = f"raised {error!r}"
        self.results.append(problem is None)
        print(f"PASS {name}" if problem is None else f"FAIL {name}: {problem}")

    def finish(self) -> int:
        """Prints `N passed, M failed`; the exit code is 0 only when nothing failed."""
        passed = sum(self.results)
        failed = len(self.results) - passed
        print(f"{passed} passed, {failed} failed")
        return 0 if failed == 0 else 1


def advance(base, seconds):
    """Moves the sandbox clock of the provider at `base` forward."""
    request = urllib.request.Request(
        f"{base}/__bankkit/clock/advance",
        data=json.dumps({"seconds": seconds}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).read()
