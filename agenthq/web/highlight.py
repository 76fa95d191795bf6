"""Which words of the search results to highlight: the words of the shown texts that the
search's words match, as the hub's own full-text index matches them (stems: "deploy" marks
"deploying" and "deployed"). The page marks those words in text nodes (static/js/search.js),
never by building HTML from content.

The texts go through a throwaway in-memory SQLite FTS5 table with the tokenizer the post
index uses (porter unicode61), and FTS5's highlight() says which tokens matched. PostgreSQL's
english stemmer and porter agree on nearly every word; where they differ a match found there
may go unmarked here, never a wrong word marked. Runs on the search pool, beside the search."""

import re
import sqlite3

from ..search.query import fts5

# A search answers at most 100 results of each kind; a post holds at most 20,000 characters.
# The page shows far less, so each text is looked at up to this length.
MAX_TEXT = 20_000
_OPEN, _CLOSE = "\x01", "\x02"
_MARKED = re.compile(f"{_OPEN}(.*?){_CLOSE}", re.S)
_TOKEN = re.compile(r"[^\W_]+")


def matched_words(words, texts):
    """The distinct words (lowercased) of `texts` that any of `words` matches, sorted."""
    texts = [text[:MAX_TEXT].replace(_OPEN, " ").replace(_CLOSE, " ") for text in texts if text]
    if not words or not texts:
        return []
    query = " OR ".join(fts5([word]) for word in words)
    found = set()
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61')")
        db.executemany("INSERT INTO t(x) VALUES (?)", [(text,) for text in texts])
        for (marked,) in db.execute(f"SELECT highlight(t, 0, '{_OPEN}', '{_CLOSE}') FROM t WHERE t MATCH ?", (query,)):
            for span in _MARKED.findall(marked):
                found.update(token.lower() for token in _TOKEN.findall(span))
    finally:
        db.close()
    return sorted(found)
