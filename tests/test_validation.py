from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock import catalog
from fashn_mock.engine.errors import InvalidRequest
from fashn_mock.validation import (
    CACHED_UP_TO,
    SentInputs,
    _canonical_encoder,
    canonical_json,
    canonical_pieces,
    parse_json,
    parse_run_body,
)
from tests.support import MINIMAL_INPUTS, URL, tryon


def rejected(body: Any) -> str:
    with pytest.raises(InvalidRequest) as caught:
        parse_run_body(body)
    return caught.value.message


@pytest.mark.parametrize("model", sorted(MINIMAL_INPUTS))
def test_minimal_inputs_are_accepted_with_defaults(model: str) -> None:
    run = parse_run_body({"model_name": model, "inputs": MINIMAL_INPUTS[model]})
    assert run.spec.name == model
    for name, default in run.spec.defaults().items():
        assert run.inputs[name] == MINIMAL_INPUTS[model].get(name, default)


def test_messages_name_field_problem_and_allowed_values() -> None:
    assert "inputs.garment_image" in rejected({"model_name": "tryon-v1.6",
                                               "inputs": {"model_image": URL}})
    message = rejected(tryon(mode="fast"))
    assert "inputs.mode" in message and "performance" in message and "fast" in message
    message = rejected(tryon(seed=2**32))
    assert "inputs.seed" in message and "0..4294967295" in message
    assert "expected integer" in rejected(tryon(num_samples="2"))
    assert "out of range" in rejected(tryon(num_samples=5))
    assert "expected boolean" in rejected(tryon(return_base64="yes"))


@pytest.mark.parametrize("body", [None, [], "x", 3, {"model_name": 3, "inputs": {}},
                                  {"model_name": "nope", "inputs": {}},
                                  {"model_name": "tryon-v1.6"},
                                  {"model_name": "tryon-v1.6", "inputs": []}])
def test_malformed_bodies_are_400(body: Any) -> None:
    rejected(body)


def test_unknown_model_lists_the_allowed_ones() -> None:
    message = rejected({"model_name": "tryon-v9", "inputs": {}})
    assert "tryon-v9" in message and "tryon-max" in message


def test_legacy_flat_body_is_tryon_v15() -> None:
    run = parse_run_body({"model_image": URL, "garment_image": URL, "category": "tops",
                          "nsfw_filter": True})
    assert run.spec.name == "tryon-v1.5" and run.legacy_body
    assert run.inputs["category"] == "tops"


def test_edit_needs_prompt_or_legacy_mask_image() -> None:
    assert "prompt or mask_image" in rejected({"model_name": "edit", "inputs": {"image": URL}})
    parse_run_body({"model_name": "edit", "inputs": {"image": URL, "mask_image": URL}})


def test_reframe_accepts_old_and_new_forms() -> None:
    parse_run_body({"model_name": "reframe", "inputs": {"image": URL, "aspect_ratio": "21:9"}})
    parse_run_body({"model_name": "reframe", "inputs": {
        "image": URL, "mode": "aspect_ratio", "target_aspect_ratio": "4:5"}})
    rejected({"model_name": "reframe", "inputs": {"image": URL, "target_aspect_ratio": "21:9"}})


def test_canonical_inputs_are_order_independent() -> None:
    a = parse_run_body(tryon(seed=7, mode="quality"))
    b = parse_run_body({"inputs": {"mode": "quality", "seed": 7, "garment_image": URL,
                                   "model_image": URL}, "model_name": "tryon-v1.6"})
    assert a.canonical_inputs() == b.canonical_inputs()


def test_parse_json_errors_are_400() -> None:
    for raw in (b"", b"  ", b"{", b"\xff\xfe", b"nul"):
        with pytest.raises(InvalidRequest):
            parse_json(raw)
    assert parse_json(b'{"a": 1}') == {"a": 1}


@pytest.mark.parametrize(("raw", "reason"), [
    (b'{"inputs": ' + b"[" * 500 + b"]" * 500 + b"}", "nested more than 32 levels deep"),
    (b"[" * 5000 + b"]" * 5000, "nested more than 32 levels deep"),
    (b'{"inputs": {"seed": ' + b"9" * 5000 + b"}}", "an integer has more than 4,300 digits"),
    (b'{"inputs": {"\\udc00": 1}}', "a string holds a lone surrogate (\\udc00)"),
    (b'{"inputs": {"seed": NaN}}', "NaN is not a JSON number"),
])
def test_bodies_that_would_break_the_server_later_are_400(raw: bytes, reason: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_json(raw)
    assert caught.value.message.startswith("Invalid request body: ")
    assert reason in caught.value.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=12), children, max_size=4), max_leaves=12)


