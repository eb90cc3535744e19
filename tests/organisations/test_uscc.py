"""GB 32100-2015 check character: hand-checked codes and a property test."""
import csv
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from marketplace.organisations.services import uscc_message
from marketplace.organisations.uscc import ALPHABET, check_character, is_valid_uscc, uscc_problem

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "history_sample.csv"
KNOWN_VALID = ["52330903612000079L", "52330902612000116C", "52330900612000239G",
               "523309226120003190", "91110000600037341L"]


def test_known_codes_are_valid():
    assert all(is_valid_uscc(code) for code in KNOWN_VALID)


def test_sample_file_codes_are_valid():
    if SAMPLE.exists():
        with SAMPLE.open(encoding="utf-8-sig") as f:
            assert all(is_valid_uscc(r["organization_uscc"]) for r in csv.DictReader(f))


def test_wrong_length_says_how_many_characters():
    assert uscc_problem("5233090361200007") == ("length", {"length": 16})
    assert "18 位" in uscc_message("5233090361200007") and "16" in uscc_message("5233090361200007")


def test_forbidden_characters_are_named_with_their_position():
    kind, details = uscc_problem("52330903612000O79L")
    assert kind == "characters" and details["positions"] == [(15, "O")]
    assert "15" in uscc_message("52330903612000O79L")


def test_wrong_check_character_is_reported():
    assert uscc_problem("52330903612000079M") == ("check", {})
    assert "校验码" in uscc_message("52330903612000079M")


codes17 = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@given(codes17)
def test_every_generated_valid_code_passes(first17):
    assert is_valid_uscc(first17 + check_character(first17))


@given(codes17, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_every_single_character_change_fails(first17, position, replacement):
    code = first17 + check_character(first17)
    if code[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    changed = code[:position] + replacement + code[position + 1:]
    assert not is_valid_uscc(changed)
