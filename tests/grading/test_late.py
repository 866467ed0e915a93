"""The late policy (lstmkit/grading/late.py) against hand-computed values: days late and penalties on time, 1 s
late, exactly N days late, beyond the cap, within the grace period, with an extension; timestamp.txt as nbgrader
writes it in several time zones; clear errors for a malformed file or setting; and the deadline set with
nbgrader's own `nbgrader db assignment add --duedate` before the assignment is recorded."""
import datetime as dt
import os

import pytest

from lstmkit.grading.late import LateError, LatePolicy, PenaltyRule, lateness, read_timestamp

UTC = dt.timezone.utc
DUE = dt.datetime(2026, 11, 19, 16, 0, 0, tzinfo=UTC)
TEN_PERCENT_CAPPED = PenaltyRule(per_day=0.1, max_penalty=0.5)


def late_by(**delta):
    return DUE + dt.timedelta(**delta)


@pytest.mark.parametrize("submitted, days, penalty", [
    (late_by(seconds=-1), 0, 0.0),               # a second early
    (DUE, 0, 0.0),                               # on the deadline
    (late_by(seconds=1), 1, 0.6),                # 1 s late: the first started day, 10 % of 6 points
    (late_by(days=1), 1, 0.6),                   # exactly one day
    (late_by(days=2), 2, 1.2),                   # exactly two days
    (late_by(days=2, seconds=1), 3, 1.8),        # the third day has started
    (late_by(days=5), 5, 3.0),                   # 50 %: the cap reached
    (late_by(days=9, hours=3), 10, 3.0),         # beyond the cap
])
def test_days_late_and_penalty_by_hand(submitted, days, penalty):
    when = lateness(TEN_PERCENT_CAPPED, submitted, DUE)
    assert when.days_late == days
    assert when.seconds_late == max(0.0, (submitted - DUE).total_seconds())
    assert TEN_PERCENT_CAPPED.penalty(6.0, 6.0, when.days_late) == pytest.approx(penalty)


def test_the_penalty_never_exceeds_the_raw_score():
    assert TEN_PERCENT_CAPPED.penalty(raw_score=1.0, max_score=6.0, days_late=4) == 1.0   # 2.4 asked, 1 there
    assert TEN_PERCENT_CAPPED.penalty(raw_score=0.0, max_score=6.0, days_late=4) == 0.0


def test_fractions_of_the_raw_score_and_rounding_to_a_hundredth():
    rule = PenaltyRule(per_day=0.15, relative_to="raw_score")
    assert rule.penalty(raw_score=4.0, max_score=6.0, days_late=2) == pytest.approx(1.2)   # 30 % of 4
    assert PenaltyRule(per_day=1 / 3).penalty(raw_score=5.0, max_score=5.0, days_late=1) == 1.67  # 5/3 -> 1.67


def test_an_extension_moves_the_deadline_by_its_length():
    four_days = dt.timedelta(days=4)
    covered = lateness(TEN_PERCENT_CAPPED, late_by(days=3, hours=1), DUE, four_days)
    assert (covered.deadline, covered.seconds_late, covered.days_late) == (late_by(days=4), 0.0, 0)
    beyond = lateness(TEN_PERCENT_CAPPED, late_by(days=4, seconds=1), DUE, four_days)
    assert (beyond.seconds_late, beyond.days_late) == (1.0, 1)


def test_the_grace_period_forgives_only_what_falls_within_it():
    rule = PenaltyRule(per_day=0.1, grace=dt.timedelta(minutes=5))
    assert lateness(rule, late_by(minutes=5), DUE).days_late == 0
    assert lateness(rule, late_by(minutes=5, seconds=1), DUE).days_late == 1   # counted from the deadline
    assert lateness(rule, late_by(days=1, minutes=1), DUE).days_late == 2


def test_unknown_time_or_deadline_is_on_time_as_in_nbgrader():
    assert lateness(TEN_PERCENT_CAPPED, None, DUE).days_late == 0
    assert lateness(TEN_PERCENT_CAPPED, late_by(days=3), None).days_late == 0
    naive = lateness(TEN_PERCENT_CAPPED, dt.datetime(2026, 11, 20, 16, 0, 0), dt.datetime(2026, 11, 19, 16, 0, 0))
    assert naive.days_late == 1 and naive.timestamp.tzinfo is not None   # naive times are UTC, as nbgrader's


