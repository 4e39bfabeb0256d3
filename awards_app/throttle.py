"""Throttling of sign-in attempts, password-reset requests and registrations, with the ``limits`` library.

Failed sign-ins are counted per account (the e-mail typed) and per client address over a moving window; once
either count is spent, the sign-in form answers 429 without checking the password, so guessing stops paying even
for a right guess. A successful sign-in clears its account's count. Counters live in the storage named by
``RATELIMIT_STORAGE_URI``: ``memory://`` (one process) by default, ``redis://…`` or ``memcached://…`` to share
them between processes and machines. ``RATELIMIT_ENABLED = False`` switches throttling off (the test suite does,
except where it tests throttling).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from limits import RateLimitItem, parse, storage, strategies

EXTENSION = "awards_throttle"


@dataclass
class Throttle:
    limiter: strategies.MovingWindowRateLimiter
    rules: dict[str, RateLimitItem]
    enabled: bool

    def _keys(self, kind: str, value: str) -> tuple[str, str]:
        return (f"awards/{kind}", value.strip().lower()[:320] or "-")

    def retry_after(self, checks: list[tuple[str, str]]) -> int:
        """Seconds until every given (rule, value) allows another attempt; 0 when all allow one now."""
        if not self.enabled:
            return 0
        waits = [0]
        for rule, value in checks:
            limit = self.rules[rule]
            if not self.limiter.test(limit, *self._keys(rule, value)):
                reset, _remaining = self.limiter.get_window_stats(limit, *self._keys(rule, value))
                waits.append(max(1, int(reset - time.time())))
        return max(waits)

    def hit(self, checks: list[tuple[str, str]]) -> None:
        if self.enabled:
            for rule, value in checks:
                self.limiter.hit(self.rules[rule], *self._keys(rule, value))

    def clear(self, rule: str, value: str) -> None:
        if self.enabled:
            self.limiter.clear(self.rules[rule], *self._keys(rule, value))


def init_app(app: Flask) -> None:
    config = app.config
    store = storage.storage_from_string(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    rules = {
        "login-account": parse(config.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")),
        "login-address": parse(config.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes")),
        "reset-address": parse(config.get("RESET_LIMIT_PER_ADDRESS", "10 per hour")),
        "reset-account": parse(config.get("RESET_LIMIT_PER_ACCOUNT", "3 per hour")),
        "register-address": parse(config.get("REGISTER_LIMIT_PER_ADDRESS", "10 per hour")),
    }
    app.extensions[EXTENSION] = Throttle(strategies.MovingWindowRateLimiter(store), rules,
                                         bool(config.get("RATELIMIT_ENABLED", True)))


def throttle() -> Throttle:
    return current_app.extensions[EXTENSION]


def client_address() -> str:
    """The client's address (behind a reverse proxy, ProxyFix puts the forwarded one here when configured)."""
    return request.remote_addr or "-"
