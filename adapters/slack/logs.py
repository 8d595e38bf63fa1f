"""Keep slack-bolt and slack_sdk from logging what practitioners typed.

Both libraries log whole request bodies: at DEBUG ("Sending a request ... body"), and bolt even at INFO
when a signature check fails ("Invalid request signature detected (... body: ...)"). bolt also gives each
logger it creates an explicit level copied from the root logger, so quietening the ``slack_bolt`` parent
is not enough. The adapter therefore hands bolt its own base logger, pinned at WARNING (every logger bolt
creates copies that level), and raises the libraries' existing loggers to WARNING too.
"""

from __future__ import annotations

import logging

BOLT_LOGGER = "adapters.slack.bolt"
LIBRARIES = ("slack_bolt", "slack_sdk")


def quiet_slack_loggers() -> logging.Logger:
    """Raise the Slack libraries' loggers to WARNING and return the base logger to give ``AsyncApp``."""
    for name in LIBRARIES:
        _at_least_warning(logging.getLogger(name))
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.split(".")[0] in LIBRARIES:
            _at_least_warning(logger)
    base = logging.getLogger(BOLT_LOGGER)
    _at_least_warning(base)
    return base


def _at_least_warning(logger: logging.Logger) -> None:
    if logger.level < logging.WARNING:
        logger.setLevel(logging.WARNING)
