"""When the weekly digest is due: ``BOT_DIGEST_SCHEDULE`` ("mon 09:00") in ``BOT_DIGEST_TIMEZONE``.

``Schedule.week_of(moment)`` names the digest week a moment belongs to (the date of that week's scheduled
posting), which is the key instances claim in the store so a week's digest is posted once however many
instances run.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Schedule:
    weekday: int
    """0 for Monday."""
    at: dt.time
    zone: ZoneInfo

    def due(self, week_start: dt.date) -> dt.datetime:
        """The scheduled moment in the week starting on Monday ``week_start``."""
        day = week_start + dt.timedelta(days=self.weekday)
        return dt.datetime.combine(day, self.at, tzinfo=self.zone)

    def last_due(self, moment: dt.datetime) -> dt.datetime:
        """The latest scheduled moment at or before ``moment``."""
        local = moment.astimezone(self.zone)
        week_start = local.date() - dt.timedelta(days=local.weekday())
        due = self.due(week_start)
        return due if due <= local else self.due(week_start - dt.timedelta(days=7))

    def next_due(self, moment: dt.datetime) -> dt.datetime:
        last = self.last_due(moment)
        week_start = last.date() - dt.timedelta(days=last.weekday())
        return self.due(week_start + dt.timedelta(days=7))

    def week_of(self, moment: dt.datetime) -> str:
        """The key of the digest week ``moment`` falls in: the date of its scheduled posting."""
        return self.last_due(moment).date().isoformat()


def parse_schedule(schedule: str, timezone: str) -> Schedule:
    """``"mon 09:00"`` and ``"Europe/London"``; ``ConfigError`` naming the setting otherwise."""
    found = re.fullmatch(r"\s*([a-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})\s*", schedule.lower())
    if not found or found.group(1) not in DAYS or int(found.group(2)) > 23 or int(found.group(3)) > 59:
        raise ConfigError(f"BOT_DIGEST_SCHEDULE must be a weekday and a time such as 'mon 09:00', not {schedule!r}")
    try:
        zone = ZoneInfo(timezone.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"BOT_DIGEST_TIMEZONE must be a time zone such as Europe/London, not {timezone!r}") from None
    return Schedule(DAYS.index(found.group(1)), dt.time(int(found.group(2)), int(found.group(3))), zone)