@given(model=st.sampled_from([s.name for s in catalog.MODELS]),
       inputs=st.dictionaries(st.sampled_from(["seed", "num_images", "num_samples", "mode",
                                                "image", "prompt", "aspect_ratio",
                                                "resolution", "duration", "model_image"]),
                              json_values, max_size=5))
def test_any_json_is_accepted_or_rejected_with_400(model: str, inputs: dict[str, Any]) -> None:
    body = json.loads(json.dumps({"model_name": model, "inputs": inputs}))
    try:
        run = parse_run_body(body)
    except InvalidRequest as error:
        assert error.message
    else:
        assert run.spec.name == model


def test_undeclared_fields_never_reach_the_engine() -> None:
    run = parse_run_body({"model_name": "background-remove",
                          "inputs": {"image": URL, "num_images": -100, "seed": "x"}})
    assert "num_images" not in run.inputs and "seed" not in run.inputs
    assert run.ignored == ("num_images", "seed")
    run = parse_run_body(tryon(num_images=3))
    assert "num_images" not in run.inputs and run.inputs["num_samples"] == 1


def test_errors_name_the_field() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_run_body(tryon(mode="fast"))
    assert caught.value.field == "inputs.mode"
    with pytest.raises(InvalidRequest) as caught:
        parse_run_body({"model_name": "tryon-v1.6", "inputs": {"model_image": URL}})
    assert caught.value.field == "inputs.garment_image"


finite_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(), lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3), max_leaves=8)


@given(st.dictionaries(st.text(max_size=8), finite_json_values, max_size=6),
       st.dictionaries(st.text(max_size=8),
                       st.text(alphabet=string.ascii_letters + string.digits + "+/=:;,.-"),
                       max_size=3))
def test_canonical_pieces_join_to_the_canonical_json(inputs: dict[str, Any],
                                                     plain: dict[str, str]) -> None:
    both = {**inputs, **plain}
    assert "".join(canonical_pieces(both, plain=plain.keys())) == canonical_json(both)
    assert "".join(canonical_pieces(both)) == canonical_json(both)


@given(finite_json_values)
def test_canonical_json_is_what_json_dumps_writes(value: Any) -> None:
    assert canonical_json(value) == json.dumps(value, sort_keys=True, separators=(",", ":"))


def test_canonical_json_without_the_c_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    assert _canonical_encoder()({"b": [1, "é"], "a": None}) == '{"a":null,"b":[1,"\\u00e9"]}'


def test_long_canonical_json_is_not_kept() -> None:
    run = parse_run_body({"model_name": "edit", "inputs": {"image": "https://x/a.png",
                                                           "prompt": "p" * CACHED_UP_TO}})
    first = run.canonical_inputs()
    assert run.canonical_inputs() == first and run.canonical_inputs() is not first
    short = parse_run_body({"model_name": "edit", "inputs": {"image": "https://x/a.png",
                                                             "prompt": "p"}})
    assert short.canonical_inputs() is short.canonical_inputs()


@pytest.mark.parametrize("model", ["tryon-v1.6", "tryon-max", "edit"])
@given(sent=st.dictionaries(st.text(max_size=12), finite_json_values, max_size=6), data=st.data())
def test_inputs_as_sent_make_the_same_canonical_json(model: str, sent: dict[str, Any],
                                                     data: st.DataObject) -> None:
    """What a prediction keeps (the fields as sent) gives back the very canonical
    JSON of the inputs with the defaults, whatever was sent (defaults overridden too)."""
    spec = catalog.BY_NAME[model]
    overridden = data.draw(st.lists(st.sampled_from(sorted(spec.defaults()) or ["x"]),
                                    max_size=2))
    sent = {**sent, **{name: data.draw(finite_json_values) for name in overridden}}
    kept = SentInputs(spec, canonical_json(sent))
    assert kept.canonical_inputs() == canonical_json({**spec.defaults(), **sent})


def test_a_run_keeps_its_inputs_as_sent_until_read() -> None:
    run = parse_run_body(tryon(category="tops"))
    stored = run.stored_inputs()
    assert isinstance(stored, SentInputs) and run.kept_canonical_inputs() is None
    assert json.loads(stored.sent_json) == {"category": "tops", "garment_image": URL,
                                            "model_image": URL}
    assert stored.canonical_inputs() == run.canonical_inputs()
    assert len(stored.sent_json) < len(run.canonical_inputs())
    assert run.stored_inputs() == run.canonical_inputs()  # once made, kept as it is

