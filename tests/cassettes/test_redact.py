from __future__ import annotations

import pytest

from fashn_mock.cassettes import Redactor, SecretLeak

KEY = "fa-AbCd1234-0123456789abcdef0123"


def test_keys_bearer_tokens_and_key_shapes() -> None:
    redactor = Redactor(secrets=["my-own-token-format"])
    redactor.add_authorization(f"Bearer {KEY}")
    assert redactor.text(f"k={KEY}") == "k=<REDACTED>"
    assert redactor.text("use my-own-token-format here") == "use <REDACTED> here"
    assert redactor.text("Authorization: bearer abc.def") == \
        "Authorization: Bearer <REDACTED>"
    assert redactor.text("fa-Other123-ffffffffffff") == "<REDACTED>"  # never seen, key-shaped
    assert redactor.text("a sofa-chair-12345678 and fa-ab") == "a sofa-chair-12345678 and fa-ab"


def test_patterns_leave_distinct_tags() -> None:
    redactor = Redactor([r"https://customer\.example/\S+"])
    one = redactor.text("https://customer.example/alice.jpg")
    two = redactor.text("https://customer.example/bob.jpg")
    assert one.startswith("<redacted:") and one != two
    assert redactor.text("https://customer.example/alice.jpg") == one  # stable


def test_data_redacts_values_and_keys_deeply() -> None:
    redactor = Redactor(secrets=[KEY])
    assert redactor.data({"a": [KEY, {KEY: 1}], "n": 3, "b": None}) == \
        {"a": ["<REDACTED>", {"<REDACTED>": 1}], "n": 3, "b": None}


def test_check_refuses_text_with_a_secret() -> None:
    redactor = Redactor(secrets=["s3cr3t-value"])
    redactor.check("nothing here")
    with pytest.raises(SecretLeak):
        redactor.check("oops s3cr3t-value")
    with pytest.raises(SecretLeak):
        redactor.check(f"oops {KEY}")
