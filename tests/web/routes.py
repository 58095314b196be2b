"""Requests a browser test makes fail or wait, through Playwright's routes."""


class RequestSwitch:
    """Requests for one URL pattern, let through until the test says to fail or hold them.

    Put in before the page under test loads: a route added while a page runs can miss that
    page's next requests (microsoft/playwright#40338), and a save meant to fail then goes through.
    """

    def __init__(self, page, pattern: str):
        self.mode = "pass"  # or "abort", "abort once", "hold"
        self.requests: list[str] = []  # the URL of every request the pattern matched
        self.aborted: list[str] = []  # those made to fail
        self.held: list = []  # the routes waiting for let_through()
        page.route(pattern, self._handle)

    def _handle(self, route) -> None:
        self.requests.append(route.request.url)
        if self.mode == "hold":
            self.held.append(route)
        elif self.mode in ("abort", "abort once"):
            self.aborted.append(route.request.url)
            if self.mode == "abort once":
                self.mode = "pass"
            route.abort()
        else:
            route.continue_()

    def let_through(self, page, count: int = 1) -> None:
        """Wait until `count` requests are held, then send them on and let the next ones pass."""
        for _ in range(50):
            if len(self.held) >= count:
                break
            page.wait_for_timeout(100)
        assert len(self.held) == count
        self.mode = "pass"
        for route in self.held:
            route.continue_()
        self.held.clear()
