"""Input formats: each module recognises its files by content and parses them."""
