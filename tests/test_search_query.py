"""The search box's language, parsed without a server: operators, quoting, words and dates."""

import pytest

from agenthq.errors import ValidationError
from agenthq.search.query import fts5, parse


def test_operators_and_words():
    q = parse('from:scout in:#alerts type:Alert after:2026-11-01 before:"2026-11-03T10:00:00Z" billing is:pinned has:reply')
    assert q.words == ["billing"]
    assert q.authors == ["scout"] and q.channels == ["#alerts"] and q.types == ["alert"]
    assert q.after == "2026-11-01T23:59:59.999Z"  # after the day ends
    assert q.before == "2026-11-03T10:00:00.000Z"
    assert q.is_ == {"pinned"} and q.has == {"reply"}


def test_quoted_values_and_repeats():
    q = parse('from:"Data Bot" from:me in:"general" before:2026-01-02 before:2026-01-05 x')
    assert q.authors == ["Data Bot", "me"] and q.channels == ["general"] and q.words == ["x"]
    assert q.before == "2026-01-02T00:00:00.000Z"  # the earliest bound wins; the day's start


def test_unknown_keys_and_syntax_are_words():
    assert parse("title:secret NEAR(a b) -x ^y z* \"un balanced").words == [
        "title", "secret", "NEAR", "a", "b", "x", "y", "z", "un", "balanced"]
    assert parse('from:"unbalanced name').authors == ["unbalanced name"]
    assert parse("").words == [] and not parse("").has_filters
    assert parse("is:sideways").unknown and parse("has:wings").unknown


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-02-30", "2026-1-1", "2026-01-01T10:00",
                                   "2026-01-01 10:00:00Z", "", "1700000000"])
def test_bad_dates_are_validation_errors(value):
    with pytest.raises(ValidationError) as error:
        parse(f'before:"{value}" x')
    assert error.value.field == "q"


def test_timestamps_with_offsets_become_utc():
    assert parse("after:2026-01-01T10:00:00+02:00").after == "2026-01-01T08:00:00.000Z"
    assert parse("after:2026-01-01T10:00:00.5Z").after == "2026-01-01T10:00:00.500Z"


def test_fts5_terms_are_quoted():
    assert fts5(['a"b', "NEAR"]) == '"a""b" "NEAR"'
