"""Normalisation, PII masking and the offset map back to the original text."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback_ai.ml.text.normalize import _rebuild, normalize
from feedback_ai.ml.text.pii import mask_pii, prepare


class TestMaskPii:
    @pytest.mark.parametrize(
        ("text", "placeholder", "secret"),
        [
            ("mail jane.doe@example.com today", "[EMAIL]", "jane.doe@example.com"),
            ("call +1 415 555 0134 now", "[PHONE]", "555 0134"),
            ("call (415) 555-0134 now", "[PHONE]", "555-0134"),
            ("card 4111 1111 1111 1111 was charged", "[CARD]", "4111"),
            ("see https://bob:hunter2@ci.example.com/job", "[URL]", "hunter2"),
            ("open https://app.example.com/x?token=abc123", "[URL]", "abc123"),
            ("db is postgres://admin:s3cret@db:5432/x", "[URL]", "s3cret"),
            ("call 5551234567 now", "[PHONE]", "5551234567"),
            ("ring 555 1234 pls", "[PHONE]", "555 1234"),
            ("ssn 123-45-6789 on file", "[SSN]", "123-45-6789"),
        ],
    )
    def test_masks_each_kind(self, text: str, placeholder: str, secret: str) -> None:
        masked = mask_pii(text)
        assert placeholder in masked
        assert secret not in masked

    @pytest.mark.parametrize(
        "text",
        [
            "We have 120 seats and 3 workspaces since 2024, version 5.2.1",
            "order #1234567890 and INV-20931, paid 1,250.00 USD on 2024-11-25 at 10:30",
        ],
    )
    def test_leaves_ordinary_numbers(self, text: str) -> None:
        assert mask_pii(text) == text

    def test_plain_urls_are_kept(self) -> None:
        assert mask_pii("docs at https://example.com/help") == "docs at https://example.com/help"


class TestOffsets:
    def test_identity_for_clean_ascii(self) -> None:
        mapped = normalize("plain text")
        assert mapped.to_original(0, 5) == (0, 5)

    def test_whitespace_and_unicode_map_back(self) -> None:
        original = "  Export\u00a0\u00a0reports \n\n as ﬁle  "
        mapped = normalize(original)
        assert mapped.text == "Export reports\nas file"
        start = mapped.text.index("reports")
        s, e = mapped.to_original(start, start + len("reports"))
        assert original[s:e] == "reports"
        s, e = mapped.to_original(mapped.text.index("file"), len(mapped.text))
        assert original[s:e] == "ﬁle"

    def test_span_after_mask_maps_to_original(self) -> None:
        original = "Ping jane@example.com.  Please add  PDF export."
        mapped = prepare(original)
        start = mapped.text.index("Please")
        s, e = mapped.to_original(start, len(mapped.text))
        assert original[s:e] == "Please add  PDF export."
        at = mapped.text.index("[EMAIL]")
        s, e = mapped.to_original(at, at + len("[EMAIL]"))
        assert original[s:e] == "jane@example.com"

    def test_control_characters_dropped(self) -> None:
        assert normalize("a\x00b\x07c").text == "abc"


class TestNormalizeFastPath:
    """Text that normalisation would not change is returned as it is, without a rebuild."""

    @given(
        st.text(
            alphabet=st.sampled_from(
                [*"abc XYZ.,!-", *"é—’😀ßﬁⅫｗ\n\t", "\u00a0", "\u200b", "\u0301", "\x85", "\u2003"]
            ),
            max_size=12,
        )
    )
    @settings(max_examples=400, deadline=None)
    def test_same_as_rebuilding(self, text: str) -> None:
        fast = normalize(text)
        slow = _rebuild(text)
        assert fast.text == slow.text
        for start in range(len(fast.text)):
            assert fast.to_original(start, start + 1) == slow.to_original(start, start + 1)
