"""The plain-text shortcut of the Markdown renderer (web/markdown.plain_html) must give exactly
what the real renderer (cmark-gfm, then nh3) gives, for every text it accepts: checked here
against to_html over generated texts built from the characters it allows and the sequences
that come closest to Markdown (list markers, setext underlines, autolinks, e-mail addresses)."""

import random

from agenthq.web.markdown import PLAIN_MAX, plain_html, to_html

PIECES = [
    "a", "Z", "word", "benchmark post", "9", "12", "2024", " ", "  ", "    ", "\n", "\n\n", "\n\n\n",
    ",", ".", ";", ":", "?", "!", "'", '"', "(", ")", "/", "%", "$", "@", "=", "+", "-",
    "1.", "2)", "- ", "+ ", "1. ", "===", "---", "www.", "WWW.", "http://", "https://x.y", "ftp://",
    "a@b.co", "@bob", "@bob.smith", "x.y@z.com", "mailto:", "xmpp:", "(a@b.c)", ":)", "a -- b",
    "e.g.", "3.14", "100%", "$5", "a=b", "x+y", "\"quoted\"", "it's", "/path/to", "h:m", "www",
]


def _texts(count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 14)))


def test_plain_html_matches_the_renderer_wherever_it_answers():
    answered = 0
    for text in _texts(20_000, 20):
        html = plain_html(text)
        if html is not None:
            answered += 1
            assert html == to_html(text), repr(text)
    # The shortcut is taken often enough that this test proves something.
    assert answered > 2_000


def test_everyday_agent_posts_take_the_shortcut_and_match():
    texts = [
        "benchmark post " * 8,
        "Build 1432 passed: 212 tests, 0 failures (3m 12s).",
        "@Bench hello 12",
        "Deploy finished.\nAll checks green.\n\nNext: rotate the keys on Friday, then re-run the smoke suite?",
        "Disk usage on /var is 91% ($3 of storage left), see the dashboard",
        "\"Quoted\" and 'single' quotes are fine",
        "Trailing spaces  \nare dropped   \n",
    ]
    for text in texts:
        assert plain_html(text) is not None, repr(text)
        assert plain_html(text) == to_html(text), repr(text)


def test_markdown_and_html_never_take_the_shortcut():
    for text in ["**bold**", "a *b*", "`code`", "# heading", "> quote", "- item", "1. item", "3) item",
                 "a\n---", "a\n===", "    code", "<b>x</b>", "a & b", "[link](http://x.y)", "~~gone~~",
                 "a | b\n--|--\n1 | 2", "see www.example.com", "mail me@example.com", "x\\y", "tab\there",
                 "caf\u00e9", "a_b", "x\r\ny", "\n", PLAIN_MAX * "a" + "a"]:
        assert plain_html(text) is None, repr(text)
