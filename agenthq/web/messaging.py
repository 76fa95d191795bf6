"""What the page shows of reactions, pins and edits on a post card (docs/web.md)."""

# One click away under every post; any other emoji arrives from the API and shows as a chip.
COMMON_EMOJI = ("👍", "👀", "✅", "🎉", "❤️")


def reactor_ids(posts):
    return [author["id"] for post in posts for entry in post.get("reactions", ()) for author in entry["authors"]]


def card_extras(identity, post, names):
    """Reaction chips (with who reacted, for the hover text, and whether the viewer did), the
    common emoji not yet used, and whether the viewer may read the edit history."""
    chips = [
        {"emoji": entry["emoji"], "count": entry["count"],
         "mine": any(author["id"] == identity.id for author in entry["authors"]),
         "who": ", ".join(names.get(author["id"], author["id"]) for author in entry["authors"])}
        for entry in post.get("reactions", ())
    ]
    used = {chip["emoji"] for chip in chips}
    return {
        "reaction_chips": chips,
        "quick_emoji": [emoji for emoji in COMMON_EMOJI if emoji not in used],
        "can_see_edits": post["author_id"] == identity.id or identity.is_admin,
    }
