"""People search: the stored prefixes of a name and the filter a query becomes."""

from __future__ import annotations

from bson.regex import Regex

from modules.catalog.services._reference import PREFIX_MAX, person_search_fields, prefix_filter


def test_a_name_stores_its_words_and_every_prefix_of_each_up_to_the_cap() -> None:
    fields = person_search_fields("Zoë Zoe Weerasethakul")
    assert fields["search_tokens"] == ["zoe", "weerasethakul"]
    assert fields["search_prefixes"] == ["z", "zo", "zoe", *("weerasethakul"[:end] for end in range(1, PREFIX_MAX + 1))]
    assert person_search_fields("!!")["search_prefixes"] == []


def test_the_longest_word_is_looked_up_and_the_others_checked_on_the_words() -> None:
    assert prefix_filter("Amé") == {"search_prefixes": "ame"}
    assert prefix_filter("fra COPPOLA") == {"search_prefixes": "coppola", "search_tokens": {"$all": [Regex("^fra")]}}


def test_a_word_longer_than_the_stored_prefixes_is_checked_whole() -> None:
    assert prefix_filter("weerasethakul") == {
        "search_prefixes": "weerasethaku",
        "search_tokens": {"$all": [Regex("^weerasethakul")]},
    }


def test_regex_characters_are_no_operators() -> None:
    # only words survive normalisation: "^", "." and "$" are separators, never regex syntax
    assert prefix_filter("^a.* $ne") == {"search_prefixes": "ne", "search_tokens": {"$all": [Regex("^a")]}}
    assert prefix_filter(".*") is None
