"""The checking engine: is each cited URL still there?

``checker.Checker`` is the facade the rest of linkcheck calls; ``options.CheckOptions``
configures it.  Inside: ``client`` (one attempt at one URL: requests, redirects by hand,
body sniff; the only module that knows aiohttp's exceptions), ``classify`` (what an
attempt saw → verdict, pure), ``retry`` (when and how long to wait, with tenacity),
``scheduler`` (global and per-host limits, intervals, pauses) and ``resolver`` (the
private-address guard, test name mapping, network probe).
"""

from linkcheck.check.checker import Checker
from linkcheck.check.options import CheckOptions, RetryPolicy
from linkcheck.check.scheduler import HostLimits, Limits

__all__ = ["CheckOptions", "Checker", "HostLimits", "Limits", "RetryPolicy"]
