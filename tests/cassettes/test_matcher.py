from __future__ import annotations

import pytest

from fashn_mock.cassettes import Matcher, Redactor
from fashn_mock.cassettes.matcher import ABSENT, from_body, hash_data_uri
from tests.support import data_uri

NONE = Redactor()


def test_defaults_are_applied_before_comparing() -> None:
    short = from_body({"model_name": "tryon-v1.6",
                       "inputs": {"model_image": "u", "garment_image": "g"}}, {}, NONE)
    spelt = from_body({"model_name": "tryon-v1.6",
                       "inputs": {"model_image": "u", "garment_image": "g",
                                  "mode": "balanced", "seed": 42}}, {}, NONE)
    assert Matcher().key(short) == Matcher().key(spelt)


def test_data_uris_are_compared_by_hash() -> None:
    image = data_uri()
    hashed = hash_data_uri(image)
    assert hashed.startswith("data:image/png;sha256,") and len(hashed) < 100
    assert hash_data_uri(hashed) == hashed and hash_data_uri("https://x") == "https://x"
    sent = from_body({"model_name": "background-remove", "inputs": {"image": image}}, {}, NONE)
    recorded = from_body({"model_name": "background-remove", "inputs": {"image": hashed}},
                         {}, NONE)
    assert Matcher().key(sent) == Matcher().key(recorded)
    assert hash_data_uri(data_uri(colour=(1, 2, 3))) != hashed


def test_fields_and_ignores() -> None:
    one = {"model_name": "edit", "inputs.prompt": "a", "inputs.seed": 1,
           "query.webhook_url": "w"}
    other_hook = {**one, "query.webhook_url": "v"}
    other_seed = {**one, "inputs.seed": 2}
    assert Matcher().key(one) == Matcher().key(other_hook)  # query is not matched by default
    assert Matcher.parse("model_name,inputs,query").key(one) != \
        Matcher.parse("model_name,inputs,query").key(other_hook)
    assert Matcher().key(one) != Matcher().key(other_seed)
    assert Matcher.parse(None, ["inputs.seed"]).key(one) == \
        Matcher.parse(None, ["inputs.seed"]).key(other_seed)
    assert Matcher.parse("model_name, inputs.prompt").key(one) == \
        Matcher.parse("model_name,inputs.prompt").key(other_seed)
    with pytest.raises(ValueError, match="match field 'inputz'"):
        Matcher.parse("inputz")


def test_differences_name_the_field_and_both_values() -> None:
    recorded = {"model_name": "edit", "inputs.prompt": "a", "inputs.seed": 42}
    sent = {"model_name": "edit", "inputs.prompt": "b", "inputs.mask": "m"}
    found = Matcher().differences(recorded, sent)
    assert [str(d) for d in found] == [
        'inputs.mask: recorded (absent), sent "m"',
        'inputs.prompt: recorded "a", sent "b"',
        "inputs.seed: recorded 42, sent (absent)"]
    assert found[0].recorded is ABSENT


def test_invalid_recorded_bodies_are_compared_as_they_are() -> None:
    odd = from_body({"model_name": "future-model", "inputs": {"x": 1}}, {}, NONE)
    assert odd == {"model_name": "future-model", "inputs.x": 1}
