"""The ``[scheduler]`` section: defaults, per-community overrides, and clear load errors.

Why: a cron typo or an unknown time zone must stop the bot at load with file, line and a
working example — not silently never fire.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.config import ConfigError, parse_config
from bot.scheduler.config import SchedulerSettings
from domain.schedule import FrequencyCap, QuietHours


def errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "hearth.toml")
    return [str(issue) for issue in caught.value.issues]


def test_defaults_match_the_issue() -> None:
    settings = SchedulerSettings()
    assert settings.wakeup.silence_days == 30
    assert settings.wakeup.gaps() == (timedelta(days=7),) * 3
    assert settings.wakeup.quiet_hours.window() == QuietHours(time(22), time(8))
    assert [c.cap() for c in settings.wakeup.caps] == [FrequencyCap(1, timedelta(days=3)),
                                                       FrequencyCap(4, timedelta(days=30))]
    assert settings.digest.cron == "0 9 * * mon"
    assert settings.digest.engagement_weight == 0.6
    for name, field in SchedulerSettings.model_fields.items():
        assert field.description, name


def test_per_community_override_and_normalised_cron() -> None:
    config = parse_config(
        '[scheduler.wakeup]\nsilence_days = 45\n'
        '[[scheduler.announcements]]\ncron = "0 10 * * 1"\nchannel = "dc:5"\ntext = "hi"\n'
        '[[communities]]\nplatform = "discord"\nid = "1"\n'
        '[communities.scheduler.wakeup]\nsilence_days = 14\nscan_cron = "@daily"\n'
        '[[communities]]\nplatform = "discord"\nid = "2"\n', "hearth.toml")
    one, two = config.community("dc:1").scheduler, config.community("dc:2").scheduler
    assert (one.wakeup.silence_days, two.wakeup.silence_days) == (14, 45)
    assert one.wakeup.scan_cron == "0 0 * * *"
    # crontab's 1 is Monday; stored with names so APScheduler cannot read it as Tuesday
    assert two.announcements[0].cron == "0 10 * * mon"


@pytest.mark.parametrize(("toml", "expected"), [
    ('[[scheduler.announcements]]\ncron = "0 10 * * 8"\nchannel = "x"\ntext = "y"\n',
     "hearth.toml:2: scheduler.announcements[0].cron: day-of-week '8' in '0 10 * * 8' is not "
     "a weekday"),
    ('[scheduler.wakeup]\nscan_cron = "0 25 * * *"\n',
     "hearth.toml:2: scheduler.wakeup.scan_cron: cron expression '0 25 * * *' is not valid"),
    ('[scheduler.wakeup]\nscan_cron = "0 10 * *"\n',
     "has 4 fields; use five: minute hour day-of-month month day-of-week"),
    ('[scheduler]\ntimezone = "Mars/Olympus"\n',
     "hearth.toml:2: scheduler.timezone: unknown time zone 'Mars/Olympus'; use an IANA name"),
    ('[scheduler.wakeup.quiet_hours]\nstart = "25:00"\n',
     "'25:00' is not a time of day; write HH:MM in 24-hour form"),
    ('[scheduler.wakeup]\nstage_gap_days = [7, 7]\n', "scheduler.wakeup.stage_gap_days"),
    ('[[scheduler.triggers]]\nid = "Bad Id"\ntext = "x"\n', "must be lower-case letters"),
    ('[[scheduler.triggers]]\nid = "a"\ntext = "x"\ncontent = "suggest_channel"\n',
     'needs suggest_channel = "<channel id>"'),
    ('[[scheduler.triggers]]\nid = "a"\ntext = "x"\nevent = "member_joined"\n',
     "a join has no message to reply to"),
    ('[[scheduler.triggers]]\nid = "a"\ntext = "x"\n[[scheduler.triggers]]\nid = "a"\n'
     'text = "y"\n', "trigger id 'a' is used twice"),
    ('[scheduler.digest]\nweekday = "monday"\n', "must be one of"),
    ('[scheduler]\nsilence_days = 3\n', "unknown key"),
])
def test_bad_values_are_explained_with_where_and_how(toml: str, expected: str) -> None:
    found = errors(toml)
    assert any(expected in issue for issue in found), found


def test_the_example_config_documents_the_section() -> None:
    from bot.config_example import render_example

    text = render_example()
    for header in ("[scheduler]", "[scheduler.reminders]", "[scheduler.wakeup]",
                   "[scheduler.wakeup.quiet_hours]", "[[scheduler.wakeup.caps]]",
                   "[scheduler.digest]"):
        assert header in text
    parse_config(text, "config.example.toml")  # and it loads
