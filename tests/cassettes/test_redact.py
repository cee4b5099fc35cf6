from __future__ import annotations

import base64
import re
import subprocess
import sys
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock.cassettes import Redactor, SecretLeak
from fashn_mock.cassettes.redact import PLACEHOLDER, UnsafePattern, base64_forms, compile_pattern

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


def every_form(key: str) -> list[str]:
    """How a key can leak in encoded form."""
    raw = key.encode()
    return [quote(key, safe=""), "".join(f"%{b:02x}" for b in raw),
            "".join(f"%{b:02X}" for b in raw), quote(quote(key, safe=""), safe=""),
            base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode(),
            base64.b64encode(f"user:{key}".encode()).decode(),
            base64.b64encode(f"{{\"k\": \"{key}\"}}".encode()).decode()]


def test_encoded_forms_of_a_known_key_are_redacted_and_refused() -> None:
    redactor = Redactor()
    redactor.add_authorization(f"Bearer {KEY}")
    for form in every_form(KEY):
        if form == KEY:
            continue
        text = f"prompt {form} end"
        assert redactor.text(text) != text, form
        with pytest.raises(SecretLeak):
            redactor.check(text)
    basic = Redactor()
    basic.add_authorization("Basic " + base64.b64encode(f"me:{KEY}".encode()).decode())
    assert basic.text(f"x {KEY} y") == f"x {PLACEHOLDER} y"


@given(prefix=st.binary(max_size=8), suffix=st.binary(max_size=8),
       key=st.text(st.characters(min_codepoint=33, max_codepoint=0x10FFFF,
                                 exclude_categories=["Cs"]), min_size=12, max_size=40))
def test_base64_of_any_text_holding_the_key_is_found(prefix: bytes, suffix: bytes,
                                                     key: str) -> None:
    encoded = base64.b64encode(prefix + key.encode() + suffix).decode()
    assert any(form in encoded for form in base64_forms(key))
    assert any(form in encoded.replace("+", "-").replace("/", "_")
               for form in base64_forms(key))


def test_redaction_patterns_cannot_backtrack_catastrophically() -> None:
    """``(a+)+$`` on 'aaa...a!' takes exponential time in a backtracking engine (a
    cassette's redactions blocked the event loop for 10.9 s per request); RE2 is
    linear. A watchdog process, not a timing: a regression never finishes."""
    script = ("from fashn_mock.cassettes.redact import Redactor\n"
              "r = Redactor([r'(a+)+$', r'(x|x)*y', r'(\\w+\\s?)+$'])\n"
              "print(len(r.text('a' * 50_000 + '!' + 'x' * 50_000 + ' w' * 20_000 + '!')))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == str(50_000 + 1 + 50_000 + 40_000 + 1)


def test_unsafe_patterns_are_refused() -> None:
    for pattern, reason in [("(?=a)b", "RE2 syntax"), ("(a)\\1", "RE2 syntax"),
                            ("a*", "matches empty text"), ("x" * 2000, "longer than"),
                            ("((a{100}){100}){100}", "RE2 syntax"), ("(", "missing )")]:
        with pytest.raises(UnsafePattern, match=re.escape(reason)):
            compile_pattern(pattern)
