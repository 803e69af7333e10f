import dataclasses
import re

import pytest

from recommendations import registry
from recommendations.registry import ModelKind, get_kind, register_kind
from tests.recommendations import dummy_kind


def test_it_registers_trending_at_start_up():
    assert get_kind("trending").label == "Trending now"
    assert "trending" in [kind.name for kind in registry.all_kinds()]


def test_it_names_the_known_kinds_when_one_is_unknown():
    with pytest.raises(LookupError, match=r"Unknown model kind 'nope' \(known: .*trending"):
        get_kind("nope")


def test_it_refuses_a_second_kind_with_the_same_name(dummy_kind_registered):
    copy = ModelKind(
        name=dummy_kind.KIND_NAME,
        label="Other",
        format_version=1,
        train=dummy_kind.train,
        load=dummy_kind.load,
    )
    with pytest.raises(ValueError, match="already registered"):
        register_kind(copy)
    assert register_kind(dummy_kind_registered) is dummy_kind_registered  # the same object again is fine


def test_it_merges_parameters_over_the_defaults_with_their_types():
    merged = dummy_kind.KIND.merged_parameters({"sleep": "1.5", "value": "7", "fail": 3})
    assert merged == {
        "sleep": 1.5,
        "fail": "3",
        "value": 7,
        "chunks": 0,
        "fail_chunk": -1,
        "transient_failures": 0,
        "load_sleep": 0.0,
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"slep": 1},
            r"Unknown parameter\(s\) for test-dummy: slep "
            r"\(known: chunks, fail, fail_chunk, load_sleep, sleep, transient_failures, value\)",
        ),
        ({"sleep": "soon"}, "Parameter sleep must be a number, not 'soon'"),
        # JSON's true is no number: it trained a collaborative model of 1 factor (int(True)).
        ({"value": True}, "Parameter value must be a number, not True"),
        ({"sleep": False}, "Parameter sleep must be a number, not False"),
        # A count with a fraction was recorded as asked and trained cut down (64.5 factors: 64).
        ({"value": 7.5}, r"Parameter value must be a whole number, not 7\.5"),
        ({"value": "7.5"}, r"Parameter value must be a whole number, not '7\.5'"),
    ],
)
def test_it_refuses_bad_parameters_with_a_clear_message(overrides, message):
    with pytest.raises(ValueError, match=message):
        dummy_kind.KIND.merged_parameters(overrides)


@pytest.mark.parametrize(
    ("kind", "overrides", "message"),
    [
        ("collaborative", {"factors": -3}, "Parameter factors must be between 1 and 1024, not -3"),
        ("collaborative", {"iterations": "0"}, "Parameter iterations must be between 1 and 1000, not 0"),
        ("collaborative", {"alpha": -1}, "Parameter alpha must be at least 0, not -1"),
        ("collaborative", {"regularization": "nan"}, "Parameter regularization must be a finite number"),
        ("trending", {"half_life_days": 0}, "Parameter half_life_days must be at least 0.01, not 0"),
        ("content", {"holdout_fraction": 1}, "Parameter holdout_fraction must be between 0 and 0.9, not 1"),
        (
            "collaborative",
            {"activation_min_ratio": "80"},
            r"Parameter activation_min_ratio must be between 0 and 1, not 80\.0 \(a fraction: 0\.8 for 80%\)",
        ),
        ("collaborative", {"activation_min_ratio": -0.5}, "Parameter activation_min_ratio must be between 0"),
        (
            "collaborative",
            {"activation_min_ratio": 1.05},
            r"Parameter activation_min_ratio must be between 0 and 1, not 1\.05\.$",
        ),
    ],
)
def test_numbers_out_of_their_range_are_refused(kind, overrides, message):
    with pytest.raises(ValueError, match=message):
        registry.get_kind(kind).merged_parameters(overrides)
    with pytest.raises(ValueError, match="Parameter sleep must be at least 0, not -1"):
        dummy_kind.KIND.merged_parameters({"sleep": -1})  # a default not negative: no negatives


@pytest.mark.parametrize(
    ("kind", "overrides", "message"),
    [
        # Each was accepted and failed only when the run (or the nightly schedule's) got to it,
        # or, for use_gpu, was read as "no" without a word.
        (
            "content",
            {"encoder": "bogus"},
            "Parameter encoder must be one of '', 'bundled', 'clip', not 'bogus'",
        ),
        ("collaborative", {"use_gpu": "maybe"}, "Parameter use_gpu must be one of 'auto', 'true', 'yes'"),
    ],
)
def test_words_outside_their_choices_are_refused(kind, overrides, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        registry.get_kind(kind).merged_parameters(overrides)


def test_the_content_kinds_encoders_are_those_the_encoders_module_builds():
    from recommendations.encoders import BACKENDS

    assert registry.get_kind("content").parameter_choices["encoder"] == ("", *BACKENDS)


def test_a_choice_is_stored_as_listed_whatever_its_case():
    assert registry.get_kind("content").merged_parameters({"encoder": "BUNDLED"})["encoder"] == "bundled"
    assert registry.get_kind("collaborative").merged_parameters({"use_gpu": True})["use_gpu"] == "true"


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("collaborative", "use_gpu"),
        ("content", "encoder"),
        ("collaborative", "factors"),
        ("trending", "window_days"),
    ],
)
def test_a_null_parameter_means_its_default(kind, name):
    # A choice's null was refused ("not None"), a number's passed and failed in the worker (int(None)).
    model_kind = registry.get_kind(kind)
    assert model_kind.merged_parameters({name: None}) == model_kind.default_parameters


def test_use_gpu_reads_each_word_it_accepts_as_a_yes_no_parameter_reads_it():
    from recommendations.collaborative.parameters import AlsParameters

    collaborative = registry.get_kind("collaborative")
    for word in collaborative.parameter_choices["use_gpu"]:
        use_gpu = AlsParameters.from_mapping(collaborative.merged_parameters({"use_gpu": word})).use_gpu
        expected = None if word == "auto" else read_as_yes_no(word)
        assert use_gpu is expected, word


def read_as_yes_no(word):
    """How a parameter whose default is a bool reads the word."""
    kind = dataclasses.replace(dummy_kind.KIND, default_parameters={"flag": False})
    return kind.merged_parameters({"flag": word})["flag"]


def test_numbers_in_range_and_unbounded_ones_pass():
    merged = registry.get_kind("collaborative").merged_parameters({"factors": 1024, "random_state": -7})
    assert (merged["factors"], merged["random_state"]) == (1024, -7)
    assert dummy_kind.KIND.merged_parameters({"fail_chunk": -1})["fail_chunk"] == -1  # its default is


def test_a_listed_module_without_a_kind_is_a_clear_error(settings):
    settings.EXTRA_KIND_MODULES = ["recommendations.types"]
    with pytest.raises(
        TypeError, match=r"recommendations\.types is listed as a model kind module but defines no KIND"
    ):
        registry.load_kind_modules()


def test_extra_kind_modules_from_settings_are_registered(settings):
    settings.EXTRA_KIND_MODULES = ["tests.recommendations.dummy_kind"]
    try:
        registry.load_kind_modules()
        assert get_kind(dummy_kind.KIND_NAME) is dummy_kind.KIND
    finally:
        registry.unregister_kind(dummy_kind.KIND_NAME)
