"""The pure markup modules: user text stays literal in Markdown and Jira wiki markup, and a
body cut to a limit keeps the marker and says so."""

from __future__ import annotations

import re

import pytest

from jupyter_itbridge.backends import jira_text, markup

MARKER = "itbridge-request-id: 0b7c1c9e-3a51-4c47-9d62-3f0c9a7f2b11"


@pytest.mark.parametrize(
    "text",
    ["plain", "```", "a ```` b", "`" * 12, "x\n```\n@here\n```\n", "![i](http://e/x.png) <b>"],
)
def test_markdown_fence_is_longer_than_any_run_inside(text: str):
    block = markup.markdown_literal(text)
    fence = re.match(r"`+", block).group(0)  # type: ignore[union-attr]
    longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
    assert len(fence) >= 3 and len(fence) > longest
    assert block == f"{fence}text\n{text.rstrip()}\n{fence}"


def test_inline_code_and_wiki_literal():
    assert markup.markdown_inline("ping @all `now`") == "`` ping @all `now` ``"
    assert markup.markdown_inline("") == ""
    wiki = jira_text.wiki_literal("[~admin] {noformat} !img.png! {NOFORMAT}")
    assert wiki.startswith("{noformat}\n") and wiki.endswith("\n{noformat}")
    assert wiki.count("{noformat}") == 2  # the ones inside are broken, not closing


WRAPPERS = {
    "markdown": markup.markdown_literal,
    "wiki": jira_text.wiki_literal,
    "plain": str.rstrip,
}


@pytest.mark.parametrize("wrap", sorted(WRAPPERS))
@pytest.mark.parametrize("limit", [200, 1000, 32767, 65536])
def test_fit_respects_the_limit_and_keeps_the_marker(wrap: str, limit: int):
    text = "Traceback line with ``` and {noformat}\n" * 5000
    body, cut = markup.fit(MARKER, text, limit, wrap=WRAPPERS[wrap])
    assert cut and len(body) <= limit
    assert body.startswith(MARKER + "\n\n[jupyter-itbridge: text cut to ")
    assert f"of {len(text):,} characters" in body
    small, was_cut = markup.fit(MARKER, "short", limit, wrap=WRAPPERS[wrap])
    assert not was_cut and small.startswith(MARKER) and "short" in small


def test_comment_body_and_our_text_round_trip():
    for text in ["+1 from bob", "line one\n\nline two @x", "```nested```"]:
        body = markup.comment_body(text, 65536)
        assert markup.OUR_TAG in body
        assert markup.our_text(body) == text
    assert markup.comment_body("+1 from bob", 65536).startswith("+1 from bob\n")
    assert "```text\n@octocat" in markup.comment_body("@octocat", 65536)


@pytest.mark.parametrize("limit", [120, 200, 4000, 32767 - 64])
def test_fit_body_cuts_marker_first_and_names_the_attachment(limit: int):
    """Jira and ServiceNow: the notice at the cut counts what is left out; even a limit
    smaller than marker plus notice is never exceeded (the field would refuse the body)."""
    request_uuid = MARKER.rpartition(" ")[2]
    fitted = markup.fit_body(
        "Traceback\n" + "frame line\n" * 5000 + MARKER, MARKER, limit, request_uuid
    )
    assert fitted.truncated and len(fitted.text) <= limit
    assert fitted.text.startswith(MARKER) and fitted.full.count(MARKER) == 1
    assert fitted.full.startswith(MARKER + "\n\nTraceback\nframe line\n")
    assert fitted.attachment_name == f"itbridge-request-{request_uuid[:8]}.txt"
    if limit > 200:
        shown, _, notice = fitted.text.rpartition("\n\n[itbridge: truncated here, ")
        left_out = int(notice.split(" ")[0])
        assert fitted.full.startswith(shown) and len(fitted.full) - left_out >= len(shown)
        assert notice.endswith(f"the full text is attached as {fitted.attachment_name}]")
    small = markup.fit_body(f"short\n{MARKER}", MARKER, limit, request_uuid)
    assert not small.truncated and small.text == f"{MARKER}\n\nshort"