@pytest.mark.parametrize("text, zone, utc", [
    ("2026-11-20 10:00:00.000000 UTC", None, "2026-11-20 10:00:00"),        # nbgrader's default
    ("2026-11-20 11:00:00.000000 CET", None, "2026-11-20 10:00:00"),        # c.Exchange.timezone = "Europe/Paris"
    ("2026-07-01 10:00:00.000000 EDT", "America/New_York", "2026-07-01 14:00:00"),
    ("2026-12-01 10:00:00.000000 EST", "America/New_York", "2026-12-01 15:00:00"),
    ("2026-11-20 10:00:00 +0100", None, "2026-11-20 09:00:00"),             # %z
    ("2026-11-20T10:00:00-05:30", None, "2026-11-20 15:30:00"),             # ISO 8601
    ("2026-11-20 10:00:00.5 Asia/Tokyo", None, "2026-11-20 01:00:00.500000"),
    ("2026-11-20 10:00", None, "2026-11-20 10:00:00"),                      # no zone: UTC, as nbgrader reads it
])
def test_timestamps_as_nbgrader_writes_them(tmp_path, text, zone, utc):
    path = tmp_path / "timestamp.txt"
    path.write_text(text + "\n")
    assert read_timestamp(str(path), zone) == dt.datetime.fromisoformat(utc).replace(tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("", "empty"),
    ("   \n", "empty"),
    ("20/11/2026 10:00", "expected YYYY-MM-DD"),
    ("2026-13-40 10:00:00 UTC", "month must be in 1..12"),
    ("2026-07-01 10:00:00.000000 EDT", "unknown time zone 'EDT'"),      # nbgrader itself reads it as UTC
    ("2026-07-01 10:00:00 GMT+3", "unknown time zone 'GMT+3'"),
])
def test_a_malformed_timestamp_names_its_file(tmp_path, text, expected):
    path = tmp_path / "submitted" / "bob" / "ps1" / "timestamp.txt"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(LateError) as info:
        read_timestamp(str(path))
    assert str(path) in str(info.value) and expected in str(info.value)


def test_a_missing_timestamp_file_is_no_time(tmp_path):
    assert read_timestamp(str(tmp_path / "timestamp.txt")) is None


@pytest.mark.parametrize("setting, value, expected", [
    ("penalty_per_day", -0.1, "c.LatePolicy.penalty_per_day: expected a fraction of the points from 0 to 1"),
    ("penalty_per_day", 10, "got 10"),
    ("max_penalty", 1.5, "c.LatePolicy.max_penalty: expected a fraction"),
    ("grace_minutes", -5, "c.LatePolicy.grace_minutes: expected 0 or more minutes, got -5"),
])
def test_a_bad_setting_is_named(setting, value, expected):
    from traitlets.config import Config

    config = Config()
    config.LatePolicy[setting] = value
    with pytest.raises(LateError, match=expected.replace("(", r"\(")):
        LatePolicy(config=config).rule()


def test_defaults_apply_no_rule_of_ours():
    rule = LatePolicy().rule()
    assert not rule.active and rule.penalty(5.0, 6.0, days_late=3) == 0.0


def test_a_negative_extension_is_refused():
    with pytest.raises(LateError, match="extension: expected 0 or more"):
        lateness(TEN_PERCENT_CAPPED, DUE, DUE, dt.timedelta(hours=-1))


def test_due_date_set_with_nbgrader_before_the_assignment_is_recorded(tmp_path):
    """`nbgrader db assignment add ps2 --duedate=...` creates the assignment without notebooks; recording it from
    solutions/ afterwards (what both graders do) adds the notebooks and keeps the due date."""
    from nbgrader.api import Gradebook

    from lstmkit.grading.course import record_assignment
    from support.grading_course import make_course, nbgrader

    course = make_course(str(tmp_path / "course"))
    nbgrader(course, "db", "assignment", "add", "ps2", "--duedate=2026-11-19 17:00:00 Europe/Berlin")
    assert record_assignment(course, "ps2", log=lambda line: None)
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db"), "lstm-fixture") as gb:
        record = gb.find_assignment("ps2")
        assert sorted(n.name for n in record.notebooks) == ["part_a", "part_b"]
        assert record.duedate == dt.datetime(2026, 11, 19, 16, 0, 0)   # 17:00 in Berlin, stored in UTC
